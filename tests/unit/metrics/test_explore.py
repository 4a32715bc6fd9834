"""Explore tables built from upstream example responses (tests/fixtures/prometheus, see PROVENANCE)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from obsctl.metrics.explore import (
    ago,
    alerts_table,
    buildinfo_table,
    exemplars_table,
    metadata_table,
    rules_table,
    series_table,
    targets_table,
)
from tests.conftest import FIXTURES

PROM = FIXTURES / "prometheus"
NOW = datetime(2018, 7, 4, 18, 30, 0, tzinfo=timezone.utc)


def data(name: str):
    return json.loads((PROM / name).read_text())["data"]


def test_targets_active_and_dropped():
    t = targets_table(data("targets.json"), NOW)
    assert [(r["pool"], r["instance"], r["health"]) for r in t.rows] == [
        ("prometheus", "127.0.0.1:9090", "up"),
        ("node", "127.0.0.1:9100", "dropped"),
    ]
    first = t.rows[0]
    assert first["scrape_duration_ms"] == 50.689
    assert first["last_scrape"] == datetime(2017, 1, 17, 14, 7, 44, 723715, tzinfo=timezone.utc)
    assert first["url"] == "http://127.0.0.1:9090/metrics"
    assert t.human["last_scrape"](first["last_scrape"]).endswith(" ago")


def test_rules_alerting_and_recording():
    t = rules_table(data("rules.json"))
    assert [(r["group"], r["name"], r["type"], r["health"], r["state"]) for r in t.rows] == [
        ("example", "HighRequestLatency", "alerting", "ok", "firing"),
        ("example", "job:http_inprogress_requests:sum", "recording", "ok", ""),
    ]
    assert t.rows[0]["for"] == 600 and t.rows[0]["file"] == "/rules.yaml"


def test_alerts_with_age():
    t = alerts_table(data("alerts.json"), NOW)
    (row,) = t.rows
    assert row["alertname"] == "my-alert"
    assert row["state"] == "firing"
    assert row["labels"] == {}
    assert row["annotations"] == {}
    assert t.human["active_at"](row["active_at"]) == ago(row["active_at"], NOW)


def test_exemplars_carry_the_trace_command():
    t = exemplars_table(data("query_exemplars.json"))
    assert [(r["trace_id"], r["value"], r["command"]) for r in t.rows] == [
        ("EpTxMJ40fUus7aGY", "6", "obsctl traces get EpTxMJ40fUus7aGY"),
        ("Olp9XHlq763ccsfa", "19", "obsctl traces get Olp9XHlq763ccsfa"),
        ("hCtjygkIHwAN9vs4", "20", "obsctl traces get hCtjygkIHwAN9vs4"),
    ]
    assert t.rows[0]["series"] == (
        'test_exemplar_metric_total{instance="localhost:8090",job="prometheus",service="bar"}'
    )


def test_metadata_rows_sorted_by_metric():
    t = metadata_table(data("metadata.json"))
    assert [(r["metric"], r["type"]) for r in t.rows] == [
        ("cortex_ring_tokens", "gauge"),
        ("http_requests_total", "counter"),
        ("http_requests_total", "counter"),
    ]


def test_series_union_of_labels():
    t = series_table(data("series.json"))
    assert [c.header for c in t.columns] == ["name", "instance", "job"]
    assert t.rows[2] == {
        "l:__name__": "process_start_time_seconds",
        "l:instance": "localhost:9090",
        "l:job": "prometheus",
    }


def test_buildinfo_document_and_row():
    t = buildinfo_table(data("status_buildinfo.json"), "http://p:9090")
    assert t.rows[0]["version"] == "2.13.1"
    assert t.document["goVersion"] == "go1.13.1"


def test_ago_formats_like_prometheus_durations():
    assert ago(datetime(2018, 7, 4, 18, 28, 30, tzinfo=timezone.utc), NOW) == "1m30s ago"
    assert ago(None, NOW) == "never"
