"""An in-process Jaeger query service (api_v3 HTTP gateway + the v1 UI JSON API), for tests.

Versions (`version=`), research/fake-servers.md §2.1:
- "v1":    Jaeger 1.x before api_v3: only the v1 `/api/...` JSON API.
- "v2.20": Jaeger <= v2.20.0: api_v3 and the whole v1 API.
- "main":  Jaeger main after #9260: api_v3, and of v1 only get-trace/dependencies/transform.

Traces are kept as OTLP JSON (what api_v3 returns); v1 answers are derived from the same spans,
so one data set serves both APIs. `stream_chunks=N` makes api_v3 get-trace answer the way the
grpc-gateway streams a server-streaming call: N `{"result": ...}` objects, one per line, each with
a share of the spans (`stream_error=` appends an `{"error": ...}` chunk, as a failure mid-stream). Fixture bodies: tests/fixtures/jaeger/ (PROVENANCE.tsv there).

    with FakeJaeger(version="main", traces=load_fixture_traces()) as jaeger:
        httpx.get(jaeger.url + "/api/v3/services").json()  # {"services": [...]}
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.fakes._server import FakeServer, Request, Response

FIXTURES = Path(__file__).parents[1] / "fixtures" / "jaeger"
VERSIONS = ("v1", "v2.20", "main")
GO_404 = b"404 page not found\n"
# The SPA fallback every non-/api path gets (real Jaeger serves the UI's index.html there).
INDEX_HTML = b'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Jaeger UI</title></head><body><div id="jaeger-ui-root"></div></body></html>'
_KIND = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$")


def fixture_json(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def load_fixture_traces() -> list[dict[str, Any]]:
    """The OTLP traces from the fixtures: HotROD (40 spans, 6 services) and the OTLP proto example."""
    return [
        fixture_json("v3/get_trace_hotrod_40spans_6services.json")["result"],
        fixture_json("otlp/otel_proto_example_trace.json"),
    ]


def _norm_ids(traces_data: Mapping[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(dict(traces_data))
    for rs in data.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for span in ss.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if span.get(key):
                        span[key] = span[key].lower()
    return data


def _attr_value(value: Mapping[str, Any]) -> tuple[str, Any]:
    """OTLP AnyValue -> v1 tag (type, value); int64 beyond 2^53 stays a string as Jaeger does."""
    if "stringValue" in value:
        return "string", value["stringValue"]
    if "boolValue" in value:
        return "bool", value["boolValue"]
    if "intValue" in value:
        number = int(value["intValue"])
        return "int64", number if abs(number) <= 2**53 else str(number)
    if "doubleValue" in value:
        return "float64", value["doubleValue"]
    if "bytesValue" in value:
        return "binary", value["bytesValue"]
    return "string", json.dumps(value, separators=(",", ":"))


def _service(resource: Mapping[str, Any]) -> str:
    for attr in resource.get("attributes", []):
        if attr.get("key") == "service.name":
            return str(attr["value"].get("stringValue", ""))
    return "OTLPResourceNoServiceName"


def _v1_trace_id(hex_id: str) -> str:
    """Jaeger's model.TraceID.String(): the low 64 bits alone when the high half is zero."""
    high, low = hex_id[:-16], hex_id[-16:]
    if not high.strip("0"):
        return f"{int(low, 16):016x}"
    return f"{int(high, 16):x}{low}"


class FakeJaeger(FakeServer):
    send_date = True  # Go's net/http always sends Date

    def __init__(
        self,
        version: str = "v2.20",
        *,
        traces: Iterable[Mapping[str, Any]] | None = None,
        stream_chunks: int = 1,
        stream_error: str | None = None,
    ) -> None:
        super().__init__()
        self.stream_chunks = stream_chunks
        self.stream_error = stream_error
        if version not in VERSIONS:
            raise ValueError(f"version must be one of {', '.join(VERSIONS)}, not {version!r}")
        self.version = version
        self._state = threading.Lock()
        self._spans: list[
            tuple[dict[str, Any], dict[str, Any], dict[str, Any]]
        ] = []  # (resource, scope, span)
        self.dependencies: list[dict[str, Any]] = []
        for data in traces or ():
            self.add_traces(data)

    # --- test API -------------------------------------------------------------------------------
    def add_traces(self, traces_data: Mapping[str, Any]) -> None:
        """Store an OTLP TracesData JSON object (`{"resourceSpans": [...]}`)."""
        data = _norm_ids(traces_data)
        with self._state:
            for rs in data.get("resourceSpans", []):
                resource = rs.get("resource", {})
                for ss in rs.get("scopeSpans", []):
                    scope = ss.get("scope", {})
                    for span in ss.get("spans", []):
                        self._spans.append((resource, scope, span))

    @property
    def services(self) -> list[str]:
        with self._state:
            return sorted({_service(r) for r, _, _ in self._spans})

    def trace_ids(self) -> list[str]:
        with self._state:
            return sorted({s["traceId"] for _, _, s in self._spans})

    def overload_response(self, status: int) -> tuple[bytes, list[tuple[str, str]]]:
        msg = {
            "error": {
                "httpCode": status,
                "message": "rpc error: code = Unavailable desc = storage unavailable",
            }
        }
        return self._go_error(status, msg).body, self._go_error(status, msg).headers

    # --- responses --------------------------------------------------------------------------------
    @staticmethod
    def _ok(body: Any, pretty: bool = False) -> Response:
        text = json.dumps(body, indent=1 if pretty else None, separators=None if pretty else (",", ":"))
        return Response(200, text.encode(), [("Content-Type", "application/json")])

    @staticmethod
    def _go_error(status: int, body: Any) -> Response:
        """Go's http.Error: text/plain, nosniff, JSON body plus a newline (research §2.2)."""
        data = json.dumps(body, separators=(",", ":")).encode() + b"\n"
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")]
        return Response(status, data, headers)

    @staticmethod
    def _not_found() -> Response:
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")]
        return Response(404, GO_404, headers)

    def _v1_error(self, status: int, msg: str) -> Response:
        body = {"data": None, "total": 0, "limit": 0, "offset": 0, "errors": [{"code": status, "msg": msg}]}
        return self._go_error(status, body)

    def _v1_ok(self, data: Any, total: int, request: Request, errors: list[Any] | None = None) -> Response:
        body = {"data": data, "total": total, "limit": 0, "offset": 0, "errors": errors or None}
        pretty = request.param("prettyPrint") not in (None, "", "false")
        return self._ok(body, pretty)

    # --- dispatch ---------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path
        if not path.startswith("/api/"):
            return Response(200, INDEX_HTML, [("Content-Type", "text/html; charset=utf-8")])
        if request.method != "GET":
            return self._not_found()
        if path.startswith("/api/v3/"):
            return self._v3(request) if self.version != "v1" else self._not_found()
        return self._v1(request)

    # --- api_v3 -----------------------------------------------------------------------------------
    def _v3(self, request: Request) -> Response:
        path = request.path
        if path == "/api/v3/services":
            services = self.services
            return self._ok({"services": services} if services else {})  # jsonpb omits empty lists
        if path == "/api/v3/operations":
            service = request.param("service") or ""
            kind = request.param("span_kind") or request.param("spanKind") or ""
            ops = self._operations(service, kind)
            body = {"operations": [{"name": n, "spanKind": k or "internal"} for n, k in ops]}
            return self._ok(body if ops else {})
        if path == "/api/v3/traces":
            return self._v3_find(request)
        if path == "/api/v3/trace-summaries":  # v2.19+ (jaeger#8604); both fake v3 versions are newer
            return self._v3_find(request, summaries=True)
        if path.startswith("/api/v3/traces/"):
            trace_id = path.rsplit("/", 1)[1]
            norm = self._parse_trace_id(trace_id)
            if norm is None:
                return self._v3_error(400, f"malformed parameter trace_id: {self._bad_id_reason(trace_id)}")
            spans = self._trace_spans(norm)
            if spans and (self.stream_chunks > 1 or self.stream_error):
                return self._v3_stream(norm)
            return self._v3_traces([norm] if spans else [])
        return self._not_found()

    def _v3_stream(self, trace_id: str) -> Response:
        """Newline-delimited `{"result": TracesData}` chunks (grpc-gateway server streaming)."""
        spans = self._trace_spans(trace_id)
        size = max(1, -(-len(spans) // self.stream_chunks))
        lines = []
        for i in range(0, len(spans), size):
            part = spans[i : i + size]
            rs = [{"resource": r, "scopeSpans": [{"scope": sc, "spans": [sp]}]} for r, sc, sp in part]
            lines.append(json.dumps({"result": {"resourceSpans": rs}}, separators=(",", ":")))
        if self.stream_error:
            lines.append(json.dumps({"error": {"httpCode": 500, "message": self.stream_error}}))
        return Response(200, ("\n".join(lines) + "\n").encode(), [("Content-Type", "application/json")])

    def _v3_error(self, status: int, message: str) -> Response:
        return self._go_error(status, {"error": {"httpCode": status, "message": message}})

    def _param(self, request: Request, camel: str, snake: str) -> str | None:
        value = request.param(camel)
        return value if value not in (None, "") else request.param(snake)

    def _v3_find(self, request: Request, summaries: bool = False) -> Response:
        snake = self.version == "v2.20"
        names = {
            "min": ("query.startTimeMin", "query.start_time_min"),
            "max": ("query.startTimeMax", "query.start_time_max"),
        }
        tmin = self._param(request, *names["min"])
        tmax = self._param(request, *names["max"])
        if not tmin or not tmax:
            a, b = (names["min"][1], names["max"][1]) if snake else (names["min"][0], names["max"][0])
            return self._v3_error(400, f"{a} and {b} are required")
        bounds = []
        for (camel, sn), value in ((names["min"], tmin), (names["max"], tmax)):
            nanos = _rfc3339_nanos(value)
            if nanos is None:
                shown = sn if snake else camel
                return self._v3_error(
                    400,
                    f'malformed parameter {shown}: parsing time "{value}" as "2006-01-02T15:04:05Z07:00": cannot parse "{value}" as "2006"',
                )
            bounds.append(nanos)
        durations: list[int | None] = []
        for camel, sn in (
            ("query.durationMin", "query.duration_min"),
            ("query.durationMax", "query.duration_max"),
        ):
            raw = self._param(request, camel, sn)
            if raw:
                parsed = _go_duration_nanos(raw)
                if parsed is None:
                    return self._v3_error(
                        400, f'malformed parameter {sn if snake else camel}: time: invalid duration "{raw}"'
                    )
                durations.append(parsed)
            else:
                durations.append(None)
        depth_raw = self._param(request, "query.searchDepth", "query.search_depth") or request.param(
            "query.num_traces"
        )
        depth = int(depth_raw) if depth_raw and depth_raw.isdigit() else 100
        ids = self._find(
            service=self._param(request, "query.serviceName", "query.service_name") or "",
            operation=self._param(request, "query.operationName", "query.operation_name") or "",
            start_min=bounds[0],
            start_max=bounds[1],
            dur_min=durations[0],
            dur_max=durations[1],
            attributes=json.loads(request.param("query.attributes") or "{}"),
            limit=depth,
        )
        return self._v3_summaries(ids) if summaries else self._v3_traces(ids)

    def _v3_summaries(self, ids: list[str]) -> Response:
        """`{"summaries": [...]}` as the FindTraceSummaries snapshot shapes it."""
        out = []
        for trace_id in ids:
            spans = self._trace_spans(trace_id)
            ids_in = {s["spanId"] for _, _, s in spans}
            root = next((t for t in spans if t[2].get("parentSpanId", "") not in ids_in), spans[0])
            per: dict[str, list[int]] = {}
            for resource, _, span in spans:
                counts = per.setdefault(_service(resource), [0, 0])
                counts[0] += 1
                counts[1] += int(int((span.get("status") or {}).get("code", 0)) == 2)
            out.append(
                {
                    "traceId": trace_id,
                    "rootServiceName": _service(root[0]),
                    "rootOperationName": root[2].get("name", ""),
                    "minStartTimeUnixNano": str(min(int(s["startTimeUnixNano"]) for _, _, s in spans)),
                    "maxEndTimeUnixNano": str(max(int(s["endTimeUnixNano"]) for _, _, s in spans)),
                    "spanCount": len(spans),
                    "errorSpanCount": sum(c[1] for c in per.values()),
                    "services": [
                        {"name": n, "spanCount": c[0], "errorSpanCount": c[1]} for n, c in sorted(per.items())
                    ],
                }
            )
        return self._ok({"summaries": out}) if out else self._v3_error(404, "No traces found")

    def _v3_traces(self, ids: list[str]) -> Response:
        if not ids:
            return self._v3_error(404, "No traces found")
        resource_spans = []
        with self._state:
            for trace_id in ids:
                groups: dict[tuple[str, str], dict[str, Any]] = {}
                for resource, scope, span in self._spans:
                    if span["traceId"] != trace_id:
                        continue
                    key = (json.dumps(resource, sort_keys=True), json.dumps(scope, sort_keys=True))
                    if key not in groups:
                        groups[key] = {"resource": resource, "scopeSpans": [{"scope": scope, "spans": []}]}
                        resource_spans.append(groups[key])
                    groups[key]["scopeSpans"][0]["spans"].append(span)
        return self._ok({"result": {"resourceSpans": resource_spans}})

    # --- v1 ---------------------------------------------------------------------------------------
    def _v1(self, request: Request) -> Response:
        path = request.path
        legacy = self.version in ("v1", "v2.20")
        if path.startswith("/api/traces/"):
            trace_id = path.rsplit("/", 1)[1]
            norm = self._parse_trace_id(trace_id)
            if norm is None:
                return self._v1_error(400, self._bad_id_reason(trace_id))
            if not self._trace_spans(norm):
                return self._v1_error(404, "trace not found")
            return self._v1_ok([self._v1_trace(norm)], 0, request)
        if path == "/api/dependencies":
            return self._v1_ok(self.dependencies, 0, request)
        if not legacy:
            return self._not_found()  # removed on main by #9260
        if path == "/api/services":
            services = self.services
            return self._v1_ok(services, len(services), request)
        match = re.fullmatch(r"/api/services/([^/]+)/operations", path)
        if match:
            names = sorted({n for n, _ in self._operations(match.group(1), "")})
            return self._v1_ok(names, len(names), request)
        if path == "/api/operations":
            service = request.param("service") or ""
            if not service:
                return self._v1_error(400, "parameter 'service' is required")
            ops = self._operations(service, request.param("spanKind") or "")
            return self._v1_ok([{"name": n, "spanKind": k} for n, k in ops], len(ops), request)
        if path == "/api/traces":
            return self._v1_search(request)
        return self._not_found()

    def _v1_search(self, request: Request) -> Response:
        wanted = request.query.get("traceID") or []
        if wanted:
            data, errors = [], []
            for trace_id in wanted:
                norm = self._parse_trace_id(trace_id)
                if norm is not None and self._trace_spans(norm):
                    data.append(self._v1_trace(norm))
                else:
                    errors.append({"msg": "trace not found", "traceID": trace_id})
            return self._v1_ok(data, 0, request, errors)
        service = request.param("service") or ""
        if not service:
            return self._v1_error(400, "parameter 'service' is required")
        dmin = (
            _go_duration_nanos(request.param("minDuration") or "") if request.param("minDuration") else None
        )
        dmax = (
            _go_duration_nanos(request.param("maxDuration") or "") if request.param("maxDuration") else None
        )
        if dmin is not None and dmax is not None and dmax < dmin:
            return self._v1_error(400, "'maxDuration' should be greater than 'minDuration'")
        start = request.param("start")
        end = request.param("end")
        tags: dict[str, Any] = json.loads(request.param("tags") or "{}")
        for item in request.query.get("tag", []):
            key, _, value = item.partition(":")
            tags[key] = value
        ids = self._find(
            service=service,
            operation=request.param("operation") or "",
            start_min=int(start) * 1000 if start else None,
            start_max=int(end) * 1000 if end else None,
            dur_min=dmin,
            dur_max=dmax,
            attributes=tags,
            limit=int(request.param("limit") or 100),
        )
        return self._v1_ok([self._v1_trace(i) for i in ids], 0, request)

    def _v1_trace(self, trace_id: str) -> dict[str, Any]:
        processes: dict[str, dict[str, Any]] = {}
        keys: dict[str, str] = {}
        spans = []
        for resource, _scope, span in self._trace_spans(trace_id):
            tags = [self._tag(a) for a in resource.get("attributes", []) if a.get("key") != "service.name"]
            proc = {"serviceName": _service(resource), "tags": tags}
            proc_key = json.dumps(proc, sort_keys=True)
            if proc_key not in keys:
                keys[proc_key] = f"p{len(keys) + 1}"
                processes[keys[proc_key]] = proc
            start = int(span["startTimeUnixNano"])
            end = int(span["endTimeUnixNano"])
            span_tags = [self._tag(a) for a in span.get("attributes", [])]
            kind = _KIND.get(int(span.get("kind", 0)), "unspecified")
            if kind not in ("unspecified", "internal"):
                span_tags.append({"key": "span.kind", "type": "string", "value": kind})
            status = span.get("status") or {}
            if int(status.get("code", 0)) == 2:
                span_tags.append({"key": "otel.status_code", "type": "string", "value": "ERROR"})
                span_tags.append({"key": "error", "type": "bool", "value": True})
                if status.get("message"):
                    span_tags.append(
                        {"key": "otel.status_description", "type": "string", "value": status["message"]}
                    )
            refs = []
            if span.get("parentSpanId"):
                refs.append(
                    {"refType": "CHILD_OF", "traceID": _v1_trace_id(trace_id), "spanID": span["parentSpanId"]}
                )
            logs = [
                {
                    "timestamp": int(e["timeUnixNano"]) // 1000,
                    "fields": [{"key": "event", "type": "string", "value": e.get("name", "")}]
                    + [self._tag(a) for a in e.get("attributes", [])],
                }
                for e in span.get("events", [])
            ]
            spans.append(
                {
                    "traceID": _v1_trace_id(trace_id),
                    "spanID": span["spanId"],
                    "flags": int(span.get("flags", 0)) & 0xFF,
                    "operationName": span.get("name", ""),
                    "references": refs,
                    "startTime": start // 1000,
                    "duration": (end - start) // 1000,
                    "tags": span_tags,
                    "logs": logs,
                    "processID": keys[proc_key],
                    "warnings": None,
                }
            )
        return {"traceID": _v1_trace_id(trace_id), "spans": spans, "processes": processes, "warnings": None}

    @staticmethod
    def _tag(attr: Mapping[str, Any]) -> dict[str, Any]:
        kind, value = _attr_value(attr.get("value", {}))
        return {"key": attr["key"], "type": kind, "value": value}

    # --- queries over the spans -------------------------------------------------------------------
    def _trace_spans(self, trace_id: str) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
        with self._state:
            return [t for t in self._spans if t[2]["traceId"] == trace_id]

    @staticmethod
    def _parse_trace_id(text: str) -> str | None:
        if not text or len(text) > 32 or not re.fullmatch(r"[0-9a-fA-F]+", text):
            return None
        return text.lower().rjust(32, "0")

    @staticmethod
    def _bad_id_reason(text: str) -> str:
        if len(text) > 32:
            return f"TraceID cannot be longer than 32 hex characters: {text}"
        return f'strconv.ParseUint: parsing "{text}": invalid syntax'

    def _operations(self, service: str, kind: str) -> list[tuple[str, str]]:
        with self._state:
            found = {
                (s.get("name", ""), _KIND.get(int(s.get("kind", 0)), ""))
                for r, _, s in self._spans
                if _service(r) == service
            }
        if kind:
            found = {(n, k) for n, k in found if k == kind}
        return sorted((n, "" if k == "unspecified" else k) for n, k in found)

    def _find(
        self,
        *,
        service: str,
        operation: str,
        start_min: int | None,
        start_max: int | None,
        dur_min: int | None,
        dur_max: int | None,
        attributes: Mapping[str, Any],
        limit: int,
    ) -> list[str]:
        """Trace ids with a span that matches every condition (Jaeger matches per span), newest first."""
        hits: dict[str, int] = {}
        with self._state:
            spans = list(self._spans)
        for resource, _scope, span in spans:
            if service and _service(resource) != service:
                continue
            if operation and span.get("name") != operation:
                continue
            start = int(span["startTimeUnixNano"])
            duration = int(span["endTimeUnixNano"]) - start
            if (start_min is not None and start < start_min) or (start_max is not None and start > start_max):
                continue
            if (dur_min is not None and duration < dur_min) or (dur_max is not None and duration > dur_max):
                continue
            if attributes:
                values = {
                    a["key"]: str(_attr_value(a["value"])[1]).lower() for a in span.get("attributes", [])
                }
                values.update(
                    {
                        a["key"]: str(_attr_value(a["value"])[1]).lower()
                        for a in resource.get("attributes", [])
                    }
                )
                if int((span.get("status") or {}).get("code", 0)) == 2:
                    values["error"] = "true"
                if any(values.get(k) != str(v).lower() for k, v in attributes.items()):
                    continue
            hits[span["traceId"]] = max(hits.get(span["traceId"], 0), start)
        return sorted(hits, key=lambda t: hits[t], reverse=True)[:limit]


def _rfc3339_nanos(text: str) -> int | None:
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})", text)
    if not match:
        return None
    base, frac, tz = match.groups()
    parsed = datetime.fromisoformat(base + ("+00:00" if tz == "Z" else tz))
    return int(parsed.timestamp()) * 1_000_000_000 + int(((frac or "") + "000000000")[:9])


def _go_duration_nanos(text: str) -> int | None:
    """A single-unit Go duration ("10ms", "1.5s"); enough for the params clients send."""
    match = _DURATION.match(text.strip())
    if not match:
        return None
    scale = {
        "ns": 1,
        "us": 1_000,
        "µs": 1_000,
        "ms": 1_000_000,
        "s": 10**9,
        "m": 60 * 10**9,
        "h": 3600 * 10**9,
    }
    return int(float(match.group(1)) * scale[match.group(2)])
