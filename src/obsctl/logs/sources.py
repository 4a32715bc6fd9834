"""Where log records come from: an Elasticsearch/OpenSearch index pattern, or local files.

Both give the same LogRecord stream for `search` (history) and `tail` (last N, then follow);
the ES follow loop lives in follow.py, the file follow (rotation, truncation) in files.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from obsctl.logs.client import EsClient, ResultWindowError
from obsctl.logs.query import Filters, es_query
from obsctl.logs.record import LogRecord
from obsctl.logs.roles import Resolver, Roles, detect_roles

DEFAULT_INDEX = "logs-*"
MAX_RESULT_WINDOW = 10_000


class EsSource:
    """An index pattern on one cluster, with its field roles detected from `_field_caps`."""

    def __init__(
        self,
        client: EsClient,
        index: str = DEFAULT_INDEX,
        *,
        overrides: Mapping[str, Any] | None = None,
        page_size: int = 1000,
        source_fields: Sequence[str] = (),
        highlight: Callable[[Roles], dict[str, Any] | None] | None = None,
    ) -> None:
        self.client = client
        self.index = index
        self.overrides = dict(overrides or {})
        self.page_size = page_size
        self.source_fields = tuple(source_fields)
        self._highlight = highlight
        self._roles: Roles | None = None

    # --- roles --------------------------------------------------------------------------------
    @property
    def roles(self) -> Roles:
        if self._roles is None or not self._roles.fields:
            caps = self.client.field_caps(self.index)
            self._roles = detect_roles(caps, self.overrides)
        return self._roles

    def refresh_roles(self) -> Roles:
        self._roles = None
        return self.roles

    # --- request bodies -----------------------------------------------------------------------
    def sort(
        self, order: str = "asc", *, tiebreak: str | None = "_doc", field: str | None = None
    ) -> list[Any]:
        """[time asc, tiebreak]: `_doc` needs no `_id` fielddata (disabled by default in ES 8)."""
        name = field or self.roles.timestamp
        spec: list[Any] = [{name: {"order": order, "unmapped_type": "date"}}]
        if tiebreak:
            spec.append({tiebreak: order})
        return spec

    def body(
        self,
        query: Mapping[str, Any],
        *,
        size: int,
        sort: list[Any],
        search_after: list[Any] | None = None,
        ids_only: bool = False,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"size": size, "track_total_hits": False, "sort": sort, "query": query}
        if ids_only:
            body["_source"] = False
        elif self.source_fields:
            roles = self.roles
            wanted = {i.name for infos in roles.fields.values() for i in infos}
            body["_source"] = {"includes": sorted(wanted | set(self.source_fields))}
        if search_after is not None:
            body["search_after"] = search_after
        if not ids_only and self._highlight is not None:
            hl = self._highlight(self.roles)
            if hl:
                body["highlight"] = hl
        return body

    def record(self, hit: Mapping[str, Any]) -> LogRecord:
        return self._record(hit, self.roles.resolver())

    def records(self, hits: Sequence[Mapping[str, Any]]) -> list[LogRecord]:
        """A page of hits as records: the roles resolver is looked up once per page, not per hit."""
        resolve = self.roles.resolver()
        return [self._record(h, resolve) for h in hits]

    @staticmethod
    def _record(hit: Mapping[str, Any], resolve: Resolver) -> LogRecord:
        rec = resolve(hit.get("_source") or {}, hit.get("_index"), hit.get("_id"), hit.get("sort"))
        marks = hit.get("highlight")
        if marks:
            fragments = next(iter(marks.values()), None)
            if fragments:
                rec.highlight = "".join(fragments)
        return rec

    # --- history ------------------------------------------------------------------------------
    def last(self, filters: Filters, n: int) -> list[LogRecord]:
        """The newest `n` matches, returned oldest first (pages past max_result_window)."""
        if n <= 0:
            return []
        query = es_query(filters, self.roles)
        sort = self.sort("desc")
        out: list[LogRecord] = []
        after: list[Any] | None = None
        window = MAX_RESULT_WINDOW
        while len(out) < n:
            size = min(n - len(out), window, max(self.page_size, 1))
            try:
                data = self.client.search(
                    self.index, self.body(query, size=size, sort=sort, search_after=after)
                )
            except ResultWindowError as exc:
                if exc.limit >= size or exc.limit < 1:
                    raise
                window = exc.limit  # this index has a smaller index.max_result_window: smaller pages
                continue
            hits = data["hits"]["hits"]
            out.extend(self.records(hits))
            if len(hits) < size:
                break
            after = hits[-1].get("sort")
        out.reverse()
        return out

    def pages(self, filters: Filters, *, limit: int | None = None) -> Iterator[list[LogRecord]]:
        """Every match oldest first, page by page, in flat memory: PIT + search_after where the
        server has a PIT (ES >= 7.10, OpenSearch >= 2.4), plain search_after otherwise."""
        flavor = self.client.flavor()
        query = es_query(filters, self.roles)
        pit_id = self.client.open_pit(self.index) if flavor.has_pit else None
        # ES >= 7.12 adds the unique `_shard_doc` tiebreaker to PIT searches itself; OpenSearch and
        # ES 7.10/7.11 get `_id` (unique; its fielddata is allowed there, unlike in ES 8).
        tiebreak = None if flavor.has_shard_doc and pit_id else "_id"
        sort = self.sort("asc", tiebreak=tiebreak)
        state: dict[str, Any] = {"pit": pit_id}

        def fetch(after: list[Any] | None, size: int) -> list[dict[str, Any]]:
            body = self.body(query, size=size, sort=sort, search_after=after)
            if state["pit"] is not None:
                body["pit"] = {"id": state["pit"], "keep_alive": "2m"}
            data = self.client.search(None if state["pit"] else self.index, body)
            state["pit"] = data.get("pit_id") or state["pit"]
            return list(data["hits"]["hits"])

        # The next page is requested while this one is written: the server's time and ours overlap.
        from concurrent.futures import ThreadPoolExecutor

        count = 0
        pool = ThreadPoolExecutor(1, thread_name_prefix="obsctl-page")
        try:
            size = self.page_size if limit is None else min(self.page_size, limit)
            pending = pool.submit(fetch, None, size)
            while True:
                hits = pending.result()
                if not hits:
                    break
                count += len(hits)
                more = len(hits) == size and (limit is None or count < limit)
                if more:
                    size = self.page_size if limit is None else min(self.page_size, limit - count)
                    pending = pool.submit(fetch, hits[-1].get("sort"), size)
                yield self.records(hits)
                if not more:
                    break
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if state["pit"] is not None:
                self.client.close_pit(state["pit"])

    def around(
        self, index: str, doc_id: str, before: int, after: int, scope: Sequence[str]
    ) -> list[LogRecord]:
        """The document and its neighbours in time, among documents sharing its `scope` roles."""
        from obsctl.core.errors import UsageError

        roles = self.roles
        data = self.client.search(
            index, {"size": 1, "query": {"ids": {"values": [doc_id]}}, "sort": self.sort("asc")}
        )
        hits = data["hits"]["hits"]
        if not hits:
            raise UsageError(
                f"no document {index}/{doc_id}", hint="take INDEX/ID from `obsctl logs search -o json`"
            )
        anchor = self.record(hits[0])
        clauses: list[dict[str, Any]] = []
        for role in scope:
            value = getattr(anchor, role, None)
            info = roles.one(role)
            if value and info is not None:
                name = roles.keyword_of(info)
                clauses.append({"term": {name: value}} if name else {"match_phrase": {info.name: value}})
        query = {"bool": {"filter": clauses}} if clauses else {"match_all": {}}
        mark = hits[0].get("sort")
        older = self.client.search(
            self.index, self.body(query, size=before, sort=self.sort("desc"), search_after=mark)
        )["hits"]["hits"]
        newer = self.client.search(
            self.index, self.body(query, size=after, sort=self.sort("asc"), search_after=mark)
        )["hits"]["hits"]
        return [*(self.record(h) for h in reversed(older)), anchor, *(self.record(h) for h in newer)]

    # --- aggregations -------------------------------------------------------------------------
    def count(self, filters: Filters) -> int:
        return self.client.count(self.index, es_query(filters, self.roles))

    def aggregate(self, filters: Filters, aggs: Mapping[str, Any]) -> dict[str, Any]:
        body = {
            "size": 0,
            "track_total_hits": True,
            "query": es_query(filters, self.roles),
            "aggs": dict(aggs),
        }
        return dict(self.client.search(self.index, body).get("aggregations") or {})
