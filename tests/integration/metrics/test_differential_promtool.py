"""Differential: `obsctl metrics query -o json` returns exactly what `promtool query -o json` does.

Both run as separate processes (side by side) against the shared Prometheus at the same fixed,
whole-second times. "past" expressions are evaluated inside the backfilled history (the exporter's
series, rates and histograms over it); "live" ones over what Prometheus scraped and evaluated itself
(its own counters, the recording rule), three seconds back so every sample up to then is
stored. Series (label sets) and values (the exact strings Prometheus sent, NaN and +Inf included)
must be identical.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.servers import Server, env_without_proxies, get_json, require, wait_until

SRC = str(Path(__file__).resolve().parents[3] / "src")

INSTANT = [
    ("up", "past"),
    ("obsctl_test_temperature_celsius", "past"),
    ('obsctl_test_requests_total{method="GET"}', "past"),
    ("sum by (job) (up)", "past"),
    ("rate(obsctl_test_requests_total[5s])", "past"),
    ("histogram_quantile(0.75, rate(obsctl_test_latency_seconds_bucket[10s]))", "past"),
    ("rate(obsctl_test_latency_seconds_sum[10s])", "past"),
    ("vector(1) / 0", "past"),
    ("vector(-1) / 0", "past"),
    ("vector(0) / 0", "past"),
    ('scalar(obsctl_test_up_ratio{job="exporter"})', "past"),
    ("no_such_metric_anywhere", "past"),
    ("up", "live"),
    ("rate(prometheus_http_requests_total[1m])", "live"),
    ("obsctl:test_requests:sum", "live"),
]
RANGE = [
    ("up", "1s", "past"),
    ("obsctl_test_temperature_celsius", "3s", "past"),
    ("rate(obsctl_test_requests_total[5s])", "2s", "past"),
    ("vector(1) / 0", "5s", "past"),
    ("rate(prometheus_tsdb_head_samples_appended_total[5s])", "2s", "live"),
    ("obsctl:test_requests:sum", "1s", "live"),
]


def run_side_by_side(promtool: list[str], obsctl: list[str], env: dict[str, str]) -> tuple[Any, Any]:
    """Run both commands at once; each must exit 0. Returns their decoded JSON (None for no output)."""
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # noqa: S603
        for argv in (promtool, obsctl)
    ]
    decoded = []
    for argv, proc in zip((promtool, obsctl), procs, strict=True):
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, f"{argv}: {err}"
        decoded.append(json.loads(out) if out.strip() else None)
    return decoded[0], decoded[1]


def canonical(result: Any) -> Any:
    """Sort vectors/matrices by label set so the comparison does not depend on output order."""
    if isinstance(result, list) and result and isinstance(result[0], dict):
        return sorted(result, key=lambda e: sorted(e["metric"].items()))
    return result


def evaluation_time(prometheus: Server, when: str) -> int:
    """Past: half a minute before the end of the backfill. Live: three seconds ago, once Prometheus
    has scraped itself at least twice and evaluated its rules by then (waits only right after start)."""
    if when == "past":
        return int(prometheus.extra["history_end"]) - 30

    def settled() -> bool:
        at = str(int(time.time()) - 3)
        scrapes = get_json(
            prometheus, "/api/v1/query", query="count_over_time(prometheus_build_info[5s])", time=at
        )
        rule = get_json(prometheus, "/api/v1/query", query="obsctl:test_requests:sum", time=at)
        results = scrapes["data"]["result"]
        return bool(results) and float(results[0]["value"][1]) >= 2 and bool(rule["data"]["result"])

    assert wait_until(settled, timeout=20, interval=0.2), "Prometheus has no settled live data"
    return int(time.time()) - 3


def obsctl(expr: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "obsctl", "metrics", "query", expr, *args, "-o", "json"]


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    require("promtool")
    e = env_without_proxies()
    e["PYTHONPATH"] = SRC
    e.pop("OBSCTL_PROMETHEUS_URL", None)
    return e


@pytest.mark.parametrize(("expr", "when"), INSTANT)
def test_instant_matches_promtool(prometheus: Server, env: dict[str, str], expr: str, when: str):
    at = str(evaluation_time(prometheus, when))
    promtool, ours = run_side_by_side(
        ["promtool", "query", "instant", "-o", "json", "--time", at, prometheus.url, expr],
        obsctl(expr, "--time", at, "--url", prometheus.url),
        env,
    )
    # promtool prints nothing at all for an empty vector; obsctl prints the document with [].
    assert canonical(ours["result"]) == canonical(promtool if promtool is not None else [])
    if expr != "no_such_metric_anywhere":
        assert ours["result"], "the comparison must cover real data"


@pytest.mark.parametrize(("expr", "step", "when"), RANGE)
def test_range_matches_promtool(prometheus: Server, env: dict[str, str], expr: str, step: str, when: str):
    end = evaluation_time(prometheus, when)
    start = end - 20
    window = ["--start", str(start), "--end", str(end), "--step", step]
    promtool, ours = run_side_by_side(
        ["promtool", "query", "range", "-o", "json", *window, prometheus.url, expr],
        obsctl(expr, "--from", str(start), "--to", str(end), "--step", step, "--url", prometheus.url),
        env,
    )
    assert ours["resultType"] == "matrix"
    assert canonical(ours["result"]) == canonical(promtool)
    assert sum(len(s["values"]) for s in ours["result"]) > 0


def test_obsctl_runs_from_this_worktree(env: dict[str, str]):
    out = subprocess.run(
        [sys.executable, "-c", "import obsctl.metrics.window as w; print(w.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert out.startswith(SRC + os.sep)
