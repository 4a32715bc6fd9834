"""`obsctl metrics` against a real Prometheus 2.42 scraping itself and the KnownExporter."""

from __future__ import annotations

import json
import time

import pytest

from tests.integration.exporter import HISTORY_SECONDS, TRACE_ID, KnownExporter
from tests.integration.servers import Server


def aligned_past(seconds_ago: int = 5) -> int:
    """A whole second far enough back that every scrape at or before it is stored."""
    return int(time.time()) - seconds_ago


def test_instant_query_exact_values_with_quoted_labels(run_cli, prom_env):
    result = run_cli(["metrics", "query", "obsctl_test_temperature_celsius", "-o", "json"], env=prom_env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["resultType"] == "vector"
    got = {e["metric"]["room"]: e["value"][1] for e in doc["result"]}
    assert got == {"lab a": "21.5", 'it\'s "quoted"': "-4.25"}
    assert doc["warnings"] == [] and doc["infos"] == []


def test_instant_query_piped_tsv(run_cli, prom_env, exporter: KnownExporter):
    result = run_cli(["metrics", "query", 'obsctl_test_requests_total{method="GET"}'], env=prom_env)
    assert result.stdout == f"obsctl_test_requests_total\t200\t{exporter.address}\texporter\tGET\t1027\n"


def test_range_query_points_and_values(run_cli, prom_env):
    end = aligned_past()
    result = run_cli(
        [
            "metrics",
            "query",
            "obsctl_test_up_ratio",
            "--from",
            str(end - 10),
            "--to",
            str(end),
            "--step",
            "2s",
            "-o",
            "json",
        ],
        env=prom_env,
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (series,) = doc["result"]
    assert [v for _, v in series["values"]] == ["1"] * 6
    assert [t for t, _ in series["values"]] == [end - 10 + 2 * i for i in range(6)]
    assert doc["window"]["points"] == 6


def test_range_csv_one_row_per_sample(run_cli, prom_env, exporter: KnownExporter):
    end = aligned_past()
    result = run_cli(
        [
            "metrics",
            "query",
            "obsctl_test_temperature_celsius",
            "--from",
            str(end - 4),
            "--to",
            str(end),
            "--step",
            "1s",
            "-o",
            "csv",
        ],
        env=prom_env,
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "__name__,instance,job,room,timestamp,value"
    assert (
        lines[1]
        == f'obsctl_test_temperature_celsius,{exporter.address},exporter,"it\'s ""quoted""",{end - 4},-4.25'
    )
    assert len(lines) == 1 + 2 * 5


def test_series_labels_and_label_values(run_cli, prom_env):
    series = run_cli(["metrics", "series", "obsctl_test_temperature_celsius", "-o", "json"], env=prom_env)
    assert sorted(s["room"] for s in json.loads(series.stdout)) == ['it\'s "quoted"', "lab a"]
    labels = run_cli(["metrics", "labels", "--match", "obsctl_test_temperature_celsius"], env=prom_env)
    assert labels.stdout.splitlines() == ["__name__", "instance", "job", "room"]
    values = run_cli(["metrics", "label-values", "room"], env=prom_env)
    assert values.stdout.splitlines() == ['it\'s "quoted"', "lab a"]
    names = run_cli(
        ["metrics", "label-values", "__name__", "--match", '{job="exporter", __name__=~"obsctl_.*"}'],
        env=prom_env,
    )
    assert names.stdout.splitlines() == [
        "obsctl_test_latency_seconds_bucket",
        "obsctl_test_latency_seconds_count",
        "obsctl_test_latency_seconds_sum",
        "obsctl_test_requests_total",
        "obsctl_test_temperature_celsius",
        "obsctl_test_up_ratio",
    ]


def test_targets_health_and_check(run_cli, prom_env, prometheus: Server, exporter: KnownExporter):
    result = run_cli(["metrics", "targets", "-o", "json"], env=prom_env)
    rows = {r["instance"]: r for r in json.loads(result.stdout)}
    assert rows[exporter.address]["health"] == "up"
    assert rows[f"127.0.0.1:{prometheus.port}"]["health"] == "up"
    dead = rows[prometheus.extra["dead"]]
    assert dead["health"] == "down"
    assert "connection refused" in dead["error"]
    check = run_cli(["metrics", "targets", "--check"], env=prom_env)
    assert check.exit_code == 1
    assert check.stderr.startswith(
        f"obsctl: error: 1 of 3 targets are not up: exporter {prometheus.extra['dead']} is down ("
    )
    healthy = run_cli(["metrics", "targets", "--check", "--pool", "prometheus"], env=prom_env)
    assert healthy.exit_code == 0, healthy.output


def test_rules_from_the_loaded_file(run_cli, prom_env):
    result = run_cli(["metrics", "rules", "-o", "json"], env=prom_env)
    rules = {r["name"]: r for r in json.loads(result.stdout)}
    assert rules["AlwaysFiring"]["state"] == "firing"
    assert rules["AlwaysPending"]["state"] == "pending"
    assert rules["obsctl:test_requests:sum"]["type"] == "recording"
    assert all(r["health"] == "ok" and r["group"] == "obsctl-test" for r in rules.values())
    only_alerts = run_cli(["metrics", "rules", "--type", "alert"], env=prom_env)
    assert [line.split("\t")[1] for line in only_alerts.stdout.splitlines()] == [
        "AlwaysFiring",
        "AlwaysPending",
    ]


def test_alerts_pending_and_firing(run_cli, prom_env):
    result = run_cli(["metrics", "alerts", "-o", "json"], env=prom_env)
    alerts = [(a["alertname"], a["state"], a["labels"], a["value"]) for a in json.loads(result.stdout)]
    assert alerts == [
        ("AlwaysFiring", "firing", {"severity": "page"}, "1e+00"),
        ("AlwaysPending", "pending", {"severity": "ticket"}, "2e+00"),
    ]
    firing = run_cli(["metrics", "alerts", "--state", "firing"], env=prom_env)
    assert firing.stdout.startswith("AlwaysFiring\tfiring\t")


def test_metadata_including_openmetrics_family_names(run_cli, prom_env):
    temp = run_cli(["metrics", "metadata", "obsctl_test_temperature_celsius"], env=prom_env)
    assert temp.stdout == "obsctl_test_temperature_celsius\tgauge\t\tRoom temperature.\n"
    counter = run_cli(["metrics", "metadata", "obsctl_test_requests_total"], env=prom_env)
    assert counter.stdout == "obsctl_test_requests\tcounter\t\tRequests handled, by method and code.\n"


def test_exemplars_with_trace_commands(run_cli, prom_env):
    result = run_cli(
        ["metrics", "exemplars", "obsctl_test_latency_seconds_bucket", "--since", "10m", "-o", "json"],
        env=prom_env,
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows
    assert {r["trace_id"] for r in rows} == {TRACE_ID}
    assert {r["value"] for r in rows} == {"0.05"}
    assert rows[0]["command"] == f"obsctl traces get {TRACE_ID}"
    assert rows[0]["series_labels"]["le"] == "0.1"


def test_buildinfo(run_cli, prom_env):
    doc = json.loads(run_cli(["metrics", "buildinfo", "-o", "json"], env=prom_env).stdout)
    assert doc["version"].startswith("2.42.")
    assert doc["url"] == prom_env["OBSCTL_PROMETHEUS_URL"]


def test_syntax_error_exits_2_with_the_real_servers_message(run_cli, prom_env):
    result = run_cli(["metrics", "query", "sum(rate(up[5m])"], env=prom_env)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:3] == [
        "obsctl: error: bad PromQL: 1:17: parse error: unclosed left parenthesis",
        "  sum(rate(up[5m])",
        "                  ^",
    ]


def test_unknown_metric_is_empty_and_exit_0(run_cli, prom_env):
    piped = run_cli(["metrics", "query", "no_such_metric_anywhere"], env=prom_env)
    assert (piped.exit_code, piped.stdout, piped.stderr) == (0, "", "")
    tty = run_cli(["metrics", "query", "no_such_metric_anywhere"], env=prom_env, tty=True)
    assert tty.stderr == "obsctl: no series matched (unknown metric, or no samples in this window)\n"


def test_server_refusing_too_many_points_is_caught_before_sending(run_cli, prom_env):
    result = run_cli(["metrics", "query", "up", "--since", "2d", "--step", "1s"], env=prom_env)
    assert result.exit_code == 2
    assert "the limit is 11,000" in result.stderr


def test_long_expression_is_posted(run_cli, prom_env):
    expr = (
        "count(" + " or ".join(f'obsctl_test_up_ratio{{job="exporter",x!="{i}"}}' for i in range(300)) + ")"
    )
    assert len(expr) > 10_000
    result = run_cli(["metrics", "query", expr, "-o", "json"], env=prom_env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["result"][0]["value"][1] == "1"


def test_stats_from_the_server(run_cli, prom_env):
    result = run_cli(["metrics", "query", "up", "--stats"], env=prom_env)
    assert result.exit_code == 0
    assert result.stderr.startswith("stats: exec ")
    assert " samples 3 total, 3 peak" in result.stderr


def test_scrape_the_exporter_negotiates_openmetrics_with_exemplars(run_cli, exporter: KnownExporter):
    result = run_cli(["metrics", "scrape", exporter.url, "-o", "json"])
    assert result.exit_code == 0, result.output
    fams = {f["name"]: f for f in json.loads(result.stdout)}
    assert fams["obsctl_test_requests"]["type"] == "counter"
    first = fams["obsctl_test_requests"]["samples"][0]
    assert first == {
        "name": "obsctl_test_requests_total",
        "labels": {"method": "GET", "code": "200"},
        "value": "1027",
        "exemplar": {"labels": {"trace_id": TRACE_ID}, "value": "1"},
    }
    assert fams["obsctl_test_temperature_celsius"]["samples"][1]["labels"] == {"room": 'it\'s "quoted"'}


def test_scrape_unreachable_exits_5(run_cli, prometheus: Server):
    result = run_cli(["metrics", "scrape", f"http://{prometheus.extra['dead']}/metrics"])
    assert result.exit_code == 5
    assert result.stderr.startswith(
        f"obsctl: error: cannot reach http://{prometheus.extra['dead']}/metrics: connection refused"
    )


def test_export_csv_in_chunks_equals_one_range_query(run_cli, prom_env):
    end = aligned_past()
    window = ["--from", str(end - 20), "--to", str(end), "--step", "1s"]
    exported = run_cli(
        ["metrics", "export", "obsctl_test_temperature_celsius", *window, "--chunk", "7s"], env=prom_env
    )
    single = run_cli(
        ["metrics", "query", "obsctl_test_temperature_celsius", *window, "-o", "csv"], env=prom_env
    )
    assert exported.exit_code == 0, exported.output
    # Same header and the same rows; export writes them chunk by chunk, a query series by series.
    assert exported.stdout.splitlines()[0] == single.stdout.splitlines()[0]
    assert sorted(exported.stdout.splitlines()) == sorted(single.stdout.splitlines())
    assert len(exported.stdout.splitlines()) == 1 + 2 * 21


@pytest.mark.parametrize("fmt", ["table", "wide", "yaml", "jsonl", "tsv", "graph"])
def test_every_format_renders_a_range(run_cli, prom_env, fmt):
    result = run_cli(
        ["metrics", "query", "up", "--since", "20s", "-o", fmt, "--legend", "{{job}}"], env=prom_env, tty=True
    )
    assert result.exit_code == 0, result.output
    assert "exporter" in result.stdout


def test_backfilled_past_and_live_scrapes_are_one_series(run_cli, prom_env):
    # The shared Prometheus starts with 10 minutes of the exporter's past written by promtool; the
    # live scrapes continue those series: same labels, more samples, counters without a reset.
    count = run_cli(
        ["metrics", "query", "count_over_time(obsctl_test_up_ratio[15m])", "-o", "json"], env=prom_env
    )
    (series,) = json.loads(count.stdout)["result"]
    assert int(series["value"][1]) > HISTORY_SECONDS + 1
    resets = run_cli(
        ["metrics", "query", "resets(obsctl_test_requests_total[15m])", "-o", "json"], env=prom_env
    )
    assert [s["value"][1] for s in json.loads(resets.stdout)["result"]] == ["0", "0"]
