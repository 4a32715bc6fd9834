"""Which field plays which role (timestamp, message, level, service, trace id, ...) in an index,
detected from `_field_caps`, or in a file line, detected from its keys.

Candidates cover ECS (`trace.id`, `log.level`, `service.name`), the OpenTelemetry Collector
Elasticsearch exporter in `otel` mode (`trace_id`, `severity_text`, `body.text`,
`resource.attributes.service.name`) and `ecs` mode (ECS names), opentelemetry-instrumentation-logging
(`otelTraceID`, `otelSpanID`, `otelServiceName`), Filebeat-decoded JSON under `json.*`, and the
seed's formatter (`timestamp` naive UTC, `level`, `logger`, `message`, `trace_id`, `span_id`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from obsctl.core.timeparse import parse_timestamp
from obsctl.logs.record import LogRecord, clean_span_id, clean_trace_id, lookup

ROLES = ("timestamp", "message", "level", "service", "trace_id", "span_id", "host", "logger", "ingested")

_BASE: dict[str, tuple[str, ...]] = {
    "timestamp": ("@timestamp", "timestamp", "time", "ts", "asctime", "date"),
    "message": ("message", "body.text", "body", "msg", "log", "event.original"),
    "level": ("log.level", "severity_text", "level", "levelname", "severity", "otelSeverityText", "lvl"),
    "service": (
        "service.name",
        "resource.attributes.service.name",
        "otelServiceName",
        "service",
        "app",
        "kubernetes.container.name",
    ),
    "trace_id": ("trace.id", "trace_id", "traceId", "traceID", "otelTraceID", "attributes.trace_id"),
    "span_id": ("span.id", "span_id", "spanId", "spanID", "otelSpanID", "attributes.span_id"),
    "host": ("host.name", "host.hostname", "resource.attributes.host.name", "hostname", "host"),
    "logger": ("log.logger", "logger", "logger_name", "scope.name"),
    "ingested": ("event.ingested",),
}
# Filebeat's `json.*` decoding (json.keys_under_root: false) nests the same names under `json.`.
CANDIDATES: dict[str, tuple[str, ...]] = {
    role: names + tuple(f"json.{n}" for n in names if role != "ingested") for role, names in _BASE.items()
}
SEVERITY_NUMBER = ("severity_number", "event.severity", "json.severity_number")
_DATE_TYPES = ("date", "date_nanos")
_SINGLE = ("timestamp", "ingested")  # sort/range fields: one each; other roles keep every field present


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str
    aggregatable: bool = False


@dataclass
class Roles:
    """The detected (or configured) field per role; trace/span ids may have several fields."""

    fields: dict[str, list[FieldInfo]] = field(default_factory=dict)
    severity_number: FieldInfo | None = None
    all_fields: dict[str, FieldInfo] = field(default_factory=dict)
    _resolver: Resolver | None = field(default=None, repr=False, compare=False)

    def one(self, role: str) -> FieldInfo | None:
        found = self.fields.get(role) or []
        return found[0] if found else None

    def name(self, role: str, default: str | None = None) -> str | None:
        info = self.one(role)
        return info.name if info else default

    def many(self, role: str) -> list[FieldInfo]:
        return list(self.fields.get(role) or [])

    def role_of(self, name: str) -> str | None:
        for role, infos in self.fields.items():
            if any(i.name == name for i in infos):
                return role
        if self.severity_number and self.severity_number.name == name:
            return "level"
        return None

    @property
    def timestamp(self) -> str:
        return self.name("timestamp") or "@timestamp"

    @property
    def timestamp_nanos(self) -> bool:
        info = self.one("timestamp")
        return bool(info and info.type == "date_nanos")

    @property
    def follow_field(self) -> str:
        """`event.ingested` when mapped (set at ingest time: no lag), else the timestamp."""
        return self.name("ingested") or self.timestamp

    def resolver(self) -> Resolver:
        if self._resolver is None:
            self._resolver = Resolver(self)
        return self._resolver

    def keyword_of(self, info: FieldInfo) -> str | None:
        """A field to run exact terms/aggregations on: itself if keyword-like, else `.keyword`."""
        if info.type in ("keyword", "constant_keyword", "wildcard", "long", "integer", "short", "byte"):
            return info.name
        sub = self.all_fields.get(info.name + ".keyword")
        return sub.name if sub else None


def _caps_entry(name: str, caps: Mapping[str, Any]) -> FieldInfo | None:
    kinds = [k for k in caps if k not in ("unmapped",)]
    if not kinds:
        return None
    kind = kinds[0] if len(kinds) == 1 else next((k for k in kinds if k in _DATE_TYPES), kinds[0])
    entry = caps.get(kind) or {}
    return FieldInfo(name, kind, bool(entry.get("aggregatable")))


def detect_roles(
    field_caps: Mapping[str, Mapping[str, Any]], overrides: Mapping[str, Any] | None = None
) -> Roles:
    """Roles from `_field_caps` output; `overrides` (role -> field or list) win over detection."""
    infos = {}
    for name, caps in field_caps.items():
        info = _caps_entry(name, caps)
        if info is not None and info.type not in ("object", "nested"):
            infos[name] = info
    roles = Roles(all_fields=infos)
    for role in ROLES:
        wanted = _override(overrides, role)
        names = wanted if wanted is not None else CANDIDATES[role]
        found = []
        for name in names:
            info = infos.get(name)
            if info is None:
                if wanted is not None:
                    found.append(FieldInfo(name, "keyword"))  # configured: trust it even if unmapped
                continue
            if role in ("timestamp", "ingested") and info.type not in _DATE_TYPES:
                continue
            found.append(info)
            if role in _SINGLE:
                break
        if found:
            roles.fields[role] = found
    for name in SEVERITY_NUMBER:
        if name in infos and infos[name].type in ("long", "integer", "short", "byte"):
            roles.severity_number = infos[name]
            break
    return roles


def _override(overrides: Mapping[str, Any] | None, role: str) -> list[str] | None:
    if not overrides or overrides.get(role) in (None, ""):
        return None
    value = overrides[role]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def roles_for_document(doc: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> Roles:
    """Roles of one parsed line (files): the candidates present among its keys."""
    from obsctl.logs.record import lookup as get

    caps: dict[str, dict[str, Any]] = {}
    for role in ROLES:
        for name in _override(overrides, role) or CANDIDATES[role]:
            value = get(doc, name)
            if value is None or isinstance(value, (dict, list)):
                continue
            kind = "date" if role in ("timestamp", "ingested") else "keyword"
            caps[name] = {kind: {"type": kind}}
    return detect_roles(caps, overrides)


def to_record(
    source: Mapping[str, Any],
    roles: Roles,
    *,
    index: str | None = None,
    doc_id: str | None = None,
    sort: list[Any] | None = None,
    raw: str | None = None,
) -> LogRecord:
    """Resolve the roles of one document into a LogRecord."""
    return roles.resolver()(source, index, doc_id, sort, raw)


class Resolver:
    """Roles compiled to field-name tuples once, so resolving a document is a few dict lookups
    (this runs for every line: `search --all` of 500,000 documents)."""

    def __init__(self, roles: Roles) -> None:
        names = {role: tuple(i.name for i in roles.many(role)) for role in ROLES}
        self.ts = roles.timestamp
        self.message = names["message"]
        self.level = names["level"]
        self.severity = roles.severity_number.name if roles.severity_number else None
        self.service = names["service"]
        self.trace = names["trace_id"]
        self.span = names["span_id"]
        self.host = names["host"]
        self.logger = names["logger"]
        self._message = _getter(self.message)
        self._level = _getter(self.level)
        self._service = _getter(self.service)
        self._trace = _getter(self.trace)
        self._span = _getter(self.span)
        self._host = _getter(self.host)
        self._logger = _getter(self.logger)

    def __call__(
        self,
        source: Mapping[str, Any],
        index: str | None = None,
        doc_id: str | None = None,
        sort: list[Any] | None = None,
        raw: str | None = None,
    ) -> LogRecord:
        message = self._message(source)
        level = self._level(source) if self.level else None
        if level is None and self.severity is not None:
            level = severity_name(lookup(source, self.severity))
        ts_value = source.get(self.ts)
        ts = _fast_time(ts_value)
        if ts is None:
            ts = parse_timestamp(ts_value if ts_value is not None else lookup(source, self.ts))
        return LogRecord(  # positional, in LogRecord's field order: this runs for every line
            ts,
            "" if message is None else message if type(message) is str else _text(message),
            None if level is None else level if type(level) is str else str(level),
            _opt(self._service(source)) if self.service else None,
            clean_trace_id(self._trace(source)) if self.trace else None,
            clean_span_id(self._span(source)) if self.span else None,
            _opt(self._host(source)) if self.host else None,
            _opt(self._logger(source)) if self.logger else None,
            index,
            doc_id,
            source,
            raw,
            None,
            sort,
        )


def _getter(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Any]:
    """`_first` over `names`, with a shortcut for the usual case: one field holding a string."""
    if len(names) != 1:
        return lambda source: _first(source, names)
    name = names[0]

    def one(source: Mapping[str, Any]) -> Any:
        value = source.get(name)
        if type(value) is str:
            return value or None
        return _first(source, names)

    return one


def _first(source: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = source.get(name)
        if value is None and "." in name:
            value = lookup(source, name)
        elif isinstance(value, list):
            value = value[0] if value else None
        if value is not None and value != "":
            return value
    return None


def _fast_time(value: Any) -> datetime | None:
    """ISO 8601 with `Z` and up to 6 fraction digits straight through datetime (Python 3.11+)."""
    if type(value) is str and len(value) <= 27 and value[-1:] == "Z":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None


def _first_value(source: Mapping[str, Any], infos: Iterable[FieldInfo]) -> Any:
    for info in infos:
        value = lookup(source, info.name)
        if value is not None and value != "":
            return value
    return None


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        inner = value.get("text") or value.get("string") or value.get("message")
        if inner is not None:
            return str(inner)
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _opt(value: Any) -> str | None:
    return value if value is None or type(value) is str else str(value)


def severity_name(number: Any) -> str | None:
    """OTel severity_number (1-24) as its level name."""
    try:
        n = int(number)
    except (TypeError, ValueError):
        return None
    for bound, name in ((21, "FATAL"), (17, "ERROR"), (13, "WARN"), (9, "INFO"), (5, "DEBUG"), (1, "TRACE")):
        if n >= bound:
            return name
    return None
