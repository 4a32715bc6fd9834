"""Filters (`QUERY`, `--trace-id`, `--level`, ...) as an Elasticsearch query over the detected
roles, and the same filters as a predicate over records read from files."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from obsctl.core import ids
from obsctl.core.errors import UsageError
from obsctl.core.ids import trace_id_forms
from obsctl.core.timeparse import to_rfc3339
from obsctl.logs.record import LogRecord, lookup
from obsctl.logs.roles import FieldInfo, Roles

LEVELS = ("trace", "debug", "info", "warn", "error", "fatal")
_ALIASES = {
    "trace": ("trace", "finest", "verbose"),
    "debug": ("debug", "fine", "dbg"),
    "info": ("info", "information", "notice"),
    "warn": ("warn", "warning"),
    "error": ("error", "err", "severe"),
    "fatal": ("fatal", "critical", "crit", "panic", "emergency", "alert", "dpanic"),
}
_SEVERITY_FLOOR = {"trace": 1, "debug": 5, "info": 9, "warn": 13, "error": 17, "fatal": 21}


def level_rank(name: str | None) -> int | None:
    """Position of a level name in LEVELS (aliases and any case accepted), None if unknown."""
    if not name:
        return None
    text = str(name).strip().lower()
    for i, level in enumerate(LEVELS):
        if text in _ALIASES[level]:
            return i
    return None


def parse_level(text: str) -> str:
    rank = level_rank(text)
    if rank is None:
        raise UsageError(f"unknown level {text!r}", hint=f"use one of {', '.join(LEVELS)}")
    return LEVELS[rank]


def level_spellings(minimum: str) -> list[str]:
    """Every spelling of every level at or above `minimum` (lower, UPPER, Capitalised)."""
    rank = LEVELS.index(minimum)
    out: list[str] = []
    for level in LEVELS[rank:]:
        for alias in _ALIASES[level]:
            out.extend((alias, alias.upper(), alias.capitalize()))
    return out


def parse_trace_id(text: str) -> list[str]:
    """Candidates for a trace id given as 32 or 16 hex digits (any case) or a W3C traceparent.

    A 64-bit (Jaeger/Zipkin) id is stored either as 16 digits or zero-padded to 32: both match.
    """
    return trace_id_forms(ids.parse_trace_id(text, problem="not a trace id: {text!r}"))


def parse_span_id(text: str) -> list[str]:
    return [ids.parse_span_id(text, problem="not a span id: {text!r}")]


def parse_field_filters(items: Sequence[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(
                f"--field {item!r}: expected KEY=VALUE", hint="e.g. --field http.response.status_code=500"
            )
        out.append((name.strip(), value))
    return tuple(out)


@dataclass(frozen=True)
class Filters:
    """What to keep; every filter narrows (AND), candidates inside one filter widen (OR)."""

    query: str | None = None
    trace_ids: tuple[str, ...] = ()
    span_ids: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    level: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    start: datetime | None = None
    end: datetime | None = None

    def without_time(self) -> Filters:
        from dataclasses import replace

        return replace(self, start=None, end=None)


# --- Elasticsearch ---------------------------------------------------------------------------------


def _exact(roles: Roles, info: FieldInfo, values: Sequence[str]) -> dict[str, Any]:
    """terms on a keyword(-like) field; a phrase match per value on text fields."""
    keyword = roles.keyword_of(info)
    if keyword is not None:
        return {"terms": {keyword: list(values)}}
    if len(values) == 1:
        return {"match_phrase": {info.name: values[0]}}
    return {"bool": {"should": [{"match_phrase": {info.name: v}} for v in values], "minimum_should_match": 1}}


def _any_of(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def _role_clause(roles: Roles, role: str, values: Sequence[str], candidates: Sequence[str]) -> dict[str, Any]:
    infos = roles.many(role) or [FieldInfo(name, "keyword") for name in candidates]
    return _any_of([_exact(roles, info, values) for info in infos])


def es_filters(filters: Filters, roles: Roles, *, time_field: str | None = None) -> list[dict[str, Any]]:
    """The bool `filter` clauses for these filters (time range on `time_field`, default timestamp)."""
    from obsctl.logs.roles import CANDIDATES

    out: list[dict[str, Any]] = []
    ts = time_field or roles.timestamp
    if filters.start or filters.end:
        bounds: dict[str, Any] = {}
        if filters.start:
            bounds["gte"] = to_rfc3339(filters.start)
        if filters.end:
            bounds["lt"] = to_rfc3339(filters.end)
        out.append({"range": {ts: bounds}})
    if filters.query:
        out.append({"query_string": {"query": filters.query, "default_operator": "AND", "lenient": True}})
    if filters.trace_ids:
        out.append(_role_clause(roles, "trace_id", filters.trace_ids, CANDIDATES["trace_id"]))
    if filters.span_ids:
        out.append(_role_clause(roles, "span_id", filters.span_ids, CANDIDATES["span_id"]))
    if filters.services:
        out.append(_role_clause(roles, "service", filters.services, CANDIDATES["service"]))
    if filters.level:
        out.append(_level_clause(roles, filters.level))
    for name, value in filters.fields:
        info = roles.all_fields.get(name) or FieldInfo(name, "keyword")
        out.append(_exact(roles, info, [value]))
    return out


def _level_clause(roles: Roles, minimum: str) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = []
    for info in roles.many("level"):
        keyword = roles.keyword_of(info)
        if keyword is not None:
            clauses.append({"terms": {keyword: level_spellings(minimum)}})
        else:
            names = sorted({s.lower() for s in level_spellings(minimum)})
            clauses.append({"match": {info.name: {"query": " ".join(names), "operator": "or"}}})
    if roles.severity_number is not None:
        clauses.append({"range": {roles.severity_number.name: {"gte": _SEVERITY_FLOOR[minimum]}}})
    if not clauses:
        clauses.append({"terms": {"log.level": level_spellings(minimum)}})
    return _any_of(clauses)


def es_query(filters: Filters, roles: Roles, *, time_field: str | None = None) -> dict[str, Any]:
    clauses = es_filters(filters, roles, time_field=time_field)
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def highlight(roles: Roles, color: bool) -> dict[str, Any] | None:
    """ES highlight with ANSI tags on the message field: colour with no client-side regex."""
    message = roles.name("message")
    if not color or message is None:
        return None
    return {
        "fields": {message: {"number_of_fragments": 0}},
        "pre_tags": ["\x1b[1;31m"],
        "post_tags": ["\x1b[0m"],
        "require_field_match": False,
    }


# --- files -----------------------------------------------------------------------------------------


def record_predicate(filters: Filters) -> Callable[[LogRecord], bool]:
    """The same filters over records from files. QUERY: words (AND), `field:value`, "phrases",
    `-word`/`NOT word`, and `A OR B` alternatives; case-insensitive substring matches."""
    alternatives = _parse_file_query(filters.query) if filters.query else []
    minimum = LEVELS.index(filters.level) if filters.level else None
    services = {s.lower() for s in filters.services}

    def keep(rec: LogRecord) -> bool:
        if filters.start and (rec.ts is None or rec.ts < filters.start):
            return False
        if filters.end and (rec.ts is None or rec.ts >= filters.end):
            return False
        if filters.trace_ids and (rec.trace_id or "") not in filters.trace_ids:
            return False
        if filters.span_ids and (rec.span_id or "") not in filters.span_ids:
            return False
        if services and (rec.service or "").lower() not in services:
            return False
        if minimum is not None:
            rank = level_rank(rec.level)
            if rank is None or rank < minimum:
                return False
        for name, value in filters.fields:
            if str(lookup(rec.source, name)) != value:
                return False
        return not alternatives or any(_all_terms(rec, terms) for terms in alternatives)

    return keep


_Term = tuple[bool, str | None, str]  # (negated, field, lowercase text)


def _parse_file_query(query: str) -> list[list[_Term]]:
    try:
        tokens = shlex.split(query)
    except ValueError:
        tokens = query.split()
    groups: list[list[_Term]] = [[]]
    negate = False
    for token in tokens:
        if token == "OR":
            groups.append([])
            continue
        if token in ("AND", "&&"):
            continue
        if token == "NOT":
            negate = True
            continue
        neg = negate or token.startswith("-")
        text = token[1:] if token.startswith("-") else token
        name, sep, value = text.partition(":")
        term = (neg, name, value.lower()) if sep and name and value else (neg, None, text.lower())
        groups[-1].append(term)
        negate = False
    return [g for g in groups if g]


def _all_terms(rec: LogRecord, terms: list[_Term]) -> bool:
    for negated, name, text in terms:
        if name is None:
            haystack = (rec.raw or rec.message).lower()
        else:
            haystack = str(lookup(rec.source, name) or "").lower()
        text = text.strip('"').strip("*")
        if (text in haystack) == negated:
            return False
    return True
