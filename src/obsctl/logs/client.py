"""Elasticsearch / OpenSearch over REST through core/http.py (one transport, auth, TLS, retries).

The official `elasticsearch` client stays off this path: its 9.x release refuses ES 8 servers and
OpenSearch. Only `GET /`, `_field_caps`, `_search` (sort + search_after, optional PIT), PIT
open/close, `_count` and aggregations are used. The flavour and version from `GET /` pick the PIT
API and the compatibility headers.

Also the public helpers `health` uses (`cluster_health`, `newest_document`) and `find_trace_logs`
for `traces get ID --logs` (defined in obsctl.logs.search, re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from obsctl.core.errors import BackendError, UsageError
from obsctl.core.timeparse import parse_timestamp

__all__ = [
    "EsApi",
    "EsClient",
    "Flavor",
    "cluster_health",
    "find_trace_logs",
    "newest_document",
    "parse_timestamp",
]


class ResultWindowError(UsageError):
    """The page asked for more than the index's `index.max_result_window` (default 10,000)."""

    def __init__(self, limit: int, reason: str) -> None:
        super().__init__(f"elasticsearch rejected the page size: {reason}")
        self.limit = limit


class EsApi(Protocol):
    """The part of core.http.ApiClient the ES client needs (tests may pass any such object)."""

    @property
    def base_url(self) -> str: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        check: bool = True,
        idempotent: bool | None = None,
    ) -> Any: ...

    def raise_for_status(self, response: Any) -> None: ...

    def decode_json(self, response: Any) -> Any: ...


@dataclass(frozen=True)
class Flavor:
    """What `GET /` said: distribution (elasticsearch | opensearch) and version."""

    distribution: str
    version: tuple[int, ...]
    build_flavor: str | None = None

    @property
    def opensearch(self) -> bool:
        return self.distribution == "opensearch"

    @property
    def major(self) -> int:
        return self.version[0] if self.version else 0

    @property
    def has_pit(self) -> bool:
        """ES >= 7.10 (`_pit`) and OpenSearch >= 2.4 (`_search/point_in_time`)."""
        if self.opensearch:
            return self.version >= (2, 4)
        return self.version >= (7, 10)

    @property
    def has_shard_doc(self) -> bool:
        """ES >= 7.12 adds the implicit `_shard_doc` tiebreaker to PIT searches; OpenSearch does not."""
        return not self.opensearch and self.version >= (7, 12)

    def headers(self) -> dict[str, str]:
        """ES 8/9: the compatibility media type of the server's own major on both headers (a 9.x
        server accepts 8 and 9; an 8.x server rejects 9). ES 7 and OpenSearch: plain JSON."""
        if self.opensearch or self.major < 8:
            return {"Accept": "application/json", "Content-Type": "application/json"}
        media = f"application/vnd.elasticsearch+json; compatible-with={self.major}"
        return {"Accept": media, "Content-Type": media}

    def describe(self) -> str:
        name = "OpenSearch" if self.opensearch else "Elasticsearch"
        return f"{name} {'.'.join(map(str, self.version))}"


def parse_flavor(info: Any) -> Flavor:
    """Flavour from a `GET /` body; a server that is neither ES >= 7.10 nor OpenSearch is refused."""
    version = (info or {}).get("version") if isinstance(info, dict) else None
    if not isinstance(version, dict) or not version.get("number"):
        raise BackendError("the server's `GET /` has no version.number: is this Elasticsearch or OpenSearch?")
    numbers = []
    for part in str(version["number"]).split("-")[0].split("."):
        numbers.append(int(part) if part.isdigit() else 0)
    distribution = str(version.get("distribution") or "elasticsearch").lower()
    flavor = Flavor(distribution, tuple(numbers), version.get("build_flavor"))
    if not flavor.opensearch and flavor.version < (7, 10):
        raise BackendError(
            f"{flavor.describe()} is too old for obsctl logs",
            hint="obsctl needs Elasticsearch 7.10 or later (for point-in-time) or OpenSearch 1/2",
        )
    return flavor


def _loads(data: bytes) -> Any:
    import orjson

    return orjson.loads(data)


class EsClient:
    """One Elasticsearch/OpenSearch cluster. `warn` receives partial-result warnings."""

    def __init__(self, api: EsApi, *, warn: Callable[[str], None] | None = None) -> None:
        self.api = api
        self.warn = warn or (lambda _msg: None)
        self._flavor: Flavor | None = None

    @property
    def base_url(self) -> str:
        return self.api.base_url

    # --- plumbing ---------------------------------------------------------------------------
    def flavor(self) -> Flavor:
        if self._flavor is None:
            resp = self.api.request("GET", "/", check=True)
            self._flavor = parse_flavor(self._decode(resp))
        return self._flavor

    def _decode(self, resp: Any) -> Any:
        try:
            return _loads(resp.content)
        except ValueError:
            return self.api.decode_json(resp)  # raises the malformed-response error

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
        missing_ok: bool = False,
    ) -> Any:
        """One request with the flavour's headers; ES errors become ObsctlError kinds."""
        headers = self.flavor().headers()
        resp = self.api.request(
            method,
            path,
            params=params,
            json=body,
            headers=headers,
            timeout=timeout,
            check=False,
            idempotent=method in ("GET", "POST", "DELETE"),
        )
        status = resp.status_code
        if status >= 400:
            if missing_ok and status == 404:
                return None
            self._raise(resp)
        return self._decode(resp)

    def _raise(self, resp: Any) -> None:
        status = resp.status_code
        if status == 400:
            reason = _root_reason(resp)
            window = re.search(
                r"Result window is too large, from \+ size must be less than or equal to: \[(\d+)\]", reason
            )
            if window:
                raise ResultWindowError(int(window.group(1)), reason)
            raise UsageError(
                f"elasticsearch rejected the query: {reason}",
                hint="check QUERY (Lucene query_string syntax) and --field values",
            )
        try:
            self.api.raise_for_status(resp)
        except BackendError as exc:
            if status == 404 and "index_not_found" in (exc.body or ""):
                exc.hint = exc.hint or "check --index, or logs.index in the context (`obsctl logs fields`)"
            raise

    def check_partial(self, data: Mapping[str, Any]) -> None:
        shards = data.get("_shards") or {}
        failed = int(shards.get("failed") or 0)
        if failed:
            reasons = {
                str(((f.get("reason") or {}).get("reason")) or f.get("reason"))
                for f in shards.get("failures") or []
                if isinstance(f, dict)
            }
            detail = f": {'; '.join(sorted(reasons))[:200]}" if reasons else ""
            self.warn(f"partial results: {failed} of {shards.get('total', '?')} shards failed{detail}")
        if data.get("timed_out"):
            self.warn("partial results: the search timed out on the server")

    # --- API --------------------------------------------------------------------------------
    def search(
        self,
        index: str | None,
        body: Mapping[str, Any],
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """`_search`; with `body["pit"]` no index goes in the path (ES rejects both)."""
        path = "/_search" if index is None or "pit" in body else f"/{index}/_search"
        params = None if "pit" in body or index is None else _lenient(index)
        data = self.call("POST", path, body=dict(body), params=params, timeout=timeout)
        self.check_partial(data)
        return dict(data)

    def count(self, index: str, query: Mapping[str, Any] | None) -> int:
        body = {"query": query} if query else None
        params = _lenient(index)
        data = self.call("POST", f"/{index}/_count", body=body, params=params)
        self.check_partial(data)
        return int(data.get("count") or 0)

    def field_caps(self, index: str, fields: str = "*") -> dict[str, dict[str, Any]]:
        """field -> {type: caps}; an empty dict when no index matches yet."""
        params = {"fields": fields, "ignore_unavailable": "true", "allow_no_indices": "true"}
        data = self.call("POST", f"/{index}/_field_caps", params=params)
        return dict((data or {}).get("fields") or {})

    def open_pit(self, index: str, keep_alive: str = "2m") -> str:
        flavor = self.flavor()
        if not flavor.has_pit:
            raise BackendError(
                f"{flavor.describe()} has no point-in-time API", hint="use search without --all"
            )
        if flavor.opensearch:
            data = self.call("POST", f"/{index}/_search/point_in_time", params={"keep_alive": keep_alive})
            return str(data["pit_id"])
        data = self.call("POST", f"/{index}/_pit", params={"keep_alive": keep_alive})
        return str(data["id"])

    def close_pit(self, pit_id: str) -> None:
        """Best effort: a PIT that already expired is fine."""
        try:
            if self.flavor().opensearch:
                self.call("DELETE", "/_search/point_in_time", body={"pit_id": [pit_id]}, missing_ok=True)
            else:
                self.call("DELETE", "/_pit", body={"id": pit_id}, missing_ok=True)
        except BackendError:
            pass


def _lenient(index: str) -> dict[str, str] | None:
    """A pattern that matches nothing yet is an empty result (an index may appear later); a
    concrete index name that does not exist is an error (404 index_not_found_exception)."""
    if "*" in index or "?" in index:
        return {"ignore_unavailable": "true", "allow_no_indices": "true"}
    return None


def _root_reason(resp: Any) -> str:
    try:
        body = _loads(resp.content)
    except ValueError:
        return " ".join(resp.text.split())[:300]
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, str):
        return err[:300]
    if not isinstance(err, dict):
        return str(body)[:300]
    causes = err.get("root_cause") or []
    first = causes[0] if causes and isinstance(causes[0], dict) else err
    reason = str(first.get("reason") or err.get("reason") or err.get("type"))
    caused = (err.get("caused_by") or {}).get("reason") if isinstance(err.get("caused_by"), dict) else None
    failed = err.get("failed_shards") or []
    if failed and isinstance(failed[0], dict):
        inner = (failed[0].get("reason") or {}).get("caused_by") or {}
        caused = caused or inner.get("reason")
    return reason + (f" ({caused})" if caused and caused not in reason else "")


# --- what health uses -------------------------------------------------------------------------------


def cluster_health(api: EsApi, timeout: float | None = None) -> dict[str, Any]:
    """`GET /_cluster/health` (raises ObsctlError kinds)."""
    resp = api.request("GET", "/_cluster/health", timeout=timeout, check=False)
    api.raise_for_status(resp)
    return dict(api.decode_json(resp) or {})


def newest_document(api: EsApi, index: str, field: str, timeout: float | None = None) -> datetime | None:
    """Timestamp of the newest document in `index` by `field`, None when there is none."""
    body = {
        "size": 1,
        "track_total_hits": False,
        "sort": [{field: {"order": "desc", "unmapped_type": "date"}}],
        "_source": [field],
    }
    resp = api.request(
        "POST",
        f"/{index}/_search",
        params={"ignore_unavailable": "true", "allow_no_indices": "true"},
        json=body,
        timeout=timeout,
        check=False,
        idempotent=True,
    )
    api.raise_for_status(resp)
    hits = ((api.decode_json(resp) or {}).get("hits") or {}).get("hits") or []
    if not hits:
        raise LookupError(index)
    return _hit_time(hits[0], field)


def _hit_time(hit: Mapping[str, Any], field: str) -> datetime | None:
    from obsctl.logs.record import lookup

    value = lookup(hit.get("_source") or {}, field)
    if value is None:
        sort = hit.get("sort") or []
        value = sort[0] if sort else None
    return parse_timestamp(value)


def find_trace_logs(*args: Any, **kwargs: Any) -> Any:
    """See obsctl.logs.search.find_trace_logs (imported lazily: this module stays light)."""
    from obsctl.logs.search import find_trace_logs as impl

    return impl(*args, **kwargs)
