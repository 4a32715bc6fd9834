"""One log line, whatever it came from (an ES hit or a line of a file), and field lookup that
accepts both spellings log documents use: dotted keys (`"log.level"`) and nested objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ZERO_TRACE = "0" * 32
ZERO_SPAN = "0" * 16


def lookup(source: Mapping[str, Any], name: str) -> Any:
    """The first value of `name` in a document: `a.b.c` as a key, as nested objects, or mixed."""
    value = source.get(name)
    if value is not None or "." not in name:
        return _first(value)
    parts = name.split(".")
    return _walk(source, parts)


def _walk(node: Any, parts: list[str]) -> Any:
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if isinstance(node, Mapping) and key in node:
            child = node[key]
            if i == len(parts):
                return _first(child)
            found = _walk(child, parts[i:])
            if found is not None:
                return found
    return None


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


@dataclass(slots=True)
class LogRecord:
    """A log line with its roles resolved; `source` is the stored document (or parsed line)."""

    ts: datetime | None
    message: str
    level: str | None = None
    service: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    host: str | None = None
    logger: str | None = None
    index: str | None = None
    id: str | None = None
    source: Mapping[str, Any] = field(default_factory=dict)
    raw: str | None = None  # the line as read (files) or None (ES: the _source is the raw form)
    highlight: str | None = None
    sort: list[Any] | None = None

    @property
    def key(self) -> tuple[str | None, str | None]:
        return (self.index, self.id)


def clean_trace_id(value: Any) -> str | None:
    """A trace id as lowercase hex; an all-zero id (no active span) is no trace."""
    if value is None or value == "":
        return None
    text = str(value).strip().lower()
    if not text.strip("0"):
        return None
    return text


def clean_span_id(value: Any) -> str | None:
    return clean_trace_id(value)
