"""Trace -> OTLP JSON, Jaeger UI JSON, and obsctl's normalised JSON.

Same-format re-export writes the source objects back untouched (lossless); the other format is
built from the normalised fields the way Jaeger's own converter does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from obsctl.traces.model import KIND_CODES, Span, Trace, short_trace_id

_STATUS_CODES = {"unset": 0, "ok": 1, "error": 2}


def _any_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_any_value(v) for v in value]}}
    if isinstance(value, Mapping):
        return {"kvlistValue": {"values": _attrs(value)}}
    return {"stringValue": "" if value is None else str(value)}


def _attrs(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": _any_value(v)} for k, v in values.items()]


def _otlp_span(span: Span) -> dict[str, Any]:
    if span.raw is not None and "spanId" in span.raw:
        return span.raw
    out: dict[str, Any] = {
        "traceId": span.trace_id,
        "spanId": span.span_id,
        "name": span.operation,
        "kind": KIND_CODES.get(span.kind, 0),
        "startTimeUnixNano": str(span.start),
        "endTimeUnixNano": str(span.end),
        "attributes": _attrs(span.attributes),
        "events": [
            {"timeUnixNano": str(e.time), "name": e.name, "attributes": _attrs(e.attributes)}
            for e in span.events
        ],
        "links": [
            {"traceId": lk.trace_id, "spanId": lk.span_id, "attributes": _attrs(lk.attributes)}
            for lk in span.links
        ],
        "status": {"code": _STATUS_CODES[span.status], "message": span.status_message}
        if span.status != "unset"
        else {},
    }
    if span.parent_id:
        out["parentSpanId"] = span.parent_id
    return out


def to_otlp(traces: list[Trace]) -> dict[str, Any]:
    """One OTLP TracesData object, spans grouped under their resource, then their scope."""
    resources: dict[str, dict[str, Any]] = {}
    scopes: dict[tuple[str, str], dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for trace in traces:
        for span in trace.spans:
            if span.raw_resource is not None and "attributes" in span.raw_resource:
                resource = span.raw_resource
            else:
                resource = {"attributes": _attrs(span.resource | {"service.name": span.service})}
            rkey = json.dumps(resource, sort_keys=True, default=str)
            if rkey not in resources:
                resources[rkey] = {"resource": resource, "scopeSpans": []}
                out.append(resources[rkey])
            skey = (rkey, json.dumps(span.scope, sort_keys=True, default=str))
            if skey not in scopes:
                scopes[skey] = {"scope": span.scope, "spans": []}
                resources[rkey]["scopeSpans"].append(scopes[skey])
            scopes[skey]["spans"].append(_otlp_span(span))
    return {"resourceSpans": out}


def _tag(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "type": "bool", "value": value}
    if isinstance(value, int):
        return {"key": key, "type": "int64", "value": value if abs(value) <= 2**53 else str(value)}
    if isinstance(value, float):
        return {"key": key, "type": "float64", "value": value}
    if isinstance(value, (list, dict)):
        return {"key": key, "type": "string", "value": json.dumps(value, separators=(",", ":"))}
    return {"key": key, "type": "string", "value": "" if value is None else str(value)}


def _jaeger_trace(trace: Trace) -> dict[str, Any]:
    if trace.raw is not None and trace.source == "jaeger":
        return trace.raw
    processes: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}
    spans = []
    tid = short_trace_id(trace.trace_id)
    for s in trace.spans:
        proc = {
            "serviceName": s.service,
            "tags": [_tag(k, v) for k, v in s.resource.items() if k != "service.name"],
        }
        pkey = json.dumps(proc, sort_keys=True, default=str)
        if pkey not in keys:
            keys[pkey] = f"p{len(keys) + 1}"
            processes[keys[pkey]] = proc
        tags = [_tag(k, v) for k, v in s.attributes.items()]
        if s.kind not in ("unspecified", "internal"):
            tags.append(_tag("span.kind", s.kind))
        if s.error:
            tags += [_tag("otel.status_code", "ERROR"), _tag("error", True)]
            if s.status_message:
                tags.append(_tag("otel.status_description", s.status_message))
        refs = []
        if s.parent_id:
            ref = "FOLLOWS_FROM" if s.follows_from else "CHILD_OF"
            refs.append({"refType": ref, "traceID": tid, "spanID": s.parent_id})
        refs += [
            {
                "refType": "FOLLOWS_FROM",
                "traceID": short_trace_id(lk.trace_id),
                "spanID": lk.span_id,
            }
            for lk in s.links
        ]
        logs = [
            {
                "timestamp": e.time // 1000,
                "fields": [_tag("event", e.name)] + [_tag(k, v) for k, v in e.attributes.items()],
            }
            for e in s.events
        ]
        spans.append(
            {
                "traceID": tid,
                "spanID": s.span_id,
                "operationName": s.operation,
                "references": refs,
                "startTime": s.start // 1000,
                "duration": s.duration // 1000,
                "tags": tags,
                "logs": logs,
                "processID": keys[pkey],
                "warnings": s.warnings or None,
            }
        )
    return {"traceID": tid, "spans": spans, "processes": processes, "warnings": trace.warnings or None}


def to_jaeger(traces: list[Trace]) -> dict[str, Any]:
    """The v1 API envelope `/api/traces/{id}` answers with (what Jaeger UI's import reads)."""
    return {"data": [_jaeger_trace(t) for t in traces], "total": 0, "limit": 0, "offset": 0, "errors": None}


def rfc3339_nanos(unix_ns: int) -> str:
    from datetime import datetime, timezone

    seconds, nanos = divmod(unix_ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{nanos:09d}Z"
