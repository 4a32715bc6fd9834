"""Reading traces from text: one JSON document, JSON lines, or streamed chunks, of either family
(Jaeger UI JSON or OTLP JSON), detected per document."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from obsctl.core.errors import UsageError
from obsctl.traces.model import Span, Trace, spans_from_otlp, traces_from_jaeger


def group_traces(spans: Iterable[Span], source: str = "otlp") -> list[Trace]:
    """Re-group spans by trace id (api_v3 merges every trace's spans into one list)."""
    by_trace: dict[str, list[Span]] = {}
    for s in spans:
        by_trace.setdefault(s.trace_id, []).append(s)
    return [Trace(tid, spans, source=source) for tid, spans in by_trace.items()]


def iter_json_documents(text: str) -> Iterator[Any]:
    """Every JSON value in `text`: one document, JSON lines, or concatenated/streamed chunks."""
    try:  # the common case, one document: orjson is several times faster on a 10,000-span trace
        import orjson

        yield orjson.loads(text)
        return
    except (ImportError, ValueError):
        pass
    decoder = json.JSONDecoder()
    pos, size = 0, len(text)
    while pos < size:
        while pos < size and text[pos] in " \t\r\n":
            pos += 1
        if pos >= size:
            return
        value, pos = decoder.raw_decode(text, pos)
        yield value


def traces_from_documents(docs: Iterable[Any]) -> list[Trace]:
    """Traces from parsed JSON documents of either family (detected per document)."""
    spans: list[Span] = []
    jaeger: list[Trace] = []
    for doc in docs:
        if isinstance(doc, Mapping) and isinstance(doc.get("error"), Mapping):
            continue  # an error chunk; the caller reports it
        if isinstance(doc, Mapping) and ("resourceSpans" in doc or "result" in doc):
            spans.extend(spans_from_otlp(doc))
        else:
            jaeger.extend(traces_from_jaeger(doc))
    return jaeger + group_traces(spans)


def load_file(path: str) -> list[Trace]:
    """Traces from a file (`-` for stdin) in any supported JSON shape; a usage error otherwise."""
    import sys

    try:
        text = sys.stdin.read() if path == "-" else Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", hint="check the --file path") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text", hint="--file takes JSON or JSON lines") from None
    try:
        traces = traces_from_documents(iter_json_documents(text))
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
            hint="--file takes Jaeger UI JSON, OTLP JSON (bare or in 'result') or OTLP JSON lines",
        ) from None
    if not traces:
        raise UsageError(
            f"{path} holds no trace",
            hint="expected Jaeger UI JSON (data[].spans) or OTLP JSON (resourceSpans)",
        )
    return traces
