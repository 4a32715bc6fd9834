"""What `traces get` prints, per format: waterfall, span table, summary, normalised JSON, re-exports.

Pure functions from a Trace (+ its analysis) to lines or documents; the command only picks one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from obsctl.core.output import Column
from obsctl.traces.critical_path import Timing, analyse, summarize
from obsctl.traces.diagnosis import Diagnosis, diagnose
from obsctl.traces.export import rfc3339_nanos
from obsctl.traces.model import Trace

SPAN_COLUMNS = (
    Column("span_id", "span"),
    Column("parent_span_id", "parent"),
    Column("service", "service"),
    Column("operation", "operation"),
    Column("offset_ms", "offset ms"),
    Column("duration_ms", "duration ms"),
    Column("self_ms", "self ms"),
    Column("kind", "kind"),
    Column("status", "status"),
    Column("critical", "critical"),
    Column("status_message", "message", wide_only=True),
)
SUMMARY_COLUMNS = (
    Column("service", "service"),
    Column("operation", "operation"),
    Column("count", "count"),
    Column("errors", "errors"),
    Column("self_ms", "self ms"),
    Column("total_ms", "total ms"),
    Column("critical_ms", "critical ms"),
)


@dataclass
class Analysed:
    """A trace with everything computed once: timing, critical path and diagnosis."""

    trace: Trace
    timing: Timing
    diagnosis: Diagnosis
    logs: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, trace: Trace) -> Analysed:
        timing = analyse(trace)
        return cls(trace, timing, diagnose(trace, timing))


def _ms(ns: int) -> float:
    return round(ns / 1e6, 3)


def span_rows(a: Analysed) -> list[dict[str, Any]]:
    t0 = a.timing.trace_start
    rows = []
    for span, depth in a.trace.walk():
        sid = span.span_id
        rows.append(
            {
                "span_id": sid,
                "parent_span_id": span.parent_id or "",
                "service": span.service,
                "operation": span.operation,
                "depth": depth,
                "offset_ms": _ms(a.timing.start[sid] - t0),
                "duration_ms": _ms(span.duration),
                "self_ms": _ms(a.timing.self_time.get(sid, 0)),
                "kind": span.kind,
                "status": span.status,
                "critical": sid in a.timing.on_path,
                "status_message": span.error_message(),
            }
        )
    return rows


def summary_rows(a: Analysed) -> list[dict[str, Any]]:
    return [
        {
            "service": r.service,
            "operation": r.operation,
            "count": r.count,
            "errors": r.errors,
            "self_ms": _ms(r.self_time),
            "total_ms": _ms(r.total),
            "critical_ms": _ms(r.critical),
        }
        for r in summarize(a.trace, a.timing)
    ]


def _resources(trace: Trace) -> dict[str, dict[str, Any]]:
    """Resource attributes per service (first seen), once per trace rather than once per span."""
    out: dict[str, dict[str, Any]] = {}
    for span in trace.spans:
        out.setdefault(span.service, span.resource)
    return out


def to_document(a: Analysed, *, summary: bool = False) -> dict[str, Any]:
    """obsctl's normalised JSON for one trace (documented in docs/traces.md)."""
    trace, timing = a.trace, a.timing
    spans = []
    for span, depth in trace.walk():
        sid = span.span_id
        spans.append(
            {
                "span_id": sid,
                "parent_span_id": span.parent_id,
                "service": span.service,
                "operation": span.operation,
                "kind": span.kind,
                "start": rfc3339_nanos(span.start),
                "start_unix_nano": span.start,
                "duration_ms": _ms(span.duration),
                "self_ms": _ms(timing.self_time.get(sid, 0)),
                "depth": depth,
                "status": span.status,
                "status_message": span.error_message(),
                "critical": sid in timing.on_path,
                "critical_ms": _ms(timing.critical.get(sid, 0)),
                "orphan": sid in trace.orphans,
                "follows_from": span.follows_from,
                "clock_skew_ms": _ms(timing.skew[sid]) if sid in timing.skew else None,
                "attributes": span.attributes,
                "events": [
                    {"name": e.name, "time": rfc3339_nanos(e.time), "attributes": e.attributes}
                    for e in span.events
                ],
                "links": [
                    {"trace_id": lk.trace_id, "span_id": lk.span_id, "kind": lk.kind} for lk in span.links
                ],
                "logs": list(a.logs.get(sid, ())),
            }
        )
    root = trace.root
    doc: dict[str, Any] = {
        "trace_id": trace.trace_id,
        "root_service": root.service if root else None,
        "root_operation": root.operation if root else None,
        "start": rfc3339_nanos(timing.trace_start),
        "duration_ms": _ms(timing.trace_end - timing.trace_start),
        "span_count": len(trace.spans),
        "error_count": sum(s.error for s in trace.spans),
        "services": trace.services(),
        "resources": _resources(trace),
        "spans": spans,
        "diagnosis": a.diagnosis.to_json(),
        "warnings": trace.warnings,
    }
    if summary:
        doc["summary"] = summary_rows(a)
    return doc


def write_document(out: Any, doc: Any, fmt: str = "json") -> None:
    """Write a (possibly 10,000-span) document: orjson when it can, core's writer otherwise."""
    if fmt == "json":
        try:
            import orjson

            out.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")
            out.stdout.flush()
            return
        except (ImportError, TypeError):  # orjson.JSONEncodeError is a TypeError (e.g. ints over 64 bits)
            pass
    out.render_document(doc, fmt)
