"""What a busy logging cluster does that the fake ES needs for `logs tail -f` tests: data streams
whose backing index rolls over, a refresh interval (written documents become searchable at the next
refresh tick), and date-range lookups by bisection (ES answers ranges from its BKD tree, not by
scanning; without this a 20,000-document follow test would take minutes).

Mixed into FakeElasticsearch (tests/fakes/elasticsearch.py), which owns the state it uses:
`indices`, `data_streams`, `data_stream_mappings`, `refresh_interval`, `_started` and `_state`.
"""

from __future__ import annotations

import bisect
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.elasticsearch import Index


class LogsClusterMixin:
    indices: dict[str, Index]
    data_streams: dict[str, list[str]]
    data_stream_mappings: dict[str, str]
    refresh_interval: float | None
    _started: float
    _state: Any

    create_index: Any  # FakeElasticsearch.create_index

    def create_data_stream(self, name: str) -> str:
        """A data stream with its first backing index `.ds-<name>-<yyyy.mm.dd>-000001`."""
        with self._state:
            if name not in self.data_streams:
                self.data_streams[name] = []
                self.rollover(name)
            return self.data_streams[name][-1]

    def rollover(self, name: str) -> str:
        """Start a new backing index; later writes go there, searches see all of them."""
        with self._state:
            backing = self.data_streams.setdefault(name, [])
            day = datetime.now(timezone.utc).strftime("%Y.%m.%d")
            index_name = f".ds-{name}-{day}-{len(backing) + 1:06d}"
            index = self.create_index(index_name, self.data_stream_mappings)
            index.data_stream = name
            backing.append(index_name)
            return index_name

    def refresh(self, index: str | None = None) -> None:
        """`POST /_refresh`: make every written document searchable now."""
        with self._state:
            for target in self.indices.values():
                if index is None or target.name == index:
                    self._publish(target, len(target.pending))

    @staticmethod
    def _publish(target: Index, n: int) -> None:
        for _, doc in target.pending[:n]:
            doc["_seq"] = len(target.docs)
            target.docs.append(doc)
        del target.pending[:n]

    def _refresh_due(self) -> None:
        """Refresh ticks every `refresh_interval` seconds since the fake started."""
        if not self.refresh_interval:
            return
        tick = (
            self._started + ((time.time() - self._started) // self.refresh_interval) * self.refresh_interval
        )
        for target in self.indices.values():
            n = 0
            while n < len(target.pending) and target.pending[n][0] < tick:
                n += 1
            if n:
                self._publish(target, n)

    def _date_prefilter(
        self, index: Index, query: Any, types: dict[str, str]
    ) -> tuple[list[dict[str, Any]], Any]:
        """Like ES's BKD tree for dates: a range filter on a date field in a top-level bool picks the
        candidates by bisection over the documents sorted by that field; the rest of the query
        is evaluated on those only."""
        from tests.fakes.elasticsearch import _now_math, parse_date_nanos

        if not isinstance(query, dict) or list(query) != ["bool"]:
            return index.docs, query
        spec = query["bool"]
        filters = spec.get("filter")
        filters = filters if isinstance(filters, list) else [filters] if filters else []
        for i, clause in enumerate(filters):
            if not (isinstance(clause, dict) and list(clause) == ["range"]):
                continue
            ((name, bounds),) = clause["range"].items()
            if types.get(name) not in ("date", "date_nanos"):
                continue
            keys, docs = index.date_index(name)
            lo, hi = 0, len(keys)
            for op, bound in bounds.items():
                if op not in ("gte", "gt", "lte", "lt") or bound is None:
                    continue
                value = (
                    _now_math(bound)
                    if isinstance(bound, str) and bound.startswith("now")
                    else parse_date_nanos(bound)
                )
                if value is None:
                    return index.docs, query
                if op in ("gte", "gt"):
                    lo = max(lo, (bisect.bisect_left if op == "gte" else bisect.bisect_right)(keys, value))
                else:
                    hi = min(hi, (bisect.bisect_right if op == "lte" else bisect.bisect_left)(keys, value))
            remaining = dict(spec, filter=[c for j, c in enumerate(filters) if j != i])
            if not remaining["filter"]:
                del remaining["filter"]
            rest = (
                {"bool": remaining}
                if any(remaining.get(k) for k in ("must", "filter", "should", "must_not"))
                else None
            )
            return docs[lo:hi] if lo < hi else [], rest
        return index.docs, query
