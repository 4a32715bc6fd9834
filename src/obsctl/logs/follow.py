"""Follow an index pattern with no gap and no duplicate (research anchors.md §2c).

Every tail tool people use loses lines: a fixed poll size, a watermark compared with `>`, an
id memory shorter than ingest lag. Here:

1. *Baseline*: before anything is printed, the ids of every match with follow-field >= now - lag
   are read (ids only). They count as seen: they existed before the follow started.
2. *Tail scan*: sort [follow field asc, `_doc` asc] (no `_id` fielddata), `search_after` from the
   last hit, page until a short page. Unseen hits are printed and remembered by (_index, _id).
3. *Late check*: a date_histogram over [W - lag, W] (W = newest follow-field value read) is
   compared, bucket by bucket, with the documents already seen. A bucket holding more documents
   than were seen is re-read; its unseen documents (written late, refreshed late, or skipped by a
   `_doc` tie across indices) are printed. Re-reading only such buckets keeps polls cheap.
4. Every `wide_every` seconds the same check runs over the older part of the remembered horizon:
   a document found there arrived later than --lag; it is printed with a warning naming its delay.
5. The follow field is `event.ingested` when mapped (set at ingest: lag only from refresh).
6. Errors that pass (429, 502-504, timeouts, dropped connections) back off and resume from the
   same state; an index created under the pattern is searched by the next poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from obsctl.core.errors import BackendError, UnreachableError
from obsctl.core.timeparse import format_duration
from obsctl.logs.query import Filters, es_filters
from obsctl.logs.record import LogRecord
from obsctl.logs.sources import EsSource

TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
MAX_SEEN = 400_000
BUCKETS_PER_LAG = 120


@dataclass
class FollowConfig:
    lag: float = 30.0
    page_size: int = 1000
    min_interval: float = 0.25
    max_interval: float = 5.0
    wide_every: float = 10.0
    horizon_factor: int = 4


@dataclass
class _State:
    cursor: list[Any] | None = None
    watermark: int | None = None  # ms of the newest follow-field value read
    seen: dict[tuple[str, str], int] = field(default_factory=dict)  # (index, id) -> ms
    buckets: dict[int, int] = field(default_factory=dict)  # bucket start ms -> seen count


class EsFollower:
    """Gap-free follow over an EsSource; `poll()` yields new records in arrival order."""

    def __init__(
        self,
        source: EsSource,
        filters: Filters,
        config: FollowConfig | None = None,
        *,
        now: Callable[[], float] = time.time,
        warn: Callable[[str], None] = lambda _m: None,
    ) -> None:
        self.source = source
        self.filters = filters.without_time()
        self.config = config or FollowConfig()
        self.now = now
        self.warn = warn
        self.state = _State()
        self.lag_ms = int(self.config.lag * 1000)
        self.bucket_ms = max(10, self.lag_ms // BUCKETS_PER_LAG)
        self._last_wide = 0.0
        self._floor = 0
        self._roles_known = bool(source.roles.fields)
        self.field = source.roles.follow_field
        self.nanos = source.roles.timestamp_nanos and self.field == source.roles.timestamp

    # --- helpers ------------------------------------------------------------------------------
    def _ms(self, hit: dict[str, Any]) -> int:
        value = (hit.get("sort") or [None])[0]
        if value is None:
            return self.state.watermark or 0
        number = int(value) if not isinstance(value, str) or value.lstrip("-").isdigit() else 0
        return number // 1_000_000 if self.nanos else number

    def _query(self, gte: int | None = None, lt: int | None = None) -> dict[str, Any]:
        clauses = es_filters(self.filters, self.source.roles)
        bounds: dict[str, Any] = {"format": "epoch_millis"}
        if gte is not None:
            bounds["gte"] = gte
        if lt is not None:
            bounds["lt"] = lt
        if len(bounds) > 1:
            clauses.append({"range": {self.field: bounds}})
        return {"bool": {"filter": clauses}}

    def _scan(
        self, query: dict[str, Any], after: list[Any] | None, ids_only: bool = False
    ) -> Iterator[dict[str, Any]]:
        sort = self.source.sort("asc", field=self.field)
        size = self.config.page_size
        while True:
            body = self.source.body(query, size=size, sort=sort, search_after=after, ids_only=ids_only)
            hits = self.source.client.search(self.source.index, body)["hits"]["hits"]
            yield from hits
            if len(hits) < size:
                return
            after = hits[-1].get("sort")

    def _remember(self, hit: dict[str, Any], ms: int) -> bool:
        """True when the hit is new (and now remembered)."""
        key = (hit.get("_index") or "", hit.get("_id") or "")
        if key in self.state.seen:
            return False
        self.state.seen[key] = ms
        bucket = ms - ms % self.bucket_ms
        self.state.buckets[bucket] = self.state.buckets.get(bucket, 0) + 1
        return True

    def _advance(self, hit: dict[str, Any], ms: int) -> None:
        self.state.cursor = hit.get("sort")
        if self.state.watermark is None or ms > self.state.watermark:
            self.state.watermark = ms

    # --- phases -------------------------------------------------------------------------------
    def baseline(self) -> None:
        """Mark everything already in the window as seen: it existed before the follow started."""
        now = int(self.now() * 1000)
        start = now - self.lag_ms * self.config.horizon_factor
        self._floor = start - start % self.bucket_ms + self.bucket_ms  # first whole bucket known
        for hit in self._scan(self._query(gte=start), None, ids_only=True):
            ms = self._ms(hit)
            self._remember(hit, ms)
            self._advance(hit, ms)
        if self.state.watermark is None:
            self.state.watermark = now - self.lag_ms
        self._last_wide = self.now()

    def baseline_add(self, printed: Iterable[LogRecord]) -> None:
        """Records printed as history (read after the baseline) are seen too: never twice."""
        for rec in printed:
            if rec.index is None or rec.id is None:
                continue
            same_field = self.field == self.source.roles.timestamp
            ms = self._ms({"sort": rec.sort}) if rec.sort and same_field else (self.state.watermark or 0)
            self._remember({"_index": rec.index, "_id": rec.id}, ms)

    def poll(self) -> Iterator[LogRecord]:
        """One round: tail scan, then the late check (and now and then the wide check)."""
        if self.state.watermark is None:
            self.baseline()
        if not self._roles_known:
            # Nothing matched the pattern when the follow started: the first index to appear
            # decides the fields (a seed-format `timestamp`, `event.ingested`, ...).
            roles = self.source.roles
            if roles.fields:
                self._roles_known = True
                self.field = roles.follow_field
                self.nanos = roles.timestamp_nanos and self.field == roles.timestamp
        yield from self._tail()
        top = self.state.watermark or 0
        edge = top - self.lag_ms
        edge -= edge % self.bucket_ms
        yield from self._late(edge, top + 1, warn=False)
        if self.now() - self._last_wide >= self.config.wide_every:
            self._last_wide = self.now()
            horizon = top - self.lag_ms * self.config.horizon_factor
            oldest = max(self._floor, horizon - horizon % self.bucket_ms + self.bucket_ms)
            if oldest < edge:
                yield from self._late(oldest, edge, warn=True)
            self._prune()

    def _tail(self) -> Iterator[LogRecord]:
        cursor = self.state.cursor
        gte = self._ms({"sort": cursor}) if cursor else self.state.watermark
        for hit in self._scan(self._query(gte=gte), cursor):
            ms = self._ms(hit)
            new = self._remember(hit, ms)
            self._advance(hit, ms)
            if new:
                yield self.source.record(hit)

    def _late(self, lo: int, hi: int, *, warn: bool) -> Iterator[LogRecord]:
        """Re-read the buckets in [lo, hi) whose server count exceeds what was seen."""
        agg = {
            "date_histogram": {
                "field": self.field,
                "fixed_interval": f"{self.bucket_ms}ms",
                "min_doc_count": 1,
            }
        }
        body = {"size": 0, "track_total_hits": False, "query": self._query(gte=lo, lt=hi), "aggs": {"b": agg}}
        data = self.source.client.search(self.source.index, body)
        buckets = ((data.get("aggregations") or {}).get("b") or {}).get("buckets") or []
        surplus = [
            int(b["key"]) for b in buckets if int(b["doc_count"]) > self.state.buckets.get(int(b["key"]), 0)
        ]
        late = 0
        worst = 0
        for start, end in _ranges(surplus, self.bucket_ms):
            for hit in self._scan(self._query(gte=max(start, lo), lt=min(end, hi)), None):
                ms = self._ms(hit)
                if self._remember(hit, ms):
                    late += 1
                    worst = max(worst, (self.state.watermark or ms) - ms)
                    yield self.source.record(hit)
        if warn and late:
            self.warn(
                f"{late} document(s) arrived later than --lag {format_duration(self.config.lag)} "
                f"(up to {format_duration(worst / 1000)} behind the newest {self.field}); they are printed "
                "now, out of order: raise --lag"
            )

    def _prune(self) -> None:
        """Forget ids older than the horizon (lag x factor), and beyond MAX_SEEN the oldest."""
        horizon = (self.state.watermark or 0) - self.lag_ms * self.config.horizon_factor
        seen = self.state.seen
        if len(seen) > MAX_SEEN:
            cut = sorted(seen.values())[len(seen) - MAX_SEEN]
            horizon = max(horizon, min(cut, (self.state.watermark or 0) - self.lag_ms))
        old = [k for k, ms in seen.items() if ms < horizon]
        for k in old:
            del seen[k]
        for b in [b for b in self.state.buckets if b + self.bucket_ms <= horizon]:
            del self.state.buckets[b]

    # --- the loop ---------------------------------------------------------------------------
    def run(
        self,
        emit: Callable[[LogRecord], None],
        *,
        sleep: Callable[[float], None] = time.sleep,
        deadline: float | None = None,
        flush: Callable[[], None] = lambda: None,
    ) -> None:
        """Poll until `deadline` (monotonic) or forever; transient errors back off and resume."""
        interval = self.config.min_interval
        failures = 0
        while deadline is None or time.monotonic() < deadline:
            try:
                got = 0
                for rec in self.poll():
                    emit(rec)
                    got += 1
                flush()
                if failures:
                    self.warn("elasticsearch answers again: resuming from where the follow stopped")
                failures = 0
                interval = self.config.min_interval if got else min(interval * 1.5, self.config.max_interval)
            except (UnreachableError, BackendError) as exc:
                flush()
                if isinstance(exc, BackendError) and exc.status not in TRANSIENT_STATUS:
                    raise
                failures += 1
                interval = min(0.25 * 2 ** min(failures - 1, 5), 5.0)
                if failures in (1, 3) or failures % 10 == 0:
                    self.warn(f"{exc.message}; retrying in {interval:g}s (attempt {failures})")
            wait = interval if deadline is None else max(0.0, min(interval, deadline - time.monotonic()))
            if wait:
                sleep(wait)


def _ranges(keys: list[int], width: int) -> list[tuple[int, int]]:
    """Bucket start keys merged into [start, end) ranges of adjacent buckets."""
    out: list[tuple[int, int]] = []
    for key in sorted(keys):
        if out and key <= out[-1][1]:
            out[-1] = (out[-1][0], key + width)
        else:
            out.append((key, key + width))
    return out
