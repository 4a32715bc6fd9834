"""One Trace model for every source: Jaeger UI/v1 JSON, OTLP JSON (bare, wrapped in `result`, or
JSON lines as collectors' file exporters and `traces listen --save` write them).

Each span keeps the source object it came from (`raw`), so re-exporting to the same format is
lossless; the other format is converted from the normalised fields.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
KIND_CODES = {v: k for k, v in KINDS.items()}
_HEX = re.compile(r"^[0-9a-fA-F]+$")


@dataclass
class Event:
    """A span event (OTLP) or log (Jaeger)."""

    name: str
    time: int  # unix ns
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Link:
    """A reference to another span: an OTLP link, or a Jaeger FOLLOWS_FROM/extra reference."""

    trace_id: str
    span_id: str
    kind: str = "link"  # "link" or "follows_from"
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Span:
    """One span, normalised. Times are unix nanoseconds."""

    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    operation: str
    start: int
    duration: int
    kind: str = "unspecified"
    status: str = "unset"  # unset, ok, error
    status_message: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    resource: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, Any] = field(default_factory=dict)
    follows_from: bool = False  # the parent reference is FOLLOWS_FROM
    warnings: list[str] = field(default_factory=list)
    raw: dict[str, Any] | None = None
    raw_resource: dict[str, Any] | None = None  # OTLP resource / Jaeger process, as in the source

    @property
    def end(self) -> int:
        return self.start + self.duration

    @property
    def name(self) -> str:
        """The span name (OTLP's word for what Jaeger calls the operation)."""
        return self.operation

    @property
    def error(self) -> bool:
        return self.status == "error"

    def error_message(self) -> str:
        """The status message and the exception event's message (or type), when they differ."""
        exc = ""
        for ev in self.events:
            attrs = ev.attributes
            if ev.name in ("exception", "error") or "exception.message" in attrs or "error.object" in attrs:
                exc = str(
                    attrs.get("exception.message")
                    or attrs.get("message")
                    or attrs.get("error.object")
                    or attrs.get("exception.type")
                    or ""
                )
                if exc:
                    break
        if self.status_message and exc and exc not in self.status_message:
            return f"{self.status_message}: {exc}"
        return self.status_message or exc


@dataclass
class Trace:
    """The spans of one trace with the tree built: children sorted by start, roots and orphans."""

    trace_id: str
    spans: list[Span]
    source: str = "otlp"  # otlp or jaeger
    warnings: list[str] = field(default_factory=list)
    raw: dict[str, Any] | None = None  # the Jaeger trace object when read from Jaeger JSON
    by_id: dict[str, Span] = field(default_factory=dict, init=False)
    children: dict[str, list[Span]] = field(default_factory=dict, init=False)
    roots: list[Span] = field(default_factory=list, init=False)
    orphans: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        ordered = sorted(self.spans, key=lambda s: (s.start, -s.duration))  # spans keep source order
        for s in ordered:
            if s.span_id in self.by_id:
                self.warnings.append(f"duplicate span id {s.span_id}")
            self.by_id.setdefault(s.span_id, s)
        for s in ordered:
            if s.parent_id and s.parent_id in self.by_id and s.parent_id != s.span_id:
                self.children.setdefault(s.parent_id, []).append(s)
            else:
                self.roots.append(s)
                if s.parent_id:
                    self.orphans.add(s.span_id)

    @property
    def start(self) -> int:
        return min((s.start for s in self.spans), default=0)

    @property
    def end(self) -> int:
        return max((s.end for s in self.spans), default=0)

    @property
    def duration(self) -> int:
        return self.end - self.start

    @property
    def root(self) -> Span | None:
        """The first span without a parent reference (the trace's entry point), if any."""
        real = [s for s in self.roots if not s.parent_id]
        candidates = real or self.roots
        return candidates[0] if candidates else None

    def services(self) -> list[str]:
        return sorted({s.service for s in self.spans})

    def walk(self) -> Iterator[tuple[Span, int]]:
        """Spans in tree order with their depth (iterative: traces can be deep)."""
        stack = [(s, 0) for s in reversed(self.roots)]
        seen: set[int] = set()
        while stack:
            span, depth = stack.pop()
            if id(span) in seen:
                continue
            seen.add(id(span))
            yield span, depth
            stack.extend((c, depth + 1) for c in reversed(self.children.get(span.span_id, [])))


# --- ids ----------------------------------------------------------------------------------------


def short_trace_id(trace_id: str) -> str:
    """The id as Jaeger prints it: the low 64 bits alone when the high half is zero."""
    return trace_id[16:] if trace_id[:16].strip("0") == "" else trace_id


def _id(value: Any, size: int) -> str:
    """Hex id from hex (any case, Jaeger may drop leading zeros) or base64 (protobuf JSON mapping)."""
    if not value:
        return ""
    text = str(value)
    if _HEX.match(text) and len(text) <= size:
        return text.lower().rjust(size, "0")
    try:
        return base64.b64decode(text, validate=True).hex().rjust(size, "0")
    except (binascii.Error, ValueError):
        return text.lower()


# --- OTLP JSON ----------------------------------------------------------------------------------


def any_value(value: Mapping[str, Any] | None) -> Any:
    """OTLP AnyValue JSON -> a Python value (int64 strings become ints, bytes stay base64)."""
    if not value:
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "arrayValue" in value:
        return [any_value(v) for v in (value["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in value:
        return attrs_dict((value["kvlistValue"] or {}).get("values", []))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def attrs_dict(attrs: Iterable[Mapping[str, Any]] | None) -> dict[str, Any]:
    return {a.get("key", ""): any_value(a.get("value")) for a in attrs or ()}


def _enum(value: Any, names: Mapping[int, str], prefix: str) -> int:
    """OTLP enums arrive as integers or (protojson) names like SPAN_KIND_SERVER."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        short = value.upper().removeprefix(prefix).lower()
        for code, name in names.items():
            if name == short:
                return code
    return 0


_STATUS = {0: "unset", 1: "ok", 2: "error"}


def _otlp_span(
    raw: dict[str, Any], resource: dict[str, Any], res_attrs: dict[str, Any], scope: dict[str, Any]
) -> Span:
    start = int(raw.get("startTimeUnixNano") or 0)
    end = int(raw.get("endTimeUnixNano") or start)
    status = raw.get("status") or {}
    links = [
        Link(_id(lk.get("traceId"), 32), _id(lk.get("spanId"), 16), "link", attrs_dict(lk.get("attributes")))
        for lk in raw.get("links") or ()
    ]
    events = [
        Event(e.get("name", ""), int(e.get("timeUnixNano") or 0), attrs_dict(e.get("attributes")))
        for e in raw.get("events") or ()
    ]
    return Span(
        trace_id=_id(raw.get("traceId"), 32),
        span_id=_id(raw.get("spanId"), 16),
        parent_id=_id(raw.get("parentSpanId"), 16) or None,
        service=str(res_attrs.get("service.name") or "unknown_service"),
        operation=str(raw.get("name", "")),
        start=start,
        duration=max(0, end - start),
        kind=KINDS.get(_enum(raw.get("kind", 0), KINDS, "SPAN_KIND_"), "unspecified"),
        status=_STATUS.get(_enum(status.get("code", 0), _STATUS, "STATUS_CODE_"), "unset"),
        status_message=str(status.get("message") or ""),
        attributes=attrs_dict(raw.get("attributes")),
        events=events,
        links=links,
        resource=res_attrs,
        scope=dict(scope),
        raw=raw,
        raw_resource=resource,
    )


def spans_from_otlp(doc: Mapping[str, Any]) -> list[Span]:
    """Spans of an OTLP TracesData/ExportTraceServiceRequest JSON object (or `{"result": ...}`)."""
    if "result" in doc and isinstance(doc["result"], Mapping):
        doc = doc["result"]
    out: list[Span] = []
    for rs in doc.get("resourceSpans") or ():
        resource = rs.get("resource") or {}
        res_attrs = attrs_dict(resource.get("attributes"))  # once per resource, shared by its spans
        for ss in rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or ():
            scope = ss.get("scope") or ss.get("instrumentationLibrary") or {}
            out.extend(_otlp_span(span, resource, res_attrs, scope) for span in ss.get("spans") or ())
    return out


# --- Jaeger JSON --------------------------------------------------------------------------------


def _tag_value(tag: Mapping[str, Any]) -> Any:
    value = tag.get("value")
    kind = tag.get("type", "string")
    if kind == "int64" and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def _tags(tags: Iterable[Mapping[str, Any]] | None) -> dict[str, Any]:
    return {t.get("key", ""): _tag_value(t) for t in tags or ()}


def _jaeger_span(raw: dict[str, Any], processes: Mapping[str, Any], resources: dict[str, Any]) -> Span:
    pid = str(raw.get("processID", ""))
    process = processes.get(pid) or raw.get("process") or {}
    if pid not in resources or not pid:  # process tags parsed once per process, shared by its spans
        resources[pid] = _tags(process.get("tags")) | {"service.name": process.get("serviceName")}
    tags = _tags(raw.get("tags"))
    kind = str(tags.pop("span.kind", "internal") or "internal").lower()  # Jaeger omits internal
    error = tags.get("error") in (True, "true") or str(tags.get("otel.status_code", "")).upper() == "ERROR"
    status = (
        "error" if error else ("ok" if str(tags.get("otel.status_code", "")).upper() == "OK" else "unset")
    )
    message = str(tags.get("otel.status_description") or "")
    trace_id = _id(raw.get("traceID"), 32)
    parent: str | None = None
    follows = False
    links: list[Link] = []
    for i, ref in enumerate(raw.get("references") or ()):
        ref_trace, ref_span = _id(ref.get("traceID"), 32), _id(ref.get("spanID"), 16)
        ref_kind = "follows_from" if ref.get("refType") == "FOLLOWS_FROM" else "link"
        if i == 0 and ref_trace == trace_id:
            parent, follows = ref_span, ref_kind == "follows_from"
        else:
            links.append(Link(ref_trace, ref_span, ref_kind))
    if raw.get("parentSpanID") and parent is None:  # older UI model
        parent = _id(raw["parentSpanID"], 16)
    events = []
    for log in raw.get("logs") or ():
        fields = _tags(log.get("fields"))
        name = str(fields.pop("event", "") or "log")
        events.append(Event(name, int(log.get("timestamp") or 0) * 1000, fields))
    return Span(
        trace_id=trace_id,
        span_id=_id(raw.get("spanID"), 16),
        parent_id=parent,
        service=str(process.get("serviceName") or "unknown_service"),
        operation=str(raw.get("operationName", "")),
        start=int(raw.get("startTime") or 0) * 1000,
        duration=int(raw.get("duration") or 0) * 1000,
        kind=kind if kind in KIND_CODES else "unspecified",
        status=status,
        status_message=message,
        attributes=tags,
        events=events,
        links=links,
        resource=resources[pid],
        follows_from=follows,
        warnings=[str(w) for w in raw.get("warnings") or ()],
        raw=raw,
        raw_resource=process,
    )


def traces_from_jaeger(doc: Any) -> list[Trace]:
    """Traces of a Jaeger v1/UI JSON document: `{"data": [trace...]}`, a bare trace, or a list."""
    items = doc.get("data") if isinstance(doc, Mapping) and "data" in doc else doc
    items = items if isinstance(items, list) else [items]
    out = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("spans"), list):
            continue
        processes = item.get("processes") or {}
        resources: dict[str, Any] = {}
        spans = [_jaeger_span(s, processes, resources) for s in item["spans"]]
        trace_id = _id(item.get("traceID"), 32) or (spans[0].trace_id if spans else "")
        warnings = [str(w) for w in item.get("warnings") or ()]
        out.append(Trace(trace_id, spans, source="jaeger", warnings=warnings, raw=dict(item)))
    return out
