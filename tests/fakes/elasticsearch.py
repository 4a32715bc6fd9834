"""An in-process Elasticsearch / OpenSearch that answers like the real servers, for tests.

No package registry ships Elasticsearch, so obsctl's ES code (and the official `elasticsearch`
client, which the fidelity tests drive against this) talks to this fake over a real socket.
What it must do is listed in /work/shared/research/fake-servers.md §1; fixed bodies are the real
upstream ones copied to tests/fixtures/elasticsearch/ (provenance in PROVENANCE.tsv there).

Flavours (`flavor=`): "es7" (7.17), "es8" (8.12.1), "es9" (9.1.0), "opensearch" (2.13.0).

    with FakeElasticsearch(flavor="es8") as es:
        es.add_documents("logs-app", [{"@timestamp": "2024-03-12T20:00:41Z", "message": "hi"}])
        es.cluster_status = "red"
        es.throttle(429, retry_after="1")
        httpx.post(es.url + "/logs-app/_search", json={"size": 1})
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import functools
import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tests.fakes._server import FakeServer, Request, Response
from tests.fakes.es_query_string import highlight
from tests.fakes.es_streams import LogsClusterMixin

FIXTURES = Path(__file__).parents[1] / "fixtures" / "elasticsearch"
FLAVORS = ("es7", "es8", "es9", "opensearch")
ECS_LOG_FILES = (
    "ecs_nodejs_pino_logs.ndjson",
    "ecs_nodejs_winston_logs.ndjson",
    "ecs_nodejs_winston_http_request_log.json",
    "ecs_python_stdlib_log.json",
    "ecs_python_structlog_log_unicode.json",
    "otelcol_es_exporter_ecs_mode_log_doc.json",
    "otelcol_es_exporter_otel_mode_log_doc.json",
)
_COMPAT = re.compile(
    r"application/vnd\.elasticsearch\+(json|x-ndjson)\s*;\s*compatible-with\s*=\s*(\d+)", re.I
)
_JSON_TYPES = ("application/json", "application/x-ndjson", "application/vnd.elasticsearch+")
_TOKEN = re.compile(r"\w+", re.UNICODE)
# elasticsearch/ecs_logs are log documents, so they go to a logs-style index by default.
DEFAULT_LOGS_INDEX = "logs-fixtures-default"


def fixture_bytes(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


def fixture_json(relative: str) -> Any:
    return json.loads(fixture_bytes(relative))


def load_ecs_logs() -> list[dict[str, Any]]:
    """Every ECS / OTel-exporter log document from the fixtures, in file order."""
    docs: list[dict[str, Any]] = []
    for name in ECS_LOG_FILES:
        text = (FIXTURES / "ecs_logs" / name).read_text(encoding="utf-8")
        if name.endswith(".ndjson"):
            docs.extend(json.loads(line) for line in text.splitlines() if line.strip())
        else:
            docs.append(json.loads(text))
    return docs


# --- values in _source ------------------------------------------------------------------------------


def get_field(source: Mapping[str, Any], name: str) -> list[Any]:
    """Values of a field, whether the document spells it dotted ("log.level") or nested."""
    found: list[Any] = []

    def walk(node: Any, parts: list[str]) -> None:
        if not parts:
            if isinstance(node, list):
                found.extend(v for v in node if v is not None)
            elif node is not None:
                found.append(node)
            return
        if isinstance(node, list):
            for item in node:
                walk(item, parts)
            return
        if not isinstance(node, Mapping):
            return
        for i in range(1, len(parts) + 1):
            key = ".".join(parts[:i])
            if key in node:
                walk(node[key], parts[i:])

    walk(source, name.split("."))
    return found


def _leaf_fields(source: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in source.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield name, value
            yield from _leaf_fields(value, name + ".")
        else:
            yield name, value


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")


def parse_date_nanos(value: Any) -> int | None:
    """A date as epoch nanoseconds: ISO 8601 (any fraction) or epoch millis (number or string)."""
    if isinstance(value, (str, int, float)):
        return _cached_date_nanos(value)
    return _parse_date_nanos(value)


@functools.lru_cache(maxsize=1 << 18)
def _cached_date_nanos(value: Any) -> int | None:
    return _parse_date_nanos(value)


def _parse_date_nanos(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return round(value * 1_000_000)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        whole, _, frac = text.partition(".")
        return int(whole) * 1_000_000 + int((frac + "000000")[:6])
    if not _DATE.match(text):
        return None
    match = re.match(r"^(.*?)(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$", text)
    if not match:
        return None
    base, frac, tz = match.groups()
    try:
        parsed = datetime.fromisoformat(base)
    except ValueError:
        return None
    if tz and tz != "Z":
        parsed = datetime.fromisoformat(base + (tz if ":" in tz else tz[:3] + ":" + tz[3:]))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    seconds = int(parsed.timestamp())
    nanos = int(((frac or "") + "000000000")[:9])
    return seconds * 1_000_000_000 + nanos


def _dynamic_type(name: str, value: Any) -> str:
    """Elasticsearch's dynamic mapping (date detection on) plus the logs template's @timestamp."""
    if name == "@timestamp":
        return "date"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "float"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, str) and _DATE.match(value) and parse_date_nanos(value) is not None:
        return "date"
    return "text"


# --- data ---------------------------------------------------------------------------------------------


@dataclass
class Index:
    name: str
    uuid: str
    docs: list[dict[str, Any]] = field(default_factory=list)  # {"_id", "_source", "_seq"}: searchable
    mappings: dict[str, str] = field(default_factory=dict)  # field -> type (explicit wins)
    number: int = 0
    pending: list[tuple[float, dict[str, Any]]] = field(default_factory=list)  # (written at, doc)
    data_stream: str | None = None
    _types: dict[str, str] = field(default_factory=dict)
    _date_cache: dict[str, tuple[int, list[int], list[dict[str, Any]]]] = field(default_factory=dict)

    def date_index(self, name: str) -> tuple[list[int], list[dict[str, Any]]]:
        """Searchable documents with a value in date field `name`, sorted by it (cached per refresh);
        each document remembers its value in `_n` for sorting and aggregations."""
        cached = self._date_cache.get(name)
        if cached is not None and cached[0] == len(self.docs):
            return cached[1], cached[2]
        pairs = []
        for doc in self.docs:
            nanos = doc.setdefault("_n", {}).get(name)
            if nanos is None:
                values = [
                    n for n in (parse_date_nanos(v) for v in get_field(doc["_source"], name)) if n is not None
                ]
                nanos = doc["_n"][name] = min(values) if values else -1
            if nanos >= 0:
                pairs.append((nanos, doc["_seq"], doc))
        pairs.sort(key=lambda p: (p[0], p[1]))
        keys = [p[0] for p in pairs]
        docs = [p[2] for p in pairs]
        self._date_cache[name] = (len(self.docs), keys, docs)
        return keys, docs

    def field_types(self) -> dict[str, str]:
        """The mapping: dynamic types from every written document (mapped at index time, as ES
        does, even before a refresh makes the document searchable), explicit mappings win."""
        return self._types

    def learn(self, source: Mapping[str, Any]) -> None:
        types = self._types
        for name, value in _leaf_fields(source):
            if name in types:
                continue
            sample = value[0] if isinstance(value, list) and value else value
            kind = self.mappings.get(name) or _dynamic_type(name, sample)
            types[name] = kind
            if kind == "text" and name not in self.mappings:
                types.setdefault(f"{name}.keyword", "keyword")
        types.update(self.mappings)


class EsError(Exception):
    def __init__(self, status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or []


def error_body(status: int, kind: str, reason: str, **extra: Any) -> dict[str, Any]:
    """The real envelope: {"error":{"root_cause":[…],"type","reason",…},"status":N}."""
    cause = {"type": kind, "reason": reason, **extra}
    return {"error": {"root_cause": [dict(cause)], **cause}, "status": status}


def index_not_found(name: str) -> EsError:
    """404 exactly like errors/opensearch_404_index_not_found_exception.json (same in ES)."""
    extra = {"index": name, "resource.id": name, "resource.type": "index_or_alias", "index_uuid": "_na_"}
    body = error_body(404, "index_not_found_exception", f"no such index [{name}]", **extra)
    body["error"]["root_cause"][0] = {
        "type": "index_not_found_exception",
        "reason": f"no such index [{name}]",
        **extra,
    }
    return EsError(404, body)


def search_phase_failure(index: Index, kind: str, reason: str) -> EsError:
    """400 like errors/opensearch_400_search_phase_execution_exception.json: all shards failed."""
    shard_reason = {"type": kind, "reason": reason, "index_uuid": index.uuid, "index": index.name}
    body = {
        "error": {
            "root_cause": [dict(shard_reason)],
            "type": "search_phase_execution_exception",
            "reason": "all shards failed",
            "phase": "query",
            "grouped": True,
            "failed_shards": [
                {"shard": 0, "index": index.name, "node": NODE_ID, "reason": dict(shard_reason)}
            ],
        },
        "status": 400,
    }
    return EsError(400, body)


NODE_ID = "0tmy2tf7TKW8qCmya9sG2g"


@dataclass
class _Context:
    """An open PIT or scroll: a frozen view of the documents it was opened on."""

    docs: list[tuple[Index, dict[str, Any]]]
    indices: list[Index]
    body: dict[str, Any] = field(default_factory=dict)
    offset: int = 0


# --- the server ----------------------------------------------------------------------------------------


class FakeElasticsearch(LogsClusterMixin, FakeServer):
    """Fake ES/OpenSearch. Documents are in memory; state changes are thread-safe."""

    def __init__(
        self,
        flavor: str = "es8",
        *,
        documents: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
        ecs_logs: bool = False,
        auth: tuple[str, str] | None = None,
        api_key: str | None = None,
        bearer: str | None = None,
        product_header: bool | None = None,
        refresh_interval: float | None = None,
        ingest_timestamp: bool = False,
    ) -> None:
        super().__init__()
        self.refresh_interval = refresh_interval
        self.ingest_timestamp = ingest_timestamp
        self.data_streams: dict[str, list[str]] = {}
        self.data_stream_mappings: dict[str, str] = {"@timestamp": "date"}
        self.max_result_window = 10_000
        self._started = time.time()
        self._current_id = ""
        if flavor not in FLAVORS:
            raise ValueError(f"flavor must be one of {', '.join(FLAVORS)}, not {flavor!r}")
        self.flavor = flavor
        self.auth = auth
        self.api_key = api_key
        self.bearer = bearer
        # OpenSearch never sends X-Elastic-Product; a test may also strip it from an ES flavour.
        self.product_header = (flavor != "opensearch") if product_header is None else product_header
        self.cluster_status = "yellow"
        self.cluster_health_overrides: dict[str, Any] = {}
        self.indices: dict[str, Index] = {}
        self._state = threading.RLock()
        self._ids = itertools.count(1)
        self._contexts: dict[str, _Context] = {}
        self._context_seq = itertools.count(1)
        for name, docs in (documents or {}).items():
            self.add_documents(name, docs)
        if ecs_logs:
            self.add_documents(DEFAULT_LOGS_INDEX, load_ecs_logs())

    # --- test API -------------------------------------------------------------------------------
    @property
    def major(self) -> int:
        return {"es7": 7, "es8": 8, "es9": 9, "opensearch": 2}[self.flavor]

    def create_index(self, name: str, mappings: Mapping[str, str] | None = None) -> Index:
        """An index (empty unless documents are added); `mappings` maps field -> type."""
        with self._state:
            index = self.indices.get(name)
            if index is None:
                uuid = base64.urlsafe_b64encode(hashlib.sha1(name.encode()).digest()[:16]).decode()[:22]
                index = Index(name, uuid, number=len(self.indices))
                self.indices[name] = index
            index.mappings.update(mappings or {})
            index._types.update(index.mappings)
            return index

    def add_documents(
        self,
        index: str,
        docs: Iterable[Mapping[str, Any]],
        *,
        mappings: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Index documents (their `_source`); returns the generated ids.

        A data stream name writes to its current backing index. With `refresh_interval` set, a
        document becomes searchable at the next refresh tick; with `ingest_timestamp`, an ingest
        pipeline sets `event.ingested` to the write time (as Fleet/ECS pipelines do).
        """
        with self._state:
            if index in self.data_streams:
                index = self.data_streams[index][-1]
            target = self.create_index(index, mappings)
            ids = []
            now = time.time()
            for source in docs:
                doc_id = f"{next(self._ids):020d}"
                body = copy.deepcopy(dict(source))
                if self.ingest_timestamp:
                    stamp = datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="milliseconds")
                    body.setdefault("event", {})["ingested"] = stamp.replace("+00:00", "Z")
                target.learn(body)
                doc = {"_id": doc_id, "_source": body, "_seq": -1}
                if self.refresh_interval:
                    target.pending.append((now, doc))
                else:
                    doc["_seq"] = len(target.docs)
                    target.docs.append(doc)
                ids.append(doc_id)
            return ids

    def delete_index(self, name: str) -> None:
        with self._state:
            self.indices.pop(name, None)

    @property
    def open_contexts(self) -> int:
        """Open PITs and scrolls (a test can check that a client closed what it opened)."""
        with self._state:
            return len(self._contexts)

    def overload_response(self, status: int) -> tuple[bytes, list[tuple[str, str]]]:
        if status == 429:
            body = error_body(
                429,
                "es_rejected_execution_exception",
                "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, "
                "replica_bytes=0, all_bytes=0, coordinating_operation_bytes=1, max_coordinating_and_primary_bytes=0]",
            )
        else:
            body = error_body(
                status,
                "cluster_block_exception",
                "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];",
            )
        return self._json(status, body, None).body, self._headers(None)

    # --- dispatch ---------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        try:
            self._check_auth(request)
            self._check_media_types(request)
            with self._state:
                self._refresh_due()
            status, body = self._route(request)
        except EsError as exc:
            return self._json(exc.status, exc.body, request, extra=exc.headers)
        return self._json(status, body, request)

    def _route(self, request: Request) -> tuple[int, Any]:
        method, path = request.method, request.path.rstrip("/") or "/"
        parts = [p for p in path.split("/") if p]
        if path == "/" and method in ("GET", "HEAD"):
            return 200, self.root_info()
        if parts == ["_cluster", "health"] and method == "GET":
            return self._cluster_health(request)
        if parts[:2] == ["_cat", "indices"] and method == "GET":
            return 200, self._cat_indices(request, parts[2] if len(parts) > 2 else None)
        if parts == ["_search", "scroll"] or parts[:2] == ["_search", "scroll"]:
            if method in ("GET", "POST"):
                return 200, self._scroll(request, parts[2] if len(parts) > 2 else None)
            if method == "DELETE":
                return self._clear_scroll(request, parts[2] if len(parts) > 2 else None)
        if self.flavor == "opensearch" and parts[-2:] == ["_search", "point_in_time"]:
            if method == "POST" and len(parts) == 3:
                return 200, self._open_pit(request, parts[0])
            if method == "DELETE" and len(parts) == 2:
                return self._os_delete_pit(request)
        if self.flavor != "opensearch" and parts[-1:] == ["_pit"]:
            if method == "POST" and len(parts) == 2:
                return 200, self._open_pit(request, parts[0])
            if method == "DELETE" and len(parts) == 1:
                return self._close_pit(request)
        if parts and parts[-1] == "_search" and len(parts) <= 2 and method in ("GET", "POST"):
            return 200, self._search(request, parts[0] if len(parts) == 2 else None)
        if parts and parts[-1] == "_count" and len(parts) <= 2 and method in ("GET", "POST"):
            return 200, self._count(request, parts[0] if len(parts) == 2 else None)
        if parts and parts[-1] == "_field_caps" and len(parts) <= 2 and method in ("GET", "POST"):
            return 200, self._field_caps(request, parts[0] if len(parts) == 2 else None)
        raise self._no_handler(request)

    def _no_handler(self, request: Request) -> EsError:
        # Real ES 8/9 for an unknown endpoint: 400 with this exact message shape.
        reason = f"no handler found for uri [{request.target}] and method [{request.method}]"
        if self.flavor == "opensearch" or self.major == 7:
            return EsError(400, {"error": reason, "status": 400})
        return EsError(400, error_body(400, "illegal_argument_exception", reason))

    # --- protocol checks ------------------------------------------------------------------------
    def _check_auth(self, request: Request) -> None:
        if self.auth is None and self.api_key is None and self.bearer is None:
            return
        given = request.header("Authorization") or ""
        accepted = []
        if self.auth is not None:
            pair = f"{self.auth[0]}:{self.auth[1]}".encode()
            accepted.append("Basic " + base64.b64encode(pair).decode("ascii"))
        if self.api_key is not None:
            accepted.append(f"ApiKey {self.api_key}")
        if self.bearer is not None:
            accepted.append(f"Bearer {self.bearer}")
        if given in accepted:
            return
        if self.flavor == "opensearch":
            # The OpenSearch security plugin answers a plain-text 401.
            raise EsError(401, "Unauthorized", [("WWW-Authenticate", 'Basic realm="OpenSearch Security"')])
        challenges = ['Basic realm="security", charset="UTF-8"', 'Bearer realm="security"', "ApiKey"]
        if not given:
            reason = f"missing authentication credentials for REST request [{request.target}]"
        elif given.startswith("Basic "):
            try:
                user = base64.b64decode(given[6:]).decode().partition(":")[0]
            except (ValueError, UnicodeDecodeError):
                user = ""
            reason = f"unable to authenticate user [{user}] for REST request [{request.target}]"
        else:
            reason = "unable to authenticate with provided credentials and anonymous access is not allowed for this request"
        body = error_body(401, "security_exception", reason, header={"WWW-Authenticate": challenges})
        raise EsError(401, body, [("WWW-Authenticate", c) for c in challenges])

    def _check_media_types(self, request: Request) -> None:
        content_type = request.header("Content-Type") or ""
        accept = request.header("Accept") or ""
        if request.body and content_type and not content_type.lower().startswith(_JSON_TYPES):
            # The old string-shaped error, still what ES 8/9 send for this (research §1.2).
            reason = f"Content-Type header [{content_type}] is not supported"
            raise EsError(406, {"error": reason, "status": 406})
        if self.flavor == "opensearch":
            return
        accept_m = _COMPAT.search(accept)
        type_m = _COMPAT.search(content_type) if request.body else None
        if not accept_m and not type_m:
            return
        headers = "[Accept, Content-Type]" if request.body else "[Accept]"
        if request.body and bool(accept_m) != bool(type_m):
            cause = (
                "A compatible version is required on both Content-Type and Accept headers if either one has "
                f"requested a compatible version. Accept={accept}, Content-Type={content_type}"
            )
            raise self._media_type_error(headers, cause)
        for match, name, value in ((accept_m, "Accept", accept), (type_m, "Content-Type", content_type)):
            if match is None:
                continue
            version = int(match.group(2))
            if version not in (self.major, self.major - 1):
                cause = (
                    f"{name} version must be either version {self.major} or {self.major - 1}, "
                    f"but found {version}. {name}={value}"
                )
                raise self._media_type_error(headers, cause)

    def _media_type_error(self, headers: str, cause: str) -> EsError:
        reason = f"Invalid media-type value on headers {headers}"
        body = error_body(400, "media_type_header_exception", reason)
        body["error"]["caused_by"] = {"type": "status_exception", "reason": cause}
        return EsError(400, body)

    # --- responses ------------------------------------------------------------------------------
    def _headers(self, request: Request | None) -> list[tuple[str, str]]:
        content_type = "application/json; charset=UTF-8"
        if request is not None and self.flavor != "opensearch":
            match = _COMPAT.search(request.header("Accept") or "")
            if match:
                content_type = f"application/vnd.elasticsearch+json;compatible-with={match.group(2)}"
        headers = [("content-type", content_type)]
        if self.product_header:
            headers.append(("X-elastic-product", "Elasticsearch"))
        return headers

    def _json(
        self, status: int, body: Any, request: Request | None, extra: list[tuple[str, str]] | None = None
    ) -> Response:
        if isinstance(body, str) and status == 401 and self.flavor == "opensearch":
            headers = [("content-type", "text/plain; charset=UTF-8"), *(extra or [])]
            return Response(status, body.encode(), headers)
        data = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
        if request is not None and request.param("pretty") not in (None, "false"):
            data = json.dumps(json.loads(data), indent=2, ensure_ascii=False).encode() + b"\n"
        return Response(status, data, [*self._headers(request), *(extra or [])])

    def root_info(self) -> Any:
        """`GET /` of this flavour: the fixture body (7.x derived from 8.12.1 per research §1.1(7))."""
        if self.flavor == "es8":
            return fixture_json("info/es_8.12.1_root.json")
        if self.flavor == "es9":
            return fixture_json("info/es_9.1.0_root.json")
        if self.flavor == "opensearch":
            return fixture_json("info/opensearch_2.13.0_root.json")
        info = fixture_json("info/es_8.12.1_root.json")
        info["version"].update(
            number="7.17.18",
            lucene_version="8.11.1",
            minimum_wire_compatibility_version="6.8.0",
            minimum_index_compatibility_version="6.0.0-beta1",
        )
        return info

    def _cluster_health(self, request: Request) -> tuple[int, Any]:
        body = fixture_json("cluster/es_cluster_health_yellow.json")
        body["status"] = self.cluster_status
        if self.cluster_status == "green":
            body.update(unassigned_shards=0, active_shards_percent_as_number=100.0)
        elif self.cluster_status == "red":
            body.update(active_primary_shards=0, active_shards=0, unassigned_shards=2)
            body["active_shards_percent_as_number"] = 0.0
        body.update(self.cluster_health_overrides)
        return 200, body

    def _cat_indices(self, request: Request, expr: str | None) -> Any:
        with self._state:
            indices = self._resolve(expr, request, default_allow_no_indices=True)
            rows = []
            for index in sorted(indices, key=lambda i: i.name):
                size = f"{max(1, len(json.dumps([d['_source'] for d in index.docs]))) / 1024:.1f}kb"
                health = "green" if self.cluster_status == "green" else "yellow"
                rows.append(
                    {
                        "health": health,
                        "status": "open",
                        "index": index.name,
                        "uuid": index.uuid,
                        "pri": "1",
                        "rep": "1" if health == "yellow" else "0",
                        "docs.count": str(len(index.docs)),
                        "docs.deleted": "0",
                        "store.size": size,
                        "pri.store.size": size,
                        "dataset.size": size,
                    }
                )
        if request.param("format") == "json":
            return rows
        keys = list(rows[0]) if rows else []
        widths = {
            k: max([len(k) if request.param("v") is not None else 0] + [len(r[k]) for r in rows])
            for k in keys
        }
        lines = []
        if request.param("v") is not None and rows:
            lines.append(" ".join(k.ljust(widths[k]) for k in keys).rstrip())
        lines += [" ".join(r[k].ljust(widths[k]) for k in keys).rstrip() for r in rows]
        return ("\n".join(lines) + ("\n" if lines else "")).encode()

    def _field_caps(self, request: Request, expr: str | None) -> Any:
        body = request.json() or {}
        in_body = body.get("fields", [])  # the 8.x client sends them in the body, maybe as one string
        wanted = request.param("fields") or (in_body if isinstance(in_body, str) else ",".join(in_body))
        if not wanted:
            error = error_body(
                400, "action_request_validation_exception", "Validation Failed: 1: no fields specified;"
            )
            raise EsError(400, error)
        patterns = [p.strip() for p in wanted.split(",") if p.strip()]
        with self._state:
            indices = self._resolve(expr, request, default_allow_no_indices=True)
            per_field: dict[str, dict[str, list[str]]] = {}
            for index in sorted(indices, key=lambda i: i.name):
                for name, kind in index.field_types().items():
                    if any(fnmatch.fnmatchcase(name, p) for p in patterns):
                        per_field.setdefault(name, {}).setdefault(kind, []).append(index.name)
        fields: dict[str, Any] = {}
        all_names = [i.name for i in sorted(indices, key=lambda i: i.name)]
        for name in sorted(per_field):
            entry = {}
            for kind, names in per_field[name].items():
                caps: dict[str, Any] = {
                    "type": kind,
                    "metadata_field": False,
                    "searchable": kind != "object",
                    "aggregatable": kind not in ("text", "object"),
                }
                if len(per_field[name]) > 1:
                    caps["indices"] = names
                entry[kind] = caps
            fields[name] = entry
        return {"indices": all_names, "fields": fields}

    # --- index resolution -----------------------------------------------------------------------
    def _resolve(self, expr: str | None, request: Request, *, default_allow_no_indices: bool) -> list[Index]:
        ignore_unavailable = request.param("ignore_unavailable") == "true"
        allow_no = request.param("allow_no_indices")
        allow_no_indices = default_allow_no_indices if allow_no is None else allow_no == "true"
        names = [n for n in (expr or "_all").split(",") if n]
        found: dict[str, Index] = {}
        for name in names:
            if name in ("_all", "*"):
                found.update(self.indices)
                continue
            if "*" in name or "?" in name:
                # Hidden indices (a leading dot: data stream backing indices) only by a dotted pattern.
                matched = {
                    n: i
                    for n, i in self.indices.items()
                    if fnmatch.fnmatchcase(n, name) and (not n.startswith(".") or name.startswith("."))
                }
                for stream, backing in self.data_streams.items():
                    if fnmatch.fnmatchcase(stream, name):
                        matched.update({b: self.indices[b] for b in backing if b in self.indices})
                if not matched and not allow_no_indices:
                    raise index_not_found(name)
                found.update(matched)
                continue
            if name in self.data_streams:
                found.update({b: self.indices[b] for b in self.data_streams[name] if b in self.indices})
                continue
            if name not in self.indices:
                if ignore_unavailable:
                    continue
                raise index_not_found(name)
            found[name] = self.indices[name]
        if not found and not allow_no_indices:
            raise index_not_found(expr or "_all")
        return list(found.values())

    # --- search ---------------------------------------------------------------------------------
    def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = request.json() or {}
        except ValueError as exc:
            raise EsError(
                400, error_body(400, "x_content_parse_exception", f"[1:1] {exc}", line=1, col=1)
            ) from None
        if not isinstance(body, dict):
            raise EsError(
                400, error_body(400, "parsing_exception", "request body or source parameter is required")
            )
        for key in ("size", "from"):
            if request.param(key) is not None:
                body[key] = int(str(request.param(key)))
        if request.param("q") is not None:
            field_name, _, value = str(request.param("q")).partition(":")
            body["query"] = {"match": {field_name: value}} if value else {"match_all": {}}
        if request.param("track_total_hits") is not None:
            raw = str(request.param("track_total_hits"))
            body["track_total_hits"] = raw == "true" if raw in ("true", "false") else int(raw)
        return body

    def _matching(self, indices: list[Index], query: Any) -> list[tuple[Index, dict[str, Any]]]:
        out = []
        for index in sorted(indices, key=lambda i: i.number):
            types = index.field_types()
            candidates, rest = self._date_prefilter(index, query, types)
            for doc in candidates:
                self._current_id = doc["_id"]
                if rest is None or self._matches(doc["_source"], rest, types):
                    out.append((index, doc))
        return out

    def _search(self, request: Request, expr: str | None) -> Any:
        body = self._body(request)
        pit = body.get("pit")
        with self._state:
            if pit is not None:
                if expr is not None:
                    reason = (
                        "Validation Failed: 1: [indices] cannot be used with point in time. "
                        "Do not specify any index with point in time.;"
                    )
                    raise EsError(400, error_body(400, "action_request_validation_exception", reason))
                pit_id = pit.get("id")
                context = self._contexts.get(str(pit_id))
                if context is None:
                    raise EsError(
                        404,
                        error_body(
                            404,
                            "search_context_missing_exception",
                            f"No search context found for id [{pit_id}]",
                        ),
                    )
                docs = [(i, d) for i, d in context.docs if self._query_ok(d, i, body.get("query"))]
                indices = context.indices
            else:
                indices = self._resolve(expr, request, default_allow_no_indices=True)
                docs = self._matching(indices, body.get("query"))
            if pit is not None and body.get("sort") is not None and self.flavor != "opensearch":
                # ES >= 7.12 appends the implicit `_shard_doc` tiebreaker to PIT searches.
                sort = body["sort"] if isinstance(body["sort"], list) else [body["sort"]]
                names = [next(iter(s)) if isinstance(s, dict) else str(s).partition(":")[0] for s in sort]
                if "_shard_doc" not in names:
                    order = "desc" if "desc" in json.dumps(sort[0]) else "asc"
                    body = {**body, "sort": [*sort, {"_shard_doc": order}]}
            window = int(body.get("from", 0)) + int(body.get("size", 10))
            if window > self.max_result_window and not request.param("scroll"):
                reason = (
                    f"Result window is too large, from + size must be less than or equal to: "
                    f"[{self.max_result_window}] but was [{window}]. See the scroll api for a more efficient "
                    "way to request large data sets. This limit can be set by changing the "
                    "[index.max_result_window] index level setting."
                )
                raise search_phase_failure(
                    indices[0] if indices else Index("_all", "_na_"), "illegal_argument_exception", reason
                )
            if int(body.get("size", 10)):
                hits_all = self._sorted_hits(docs, body, indices)
            else:  # size 0 (aggregations, counts): nothing to sort
                hits_all = [(i, d, None) for i, d in docs]
            scroll = request.param("scroll") or body.get("scroll")
            result = self._page(hits_all, body, indices, request, start=int(body.get("from", 0)))
            if scroll:
                scroll_id = self._new_context_id("scroll")
                size = int(body.get("size", 10))
                self._contexts[scroll_id] = _Context(
                    docs=[(h[0], h[1]) for h in hits_all], indices=indices, body=body, offset=size
                )
                result = {"_scroll_id": scroll_id, **result}
            if pit is not None:
                result = {"pit_id": pit.get("id"), **result}
            aggs = body.get("aggs") or body.get("aggregations")
            if aggs:
                result["aggregations"] = self._aggs(aggs, docs, indices)
        return result

    def _aggs(self, aggs: Any, docs: list[tuple[Index, dict[str, Any]]], indices: list[Index]) -> Any:
        from tests.fakes.es_aggs import run_aggs

        types: dict[str, str] = {}
        for index in indices:
            for name, kind in index.field_types().items():
                types.setdefault(name, kind)

        def fielddata(name: str) -> EsError:
            index = indices[0] if indices else Index("_all", "_na_")
            return search_phase_failure(
                index,
                "illegal_argument_exception",
                f"Fielddata is disabled on [{name}] in [{index.name}]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead.",
            )

        try:

            def nanos_of(doc: dict[str, Any], name: str) -> int | None:
                cached = doc.get("_n", {}).get(name)
                if cached is not None:
                    return cached if cached >= 0 else None
                values = get_field(doc["_source"], name)
                return parse_date_nanos(values[0]) if values else None

            def values_of(doc: dict[str, Any], name: str) -> list[Any]:
                return get_field(doc["_source"], name)

            return run_aggs(aggs, [d for _, d in docs], types, values_of, nanos_of, fielddata)
        except ValueError as exc:
            raise EsError(400, error_body(400, "illegal_argument_exception", str(exc))) from None

    def _query_ok(self, doc: dict[str, Any], index: Index, query: Any) -> bool:
        self._current_id = doc["_id"]
        return query is None or self._matches(doc["_source"], query, index.field_types())

    def _sorted_hits(
        self, docs: list[tuple[Index, dict[str, Any]]], body: dict[str, Any], indices: list[Index]
    ) -> list[tuple[Index, dict[str, Any], list[Any] | None]]:
        sort = body.get("sort")
        if sort is None:
            return [(i, d, None) for i, d in docs]
        specs = self._sort_specs(sort, indices)
        keyed = []
        for index, doc in docs:
            values = [self._sort_value(index, doc, spec) for spec in specs]
            keyed.append((index, doc, values))

        for spec_i in reversed(range(len(specs))):
            order = specs[spec_i][1]
            present = [k for k in keyed if k[2][spec_i] is not None]
            absent = [k for k in keyed if k[2][spec_i] is None]  # `_last` in both orders, as ES does
            present.sort(key=lambda item, i=spec_i: item[2][i], reverse=order == "desc")  # type: ignore[misc]
            keyed = present + absent
        return [(i, d, v) for i, d, v in keyed]

    def _sort_specs(self, sort: Any, indices: list[Index]) -> list[tuple[str, str, str | None]]:
        items = sort if isinstance(sort, list) else [sort]
        specs: list[tuple[str, str, str | None]] = []
        for item in items:
            if isinstance(item, str):
                name, _, order = item.partition(":")
                specs.append((name, order or ("desc" if name == "_score" else "asc"), None))
                continue
            for name, value in dict(item).items():
                if isinstance(value, str):
                    specs.append((name, value, None))
                else:
                    order = value.get("order", "desc" if name == "_score" else "asc")
                    specs.append((name, order, value.get("unmapped_type")))
        for name, _, unmapped in specs:
            if name == "_id" and self.flavor in ("es8", "es9"):
                reason = (
                    "Fielddata access on the _id field is disallowed, you can re-enable it by updating the "
                    "dynamic cluster setting: indices.id_field_data.enabled"
                )
                raise search_phase_failure(indices[0], "illegal_argument_exception", reason)
            if name.startswith("_"):
                continue
            for index in indices:
                kind = index.field_types().get(name)
                if kind is None and unmapped is None and index.docs:
                    raise search_phase_failure(
                        index, "query_shard_exception", f"No mapping found for [{name}] in order to sort on"
                    )
                if kind == "text":
                    reason = (
                        f"Fielddata is disabled on [{name}] in [{index.name}]. Text fields are not optimised for "
                        "operations that require per-document field data like aggregations and sorting, so these "
                        "operations are disabled by default. Please use a keyword field instead. Alternatively, "
                        f"set fielddata=true on [{name}] in order to load field data by uninverting the inverted "
                        "index. Note that this can use significant memory."
                    )
                    raise search_phase_failure(index, "illegal_argument_exception", reason)
        return specs

    def _sort_value(self, index: Index, doc: dict[str, Any], spec: tuple[str, str, str | None]) -> Any:
        name, order, _ = spec
        if name == "_id":
            return doc["_id"]
        if name in ("_shard_doc", "_doc"):
            return (index.number << 32) | doc["_seq"] if name == "_shard_doc" else doc["_seq"]
        if name == "_score":
            return 1.0
        kind = index.field_types().get(name)
        if kind in ("date", "date_nanos"):
            cached = doc.get("_n", {}).get(name)
            if cached is not None and cached >= 0:
                return cached if kind == "date_nanos" else cached // 1_000_000
        source_name = name[: -len(".keyword")] if kind == "keyword" and name.endswith(".keyword") else name
        values = get_field(doc["_source"], source_name)
        if not values:
            return None
        if kind in ("date", "date_nanos"):
            nanos = [n for n in (parse_date_nanos(v) for v in values) if n is not None]
            if not nanos:
                return None
            chosen = max(nanos) if order == "desc" else min(nanos)
            return chosen if kind == "date_nanos" else chosen // 1_000_000
        chosen_value = max(values) if order == "desc" else min(values)
        return str(chosen_value) if kind == "keyword" else chosen_value

    def _page(
        self,
        hits_all: list[tuple[Index, dict[str, Any], list[Any] | None]],
        body: dict[str, Any],
        indices: list[Index],
        request: Request,
        *,
        start: int,
    ) -> dict[str, Any]:
        selected = hits_all
        after = body.get("search_after")
        if after is not None:
            if body.get("sort") is None:
                reason = "Validation Failed: 1: [search_after] requires a [sort];"  # illustrative
                raise EsError(400, error_body(400, "action_request_validation_exception", reason))
            selected = [h for h in hits_all if self._after(h[2] or [], after, body)]
        size = int(body.get("size", 10))
        page = selected[start : start + size]
        total_n = len(hits_all)
        sorted_ = body.get("sort") is not None
        hits = []
        for index, doc, sort_values in page:
            hit: dict[str, Any] = {
                "_index": index.name,
                "_id": doc["_id"],
                "_score": None if sorted_ else 1.0,
                "_source": self._filter_source(doc["_source"], body.get("_source")),
            }
            if hit["_source"] is None:
                del hit["_source"]
            if sort_values is not None:
                hit["sort"] = sort_values
            marks = highlight(
                doc["_source"], body.get("highlight"), body.get("query"), _query_string, get_field
            )
            if marks:
                hit["highlight"] = marks
            hits.append(hit)
        hits_obj: dict[str, Any] = {}
        track = body.get("track_total_hits", 10_000)
        if request.param("rest_total_hits_as_int") == "true":
            hits_obj["total"] = total_n
        elif track is True:
            hits_obj["total"] = {"value": total_n, "relation": "eq"}
        elif track is not False:
            limit = int(track)
            hits_obj["total"] = (
                {"value": total_n, "relation": "eq"}
                if total_n <= limit
                else {"value": limit, "relation": "gte"}
            )
        hits_obj["max_score"] = None if sorted_ or not hits else 1.0
        hits_obj["hits"] = hits
        shards = len(indices)
        return {
            "took": 1,
            "timed_out": False,
            "_shards": {"total": shards, "successful": shards, "skipped": 0, "failed": 0},
            "hits": hits_obj,
        }

    @staticmethod
    def _after(values: list[Any], after: list[Any], body: dict[str, Any]) -> bool:
        specs = body.get("sort") or []
        items = specs if isinstance(specs, list) else [specs]
        orders: list[str] = []
        for item in items:
            if isinstance(item, str):
                orders.append(item.partition(":")[2] or "asc")
            else:
                for value in dict(item).values():
                    orders.append(value if isinstance(value, str) else value.get("order", "asc"))
        for value, mark, order in zip(values, after, orders):
            if value is None:
                return True  # missing sorts last
            if mark is None:
                return False
            try:
                if isinstance(value, (int, float)) and isinstance(mark, str):
                    mark = float(mark) if "." in mark else int(mark)
                if value == mark:
                    continue
                return bool(value > mark) if order == "asc" else bool(value < mark)
            except TypeError:
                return str(value) > str(mark)
        return False

    @staticmethod
    def _filter_source(source: dict[str, Any], spec: Any) -> dict[str, Any] | None:
        if spec is None or spec is True:
            return source
        if spec is False:
            return None
        includes = (
            [spec] if isinstance(spec, str) else spec if isinstance(spec, list) else spec.get("includes", [])
        )
        excludes = [] if isinstance(spec, (str, list)) else spec.get("excludes", [])
        includes = [includes] if isinstance(includes, str) else includes
        excludes = [excludes] if isinstance(excludes, str) else excludes

        def keep(name: str, value: Any) -> bool:
            if any(fnmatch.fnmatchcase(name, p) or name.startswith(p + ".") for p in excludes):
                return False
            if not includes:
                return True
            return any(
                fnmatch.fnmatchcase(name, p) or name.startswith(p + ".") or p.startswith(name + ".")
                for p in includes
            )

        def walk(node: dict[str, Any], prefix: str) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, value in node.items():
                name = f"{prefix}{key}"
                if not keep(name, value):
                    continue
                if isinstance(value, dict) and not any(
                    fnmatch.fnmatchcase(name, p) or name.startswith(p + ".") for p in includes
                ):
                    inner = walk(value, name + ".")
                    if inner:
                        out[key] = inner
                else:
                    out[key] = value
            return out

        return walk(source, "")

    # --- queries --------------------------------------------------------------------------------
    def _matches(self, source: dict[str, Any], query: Any, types: dict[str, str]) -> bool:
        if not isinstance(query, dict) or len(query) != 1:
            raise EsError(
                400,
                error_body(
                    400,
                    "parsing_exception",
                    "[_na] query malformed, must start with start_object",
                    line=1,
                    col=10,
                ),
            )
        ((kind, spec),) = query.items()
        if kind == "match_all":
            return True
        if kind == "match_none":
            return False
        if kind == "bool":
            return self._bool(source, spec, types)
        if kind == "query_string":
            return self._matches(source, _query_string(json.dumps(spec, sort_keys=True)), types)
        if kind == "ids":
            return self._current_id in (spec.get("values") or [])
        if kind == "exists":
            return bool(self._values(source, spec["field"], types))
        if kind in ("term", "terms", "match", "match_phrase", "prefix", "wildcard", "range"):
            ((field_name, arg),) = spec.items()
            values = self._values(source, field_name, types)
            kind_of = types.get(field_name)
            if kind == "range":
                return any(self._in_range(v, arg, kind_of) for v in values)
            if kind == "terms":
                wanted = [str(a).lower() if kind_of == "text" else a for a in arg]
                return any(self._eq(v, w, kind_of) for v in values for w in wanted)
            if isinstance(arg, dict):
                arg = arg.get("value", arg.get("query"))
            if kind == "term":
                return any(self._eq(v, arg, kind_of) for v in values)
            if kind == "prefix":
                return any(str(v).startswith(str(arg)) for v in values)
            if kind == "wildcard":
                return any(fnmatch.fnmatchcase(str(v), str(arg)) for v in values)
            words = _TOKEN.findall(str(arg).lower())
            if kind_of in ("text", None):
                tokens = [t for v in values for t in _TOKEN.findall(str(v).lower())]
                if kind == "match_phrase":
                    joined = " ".join(tokens)
                    return " ".join(words) in joined
                return any(w in tokens for w in words)
            return any(self._eq(v, arg, kind_of) for v in values)
        raise EsError(400, error_body(400, "parsing_exception", f"unknown query [{kind}]", line=1, col=13))

    def _values(self, source: dict[str, Any], name: str, types: dict[str, str]) -> list[Any]:
        if name == "*":  # query_string's default field: every string value of the document
            return [v for _, v in _leaf_fields(source) if isinstance(v, str)]
        if types.get(name) == "keyword" and name.endswith(".keyword") and name not in source:
            return get_field(source, name[: -len(".keyword")])
        return get_field(source, name)

    @staticmethod
    def _eq(value: Any, wanted: Any, kind: str | None) -> bool:
        if kind == "text":
            return str(wanted).lower() in _TOKEN.findall(str(value).lower())
        if kind in ("date", "date_nanos"):
            return parse_date_nanos(value) == parse_date_nanos(wanted)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return float(value) == float(wanted)
            except (TypeError, ValueError):
                return False
        return bool(value == wanted or str(value) == str(wanted))

    @staticmethod
    def _in_range(value: Any, spec: dict[str, Any], kind: str | None) -> bool:
        def conv(v: Any) -> Any:
            if kind in ("date", "date_nanos"):
                if isinstance(v, str) and v.startswith("now"):
                    return _now_math(v)
                return parse_date_nanos(v)
            return v

        current = conv(value)
        if current is None:
            return False
        checks = {
            "gte": lambda a, b: a >= b,
            "gt": lambda a, b: a > b,
            "lte": lambda a, b: a <= b,
            "lt": lambda a, b: a < b,
        }
        for op, bound in spec.items():
            if op in checks and bound is not None and not checks[op](current, conv(bound)):
                return False
        return True

    def _bool(self, source: dict[str, Any], spec: dict[str, Any], types: dict[str, str]) -> bool:
        def as_list(v: Any) -> list[Any]:
            return v if isinstance(v, list) else [v] if v else []

        must = as_list(spec.get("must")) + as_list(spec.get("filter"))
        if not all(self._matches(source, q, types) for q in must):
            return False
        if any(self._matches(source, q, types) for q in as_list(spec.get("must_not"))):
            return False
        should = as_list(spec.get("should"))
        if should:
            need = int(spec.get("minimum_should_match", 0 if must else 1))
            return sum(self._matches(source, q, types) for q in should) >= need
        return True

    def _count(self, request: Request, expr: str | None) -> Any:
        body = self._body(request)
        with self._state:
            indices = self._resolve(expr, request, default_allow_no_indices=True)
            n = len(self._matching(indices, body.get("query")))
        shards = len(indices)
        return {"count": n, "_shards": {"total": shards, "successful": shards, "skipped": 0, "failed": 0}}

    # --- PIT and scroll -------------------------------------------------------------------------
    def _new_context_id(self, kind: str) -> str:
        raw = f"{kind}:{next(self._context_seq)}:{self.port}".encode()
        return base64.urlsafe_b64encode(hashlib.sha256(raw).digest() + raw).decode()

    def _open_pit(self, request: Request, expr: str) -> Any:
        if not request.param("keep_alive"):
            reason = "Validation Failed: 1: [keep_alive] is not specified;"
            raise EsError(400, error_body(400, "action_request_validation_exception", reason))
        with self._state:
            indices = self._resolve(expr, request, default_allow_no_indices=True)
            docs = self._matching(indices, None)
            pit_id = self._new_context_id("pit")
            self._contexts[pit_id] = _Context(docs=docs, indices=indices)
        shards = {"total": len(indices), "successful": len(indices), "skipped": 0, "failed": 0}
        if self.flavor == "opensearch":
            return {
                "pit_id": pit_id,
                "_shards": shards,
                "creation_time": int(datetime.now(timezone.utc).timestamp() * 1000),
            }
        return {"id": pit_id, "_shards": shards}

    def _close_pit(self, request: Request) -> tuple[int, Any]:
        body = self._body(request)
        with self._state:
            freed = 1 if self._contexts.pop(str(body.get("id")), None) is not None else 0
        # ClosePointInTimeResponse#status(): 404 when nothing was freed.
        return (200 if freed else 404), {"succeeded": True, "num_freed": freed}

    def _os_delete_pit(self, request: Request) -> tuple[int, Any]:
        body = self._body(request)
        ids = body.get("pit_id") or []
        ids = [ids] if isinstance(ids, str) else ids
        with self._state:
            pits = [{"successful": self._contexts.pop(str(i), None) is not None, "pit_id": i} for i in ids]
        return 200, {"pits": pits}

    def _scroll(self, request: Request, path_id: str | None) -> Any:
        body = self._body(request) if request.body else {}
        scroll_id = body.get("scroll_id") or request.param("scroll_id") or path_id
        with self._state:
            context = self._contexts.get(str(scroll_id))
            if context is None:
                raise EsError(
                    404,
                    error_body(
                        404,
                        "search_context_missing_exception",
                        f"No search context found for id [{scroll_id}]",
                    ),
                )
            hits_all = self._sorted_hits(context.docs, context.body, context.indices)
            size = int(context.body.get("size", 10))
            result = self._page(hits_all, context.body, context.indices, request, start=context.offset)
            context.offset += size
        return {"_scroll_id": scroll_id, **result}

    def _clear_scroll(self, request: Request, path_id: str | None) -> tuple[int, Any]:
        body = self._body(request) if request.body else {}
        ids = body.get("scroll_id") or request.param("scroll_id") or path_id or []
        ids = ids.split(",") if isinstance(ids, str) else ids
        with self._state:
            if ids == ["_all"]:
                freed = sum(1 for k in list(self._contexts) if self._contexts.pop(k) is not None)
            else:
                freed = sum(1 for i in ids if self._contexts.pop(str(i), None) is not None)
        return (200 if freed else 404), {"succeeded": True, "num_freed": freed}


@functools.lru_cache(maxsize=256)
def _query_string(spec_json: str) -> dict[str, Any]:
    from tests.fakes.es_query_string import QueryStringError, to_dsl

    spec = json.loads(spec_json)
    try:
        return to_dsl(
            str(spec.get("query", "")),
            str(spec.get("default_operator", "OR")),
            str(spec.get("default_field", "*")),
        )
    except QueryStringError as exc:
        raise EsError(400, error_body(400, "parse_exception", str(exc))) from None


def _now_math(expr: str) -> int:
    """`now`, `now-15m`, `now-1h/d` (rounding ignored) as epoch nanos."""
    now = datetime.now(timezone.utc)
    match = re.fullmatch(r"now(?:([+-])(\d+)([smhdwMy]))?(?:/\w)?", expr)
    if not match:
        return int(now.timestamp() * 1e9)
    sign, amount, unit = match.groups()
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}
    delta = int(amount) * seconds[unit] if amount else 0
    return int((now.timestamp() + (delta if sign == "+" else -delta)) * 1e9)
