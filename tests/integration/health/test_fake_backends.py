"""`obsctl health` against the in-process fake Elasticsearch and Jaeger over real sockets:
cluster colours, log freshness (fresh, stale, empty, missing index), auth refused, unreachable,
throttling, Jaeger api_v3 and the v1 fallback on each Jaeger version."""

# ruff: noqa: F811 - pytest fixtures are imported by name and then requested as arguments
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.fakes import (  # noqa: F401 - pytest fixtures
    Fault,
    load_fixture_traces,
    make_fake_es,
    make_fake_jaeger,
)
from tests.integration.servers import free_port

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
SRC = Path(__file__).parents[3] / "src"


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def es_results(run_cli, url: str, *args: str, now: datetime = NOW, env: dict[str, str] | None = None):
    result = run_cli(
        ["health", "--only", "elasticsearch", "-o", "json", *args],
        env={"OBSCTL_ELASTICSEARCH_URL": url, **(env or {})},
        now=lambda: now,
    )
    return result, json.loads(result.stdout)["results"]


@pytest.mark.parametrize(
    ("color", "status", "summary", "code"),
    [
        ("green", "pass", "green, 1 node(s), 0 unassigned shard(s)", 0),
        (
            "yellow",
            "warn",
            "cluster health: expected green, observed yellow, 1 node(s), 1 unassigned shard(s)",
            0,
        ),
        ("red", "fail", "cluster health: expected green, observed red, 1 node(s), 2 unassigned shard(s)", 1),
    ],
)
def test_cluster_health_colours(run_cli, make_fake_es, color, status, summary, code):
    es = make_fake_es("es8", documents={"logs-app": [{"@timestamp": iso(NOW - timedelta(seconds=30))}]})
    es.cluster_status = color
    result, (health, fresh) = es_results(run_cli, es.url)
    assert (health["check"], health["status"], health["summary"]) == ("cluster health", status, summary)
    assert health["observed"]["cluster_name"] == "testcluster"
    assert (fresh["status"], fresh["summary"]) == ("pass", "newest document 30s old")
    assert result.exit_code == code


def test_freshness_uses_the_newest_ecs_document(run_cli, make_fake_es):
    # The OTel-exporter docs (2024-03-12T20:00:41.123Z) are the newest of the ECS fixtures.
    es = make_fake_es("es8", ecs_logs=True)
    es.cluster_status = "green"
    now = datetime(2024, 3, 12, 20, 2, 41, tzinfo=timezone.utc)
    result, (_, fresh) = es_results(run_cli, es.url, now=now)
    assert fresh["check"] == "freshness logs-*"
    assert fresh["observed"]["newest"] == "2024-03-12T20:00:41.123456Z"
    assert fresh["observed"]["index"] == "logs-*"
    assert (fresh["status"], fresh["summary"]) == ("pass", "newest document 2m old")
    assert result.exit_code == 0
    search = next(r for r in es.requests if r.path.endswith("/_search"))
    assert (search.path, search.param("ignore_unavailable"), search.param("allow_no_indices")) == (
        "/logs-*/_search",
        "true",
        "true",
    )


@pytest.mark.parametrize(
    ("age", "status", "summary", "code"),
    [
        (
            timedelta(minutes=10),
            "warn",
            "newest document: expected younger than warn 5m, fail 1h, observed 10m old",
            0,
        ),
        (
            timedelta(hours=3),
            "fail",
            "newest document: expected younger than warn 5m, fail 1h, observed 3h old",
            1,
        ),
    ],
)
def test_stale_logs_warn_then_fail(run_cli, make_fake_es, age, status, summary, code):
    es = make_fake_es("es8", documents={"logs-app": [{"@timestamp": iso(NOW - age), "message": "x"}]})
    es.cluster_status = "green"
    result, (_, fresh) = es_results(run_cli, es.url)
    assert (fresh["status"], fresh["summary"]) == (status, summary)
    assert result.exit_code == code


def test_epoch_millis_timestamp_of_the_otel_exporter(run_cli, make_fake_es):
    doc = {
        "@timestamp": f"{int((NOW - timedelta(seconds=90)).timestamp() * 1000)}.456789",
        "body": {"text": "x"},
    }
    es = make_fake_es("es8", documents={"logs-otel": [doc]})
    es.cluster_status = "green"
    _, (_, fresh) = es_results(run_cli, es.url)
    assert (fresh["status"], fresh["summary"]) == ("pass", "newest document 1m30s old")


@pytest.mark.parametrize("setup", ["empty index", "no index at all"])
def test_empty_or_missing_logs_index_warns(run_cli, make_fake_es, setup):
    es = make_fake_es("es8")
    if setup == "empty index":
        es.create_index("logs-app")
    es.cluster_status = "green"
    result, (_, fresh) = es_results(run_cli, es.url)
    assert (fresh["status"], fresh["summary"]) == (
        "warn",
        "newest document: expected a document in logs-*, observed no documents",
    )
    assert result.exit_code == 0


def test_a_named_missing_index_is_reported_not_crashed(run_cli, make_fake_es, tmp_path):
    es = make_fake_es("es8")
    es.cluster_status = "green"
    probes = tmp_path / "probes.yaml"
    probes.write_text("probes:\n  - name: es\n    backend: {name: elasticsearch, index: app-logs}\n")
    result = run_cli(["health", "-f", str(probes), "-o", "json"], env={"OBSCTL_ELASTICSEARCH_URL": es.url})
    fresh = json.loads(result.stdout)["results"][1]
    # ignore_unavailable=true: real ES answers 200 with no hits for a missing concrete index.
    assert (fresh["check"], fresh["status"]) == ("freshness app-logs", "warn")
    assert fresh["summary"] == "newest document: expected a document in app-logs, observed no documents"


def test_timestamp_field_without_mapping_is_a_real_400(run_cli, make_fake_es, tmp_path):
    # A text field cannot be sorted on: ES answers 400 search_phase_execution_exception (fielddata).
    es = make_fake_es("es8", documents={"app": [{"@timestamp": iso(NOW), "when": "yesterday"}]})
    probes = tmp_path / "probes.yaml"
    probes.write_text(
        "probes:\n  - name: es\n    backend: {name: elasticsearch, index: app, timestamp_field: when}\n"
    )
    result = run_cli(["health", "-f", str(probes), "-o", "json"], env={"OBSCTL_ELASTICSEARCH_URL": es.url})
    fresh = json.loads(result.stdout)["results"][1]
    assert fresh["status"] == "fail"
    assert fresh["summary"].startswith(
        f"elasticsearch at {es.url}/app/_search?ignore_unavailable=true&allow_no_indices=true answered 400: "
        "search_phase_execution_exception: all shards failed"
    )
    assert result.exit_code == 1


def test_auth_refused_and_accepted(run_cli, make_fake_es):
    es = make_fake_es("es8", auth=("elastic", "changeme"), documents={"logs-a": [{"@timestamp": iso(NOW)}]})
    result, results = es_results(run_cli, es.url)
    # Refused credentials would fail every later check the same way: one failure, then stop.
    assert [(r["check"], r["status"]) for r in results] == [("cluster health", "fail")]
    assert results[0]["summary"] == (
        f"authentication failed: elasticsearch at {es.url}/_cluster/health answered 401: "
        "security_exception: missing authentication credentials for REST request [/_cluster/health]"
    )
    assert result.exit_code == 1
    ok, results = es_results(
        run_cli,
        es.url,
        env={"OBSCTL_ELASTICSEARCH_USERNAME": "elastic", "OBSCTL_ELASTICSEARCH_PASSWORD": "changeme"},
    )
    assert [r["status"] for r in results] == ["warn", "pass"]
    assert es.requests[-1].header("Authorization") == "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="


def test_failed_backend_checks_keep_their_check_names(run_cli, make_fake_es, make_fake_jaeger):
    es = make_fake_es("es8")
    es.inject(Fault(status=500, body=b'{"error":{"type":"boom","reason":"boom"},"status":500}', times=None))
    _, results = es_results(run_cli, es.url)
    assert [r["status"] for r in results] == ["fail", "fail"]
    jaeger = make_fake_jaeger("main")
    jaeger.inject(Fault(status=500, body=b'{"error":{"httpCode":500,"message":"boom"}}\n', times=None))
    _, (jr,) = jaeger_result(run_cli, jaeger.url)
    assert [r["check"] for r in results] + [jr["check"]] == ["cluster health", "freshness logs-*", "services"]


def test_unreachable_stops_the_backend(run_cli):
    url = f"http://127.0.0.1:{free_port()}"
    result, results = es_results(run_cli, url)
    assert [(r["check"], r["status"]) for r in results] == [("cluster health", "fail")]
    assert results[0]["summary"] == f"cannot reach elasticsearch at {url}: connection refused"
    assert result.exit_code == 1


def test_dropped_connection_is_unreachable(run_cli, make_fake_es):
    es = make_fake_es("es8")
    es.drop_connections(times=None)
    _, results = es_results(run_cli, es.url)
    assert [(r["check"], r["status"]) for r in results] == [("cluster health", "fail")]
    assert results[0]["summary"] == (
        f"cannot reach elasticsearch at {es.url}: server closed the connection before sending a response"
    )


def test_throttled_then_served_is_retried(run_cli, make_fake_es):
    es = make_fake_es("es8", documents={"logs-a": [{"@timestamp": iso(NOW)}]})
    es.throttle(429, retry_after="0", path="/_cluster/health", times=1)
    _, results = es_results(run_cli, es.url)
    assert results[0]["status"] == "warn"
    assert [r.path for r in es.requests][:2] == ["/_cluster/health", "/_cluster/health"]


def test_opensearch_flavour_is_checked_too(run_cli, make_fake_es):
    # obsctl talks plain HTTP, so no product check: OpenSearch is a fine logs store.
    es = make_fake_es("opensearch", documents={"logs-a": [{"@timestamp": iso(NOW - timedelta(seconds=5))}]})
    _, results = es_results(run_cli, es.url)
    assert [(r["status"], r["summary"]) for r in results][1] == ("pass", "newest document 5s old")


# --- Jaeger ------------------------------------------------------------------------------------------


def jaeger_result(run_cli, url: str):
    result = run_cli(["health", "--only", "jaeger", "-o", "json"], env={"OBSCTL_JAEGER_URL": url})
    return result, json.loads(result.stdout)["results"]


@pytest.mark.parametrize(
    ("version", "api", "paths"),
    [
        ("main", "api_v3", ["/api/v3/services"]),
        ("v2.20", "api_v3", ["/api/v3/services"]),
        ("v1", "v1", ["/api/v3/services", "/api/services"]),
    ],
)
def test_jaeger_services_on_each_version(run_cli, make_fake_jaeger, version, api, paths):
    jaeger = make_fake_jaeger(version, traces=load_fixture_traces())
    result, (r,) = jaeger_result(run_cli, jaeger.url)
    assert (r["check"], r["status"]) == ("services", "pass")
    assert r["summary"] == "7 service(s): customer, driver, frontend, my.service, mysql…"
    assert r["observed"]["api"] == api
    assert [q.path for q in jaeger.requests] == paths
    assert result.exit_code == 0


def test_jaeger_without_services_warns(run_cli, make_fake_jaeger):
    jaeger = make_fake_jaeger("main")
    result, (r,) = jaeger_result(run_cli, jaeger.url)
    assert (r["status"], r["summary"]) == ("warn", "services: expected at least one service, observed 0")
    assert result.exit_code == 0


def test_jaeger_storage_unavailable_fails_with_its_message(run_cli, make_fake_jaeger):
    jaeger = make_fake_jaeger("main", traces=load_fixture_traces())
    body = b'{"error":{"httpCode":500,"message":"elasticsearch: connection refused"}}\n'
    jaeger.inject(
        Fault(status=500, body=body, headers=[("Content-Type", "text/plain; charset=utf-8")], times=None)
    )
    result, (r,) = jaeger_result(run_cli, jaeger.url)
    assert r["status"] == "fail"
    assert r["summary"] == (
        f"jaeger at {jaeger.url}/api/v3/services answered 500: elasticsearch: connection refused"
    )
    assert result.exit_code == 1


# --- one real subprocess --------------------------------------------------------------------------------


def test_subprocess_against_both_fakes(make_fake_es, make_fake_jaeger, tmp_path):
    es = make_fake_es("es9", documents={"logs-a": [{"@timestamp": iso(datetime.now(timezone.utc))}]})
    es.cluster_status = "green"
    jaeger = make_fake_jaeger("main", traces=load_fixture_traces())
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / ".config"),
        "NO_COLOR": "1",
        "PYTHONPATH": str(SRC),
        "OBSCTL_ELASTICSEARCH_URL": es.url,
        "OBSCTL_JAEGER_URL": jaeger.url,
    }
    proc = subprocess.run(
        [sys.executable, "-m", "obsctl", "health", "--only", "elasticsearch,jaeger"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    assert [row[:3] for row in rows] == [
        ["pass", "elasticsearch", "cluster health"],
        ["pass", "elasticsearch", "freshness logs-*"],
        ["pass", "jaeger", "services"],
    ], proc.stdout + proc.stderr
    assert rows[2][3] == "7 service(s): customer, driver, frontend, my.service, mysql…"
    assert proc.returncode == 0
    assert proc.stderr == proc.stderr.splitlines()[0] + "\n"  # one summary line on stderr
    assert proc.stderr.startswith("3 passed, 0 failed (3 checks in ")
