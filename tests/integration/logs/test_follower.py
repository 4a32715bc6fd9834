"""EsFollower against the fake cluster in-process: late documents beyond --lag are still printed
with a warning, `event.ingested` is followed when mapped, an index created under the pattern
mid-follow is picked up, and transient errors are survived."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from obsctl.core.http import build_client
from obsctl.core.settings import BackendSettings
from obsctl.logs.client import EsClient
from obsctl.logs.follow import EsFollower, FollowConfig
from obsctl.logs.query import Filters
from obsctl.logs.sources import EsSource
from tests.fakes.elasticsearch import FakeElasticsearch


def _iso(seconds_ago: float) -> str:
    ts = datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _follower(es: FakeElasticsearch, lag: float, warnings: list[str], index: str = "logs-*") -> EsFollower:
    api = build_client(BackendSettings("elasticsearch", es.url, retries=0), context=None)
    source = EsSource(EsClient(api), index)
    config = FollowConfig(lag=lag, wide_every=0.0)
    return EsFollower(source, Filters(), config, warn=warnings.append)


def _poll(follower: EsFollower) -> list[str]:
    return [r.message for r in follower.poll()]


def test_late_beyond_lag_is_printed_with_a_warning_and_nothing_twice():
    with FakeElasticsearch("es8") as es:
        es.add_documents("logs-a", [{"@timestamp": _iso(0), "message": "before start"}])
        warnings: list[str] = []
        follower = _follower(es, 1.0, warnings)
        follower.baseline()
        es.add_documents("logs-a", [{"@timestamp": _iso(0), "message": "new"}])
        assert _poll(follower) == ["new"]
        es.add_documents("logs-a", [{"@timestamp": _iso(0.5), "message": "late, within lag"}])
        assert _poll(follower) == ["late, within lag"]
        es.add_documents("logs-a", [{"@timestamp": _iso(2.5), "message": "very late"}])
        assert _poll(follower) == ["very late"]
        assert len(warnings) == 1 and "later than --lag 1s" in warnings[0] and "raise --lag" in warnings[0]
        assert _poll(follower) == []


def test_follows_event_ingested_and_picks_up_new_indices():
    with FakeElasticsearch("opensearch", ingest_timestamp=True) as es:
        es.add_documents("logs-a", [{"@timestamp": _iso(0), "message": "seed doc"}])
        warnings: list[str] = []
        follower = _follower(es, 30.0, warnings)
        assert follower.field == "event.ingested"
        follower.baseline()
        # An hour-old timestamp, ingested now: found by ingest time, no lag problem.
        es.add_documents("logs-a", [{"@timestamp": _iso(3600), "message": "replayed"}])
        es.add_documents("logs-b", [{"@timestamp": _iso(0), "message": "from a new index"}])
        assert sorted(_poll(follower)) == ["from a new index", "replayed"]
        assert warnings == []


def test_transient_errors_back_off_and_resume():
    with FakeElasticsearch("es9") as es:
        es.add_documents("logs-a", [{"@timestamp": _iso(0), "message": "x"}])
        warnings: list[str] = []
        follower = _follower(es, 5.0, warnings)
        follower.baseline()
        es.throttle(503, retry_after=None, times=2)
        es.drop_connections(times=1)
        es.add_documents("logs-a", [{"@timestamp": _iso(0), "message": "after the outage"}])
        got: list[str] = []
        sleeps: list[float] = []

        class Done(Exception):
            pass

        def emit(rec) -> None:
            got.append(rec.message)
            raise Done

        try:
            follower.run(emit, sleep=sleeps.append, deadline=time.monotonic() + 10)
        except Done:
            pass
        assert got == ["after the outage"]
        assert sleeps == [0.25, 0.5, 1.0]  # backoff on the two 503s and the dropped connection
        retries = [w for w in warnings if "retrying" in w]
        assert len(retries) == 2 and "503" in retries[0] and "attempt 1" in retries[0]  # 1st and 3rd only
        assert ("attempt 3" in retries[1] and "without" in retries[1]) or "connection" in retries[1]


def test_a_pattern_empty_at_start_takes_the_fields_of_the_first_index():
    with FakeElasticsearch("es7") as es:
        warnings: list[str] = []
        follower = _follower(es, 30.0, warnings, index="app-*")
        follower.baseline()
        assert _poll(follower) == []
        # the seed's formatter: `timestamp` (naive UTC), no @timestamp
        naive = _iso(0).rstrip("Z")
        es.add_documents("app-seed", [{"timestamp": naive, "level": "INFO", "message": "first line"}])
        assert _poll(follower) == ["first line"]
        assert follower.field == "timestamp"
