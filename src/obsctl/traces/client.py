"""Jaeger's query APIs behind one client: api_v3 (OTLP JSON) first, the v1 UI JSON API as fallback.

Which API a server speaks is learnt from its answers, not guessed from a version: a missing route
is Go's plain-text `404 page not found`, while a missing trace is a JSON 404. What was learnt is
kept per context and URL in a small cache file, so the next command asks the right API first.
Jaeger after v2.20 removed the v1 search, services and operations endpoints (jaeger#9260), and
its api_v3 answers a search with no match by 404 "No traces found"; both are handled here.

Health's Jaeger check uses `JaegerClient.list_services` too (the allowed health -> traces.client).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from obsctl.core.errors import BackendError, UsageError
from obsctl.traces.load import iter_json_documents, traces_from_documents
from obsctl.traces.model import Trace, short_trace_id, traces_from_jaeger
from obsctl.traces.summary import TraceSummary

CACHE_TTL = 24 * 3600.0


class HttpResponse(Protocol):
    status_code: int

    @property
    def text(self) -> str: ...


class HttpClient(Protocol):
    """What the Jaeger client needs from core.http.ApiClient (a test can pass anything like it)."""

    @property
    def base_url(self) -> str: ...

    def request(
        self, method: str, path: str, *, params: Any = None, timeout: float | None = None, check: bool = True
    ) -> Any: ...

    def raise_for_status(self, response: Any) -> None: ...


@dataclass(frozen=True)
class SearchQuery:
    service: str
    start: datetime
    end: datetime
    operation: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    min_duration: int | None = None  # ns
    max_duration: int | None = None  # ns
    limit: int = 20


@dataclass(frozen=True, order=True)
class Operation:
    name: str
    span_kind: str = ""


@dataclass(frozen=True)
class Dependency:
    parent: str
    child: str
    call_count: int


class TraceSource(Protocol):
    """The Jaeger operations the commands use; JaegerClient implements it, tests may fake it."""

    def get_trace(self, trace_id: str) -> Trace: ...

    def search(self, query: SearchQuery) -> list[TraceSummary]: ...

    def services(self) -> list[str]: ...

    def operations(self, service: str, span_kind: str | None = None) -> list[Operation]: ...

    def dependencies(self, end: datetime, lookback_ms: int) -> list[Dependency]: ...


class CapabilityCache:
    """A JSON file of what each Jaeger (context + URL) was found to speak; losing it is harmless."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @staticmethod
    def default_path(env: Mapping[str, str]) -> Path:
        base = env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".cache")
        return Path(base) / "obsctl" / "jaeger-api.json"

    def _read(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> dict[str, Any]:
        entry = self._read().get(key)
        if not isinstance(entry, dict) or time.time() - float(entry.get("checked", 0)) > CACHE_TTL:
            return {}
        return entry

    def put(self, key: str, entry: Mapping[str, Any]) -> None:
        if self.path is None:
            return
        data = self._read()
        data[key] = {**entry, "checked": time.time()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass


def _no_route(resp: Any) -> bool:
    """True when the path does not exist on this server (Go mux 404 or the UI's HTML fallback)."""
    if resp.status_code == 404:
        return not resp.text.lstrip().startswith("{")
    return resp.status_code == 200 and resp.text.lstrip().startswith("<")


def _go_duration(ns: int) -> str:
    return f"{ns // 1000}us" if ns % 1000 == 0 else f"{ns}ns"


class JaegerClient:
    """TraceSource over a core.http client; `api` forces "v3" or "v1" (context option `api`)."""

    def __init__(
        self,
        http: HttpClient,
        *,
        cache: CapabilityCache | None = None,
        cache_key: str = "",
        api: str = "auto",
        timeout: float | None = None,
    ) -> None:
        if api not in ("auto", "v3", "v1"):
            raise UsageError(
                f"jaeger api {api!r} is not one of auto, v3, v1", hint="fix the context's jaeger.api"
            )
        self.http = http
        self.cache = cache or CapabilityCache(None)
        self.key = f"{cache_key}|{http.base_url}"
        self.timeout = timeout
        self.caps: dict[str, Any] = {"api": api} if api != "auto" else self.cache.get(self.key)

    # --- capability --------------------------------------------------------------------------
    def _learn(self, **found: Any) -> None:
        if all(self.caps.get(k) == v for k, v in found.items()):
            return
        self.caps.update(found)
        self.cache.put(self.key, self.caps)

    def _order(self) -> list[str]:
        return ["v1", "v3"] if self.caps.get("api") == "v1" else ["v3", "v1"]

    def _get(self, path: str, params: Any = None) -> Any:
        return self.http.request("GET", path, params=params, timeout=self.timeout, check=False)

    def _fail(self, resp: Any) -> None:
        self.http.raise_for_status(resp)
        raise BackendError(f"jaeger at {self.http.base_url} answered {resp.status_code} with a non-JSON body")

    def _not_jaeger(self, paths: str) -> BackendError:
        return BackendError(
            f"jaeger at {self.http.base_url} serves neither {paths}"
            if " nor " in paths
            else f"jaeger at {self.http.base_url} does not serve {paths}",
            hint="check the URL points at the Jaeger query service (port 16686), with its base path if it has one",
        )

    def _json(self, resp: Any) -> Any:
        if resp.status_code >= 400:
            self._fail(resp)
        try:
            return json.loads(resp.text)
        except ValueError:
            self._fail(resp)

    # --- services ------------------------------------------------------------------------------
    def list_services(self) -> tuple[list[str], str]:
        """(service names, "api_v3" or "v1"): v3 first unless this server is known to be v1-only."""
        for api in self._order():
            path = "/api/v3/services" if api == "v3" else "/api/services"
            resp = self._get(path)
            if resp.status_code == 404 or _no_route(resp):  # a listing is never "not found"
                continue
            body = self._json(resp) or {}
            self._learn(api=api)
            names = body.get("services") if api == "v3" else body.get("data")
            return [str(s) for s in names or []], "api_v3" if api == "v3" else "v1"
        raise self._not_jaeger("/api/v3/services nor /api/services")

    def services(self) -> list[str]:
        return sorted(self.list_services()[0])

    def operations(self, service: str, span_kind: str | None = None) -> list[Operation]:
        for api in self._order():
            if api == "v3":
                params = {"service": service, **({"span_kind": span_kind} if span_kind else {})}
                resp = self._get("/api/v3/operations", params)
                if resp.status_code == 404 or _no_route(resp):
                    continue
                self._learn(api="v3")
                ops = (self._json(resp) or {}).get("operations") or []
                return sorted(Operation(o.get("name", ""), o.get("spanKind", "")) for o in ops)
            params = {"service": service, **({"spanKind": span_kind} if span_kind else {})}
            resp = self._get("/api/operations", params)
            if resp.status_code == 404 or _no_route(resp):
                resp = self._get(f"/api/services/{service}/operations")
                if resp.status_code == 404 or _no_route(resp):
                    continue
                return sorted(Operation(str(n)) for n in (self._json(resp) or {}).get("data") or [])
            self._learn(api="v1")
            data = (self._json(resp) or {}).get("data") or []
            return sorted(Operation(o.get("name", ""), o.get("spanKind", "")) for o in data)
        raise self._not_jaeger("/api/v3/operations nor /api/operations")

    # --- traces ---------------------------------------------------------------------------------
    def get_trace(self, trace_id: str) -> Trace:
        """One trace by its 32-hex id; BackendError (exit 3) naming the id when it is not found."""
        for api in self._order():
            if api == "v3":
                resp = self._get(f"/api/v3/traces/{trace_id}")
            else:
                resp = self._get(f"/api/traces/{short_trace_id(trace_id)}")
            if _no_route(resp):
                continue
            self._learn(api=api)
            if resp.status_code == 404:
                raise BackendError(
                    f"trace {trace_id} not found in jaeger at {self.http.base_url}",
                    hint="check the id; the trace may have expired from storage or not been flushed yet",
                    status=404,
                )
            if resp.status_code >= 400:
                self._fail(resp)
            traces = [t for t in self._documents(resp) if t.trace_id == trace_id] or self._documents(resp)
            if not traces:
                raise BackendError(
                    f"trace {trace_id}: jaeger at {self.http.base_url} returned no spans", status=404
                )
            return traces[0]
        raise self._not_jaeger("/api/v3/traces/{id} nor /api/traces/{id}")

    def _documents(self, resp: Any) -> list[Trace]:
        """Traces of a body: one document or the streamed `{"result":...}` chunks of api_v3."""
        docs = []
        try:
            for doc in iter_json_documents(resp.text):
                if isinstance(doc, Mapping) and isinstance(doc.get("error"), Mapping):
                    err = doc["error"]
                    raise BackendError(
                        f"jaeger at {self.http.base_url} failed mid-answer: {err.get('message') or err}",
                        status=int(err.get("httpCode") or 500),
                    )
                docs.append(doc)
        except ValueError:
            self._fail(resp)
        return traces_from_documents(docs)

    def search(self, query: SearchQuery) -> list[TraceSummary]:
        """Summaries of the matching traces, newest first: api_v3's trace-summaries on v2.19+,
        else whole traces from api_v3 or the v1 search (while it exists), summarised here."""
        for api in self._order():
            found = self._search_v3(query) if api == "v3" else self._search_v1(query)
            if found is None:
                continue
            summaries = [t if isinstance(t, TraceSummary) else TraceSummary.of(t) for t in found]
            summaries.sort(key=lambda t: t.start, reverse=True)
            return summaries[: query.limit]
        raise self._not_jaeger("/api/v3/traces nor /api/traces")

    def _v3_attributes(self) -> bool:
        """Does api_v3 search take query.attributes (v2.19+)? Its trace-summaries route says so."""
        if "attributes" not in self.caps:
            resp = self._get("/api/v3/trace-summaries")
            self._learn(attributes=resp.status_code == 400)
        return bool(self.caps["attributes"])

    def _search_v3(self, q: SearchQuery) -> list[Trace] | list[TraceSummary] | None:
        from obsctl.core.timeparse import to_rfc3339

        tags = dict(q.tags)
        filter_here = False
        if tags and not self._v3_attributes():
            if self.caps.get("v1_search") is not False:
                found = self._search_v1(q)
                if found is not None:
                    return found
            filter_here = True  # an old api_v3 would ignore query.attributes: filter the answer
        params: dict[str, str] = {
            "query.service_name": q.service,
            "query.start_time_min": to_rfc3339(q.start),
            "query.start_time_max": to_rfc3339(q.end),
            "query.num_traces": str(q.limit if not filter_here else max(q.limit, 100)),
        }
        if q.operation:
            params["query.operation_name"] = q.operation
        if q.min_duration:
            params["query.duration_min"] = _go_duration(q.min_duration)
        if q.max_duration:
            params["query.duration_max"] = _go_duration(q.max_duration)
        if tags and not filter_here:
            params["query.attributes"] = json.dumps(tags, separators=(",", ":"))
        if not filter_here and self._v3_attributes():  # v2.19+: summaries, no spans sent
            resp = self._get("/api/v3/trace-summaries", params)
            if resp.status_code == 404 and not _no_route(resp):
                return []
            if not _no_route(resp):
                body = self._json(resp) or {}
                return [TraceSummary.from_v3(item) for item in body.get("summaries") or ()]
        resp = self._get("/api/v3/traces", params)
        if _no_route(resp):
            return None
        self._learn(api="v3")
        if resp.status_code == 404:
            return []  # "No traces found" (v1 answered 200 with an empty list)
        if resp.status_code >= 400:
            self._fail(resp)
        traces = self._documents(resp)
        return [t for t in traces if _has_tags(t, q)] if filter_here else traces

    def _search_v1(self, q: SearchQuery) -> list[Trace] | None:
        params: list[tuple[str, str]] = [
            ("service", q.service),
            ("start", str(int(q.start.timestamp() * 1_000_000))),
            ("end", str(int(q.end.timestamp() * 1_000_000))),
            ("limit", str(q.limit)),
        ]
        if q.operation:
            params.append(("operation", q.operation))
        params += [("tag", f"{k}:{v}") for k, v in q.tags.items()]
        if q.min_duration:
            params.append(("minDuration", _go_duration(q.min_duration)))
        if q.max_duration:
            params.append(("maxDuration", _go_duration(q.max_duration)))
        resp = self._get("/api/traces", params)
        if _no_route(resp):
            self._learn(v1_search=False)
            return None
        self._learn(v1_search=True)
        return traces_from_jaeger(self._json(resp) or {})

    def dependencies(self, end: datetime, lookback_ms: int) -> list[Dependency]:
        params = {"endTs": str(int(end.timestamp() * 1000)), "lookback": str(lookback_ms)}
        resp = self._get("/api/dependencies", params)
        if _no_route(resp):
            raise self._not_jaeger("/api/dependencies")
        data = (self._json(resp) or {}).get("data") or []
        return [
            Dependency(str(d.get("parent")), str(d.get("child")), int(d.get("callCount") or 0)) for d in data
        ]


def _has_tags(trace: Trace, q: SearchQuery) -> bool:
    """Client-side tag filter, as Jaeger matches: one span of the service (and operation) must
    carry every tag."""
    tags = q.tags
    for s in trace.spans:
        if s.service != q.service or (q.operation and s.operation != q.operation):
            continue
        values = {k: str(v).lower() for k, v in {**s.resource, **s.attributes}.items()}
        if s.error:
            values["error"] = "true"
        if all(values.get(k) == str(v).lower() for k, v in tags.items()):
            return True
    return False


def open_client(actx: Any) -> JaegerClient:
    """The JaegerClient for this invocation's context, with the per-user capability cache."""
    http = actx.client("jaeger")
    settings = actx.backend_settings("jaeger")
    api = str((settings.options.get("api") if settings else None) or "auto")
    cache = CapabilityCache(CapabilityCache.default_path(actx.env))
    return JaegerClient(http, cache=cache, cache_key=str(actx.settings.context or ""), api=api)
