"""Differential: `obsctl metrics query -o json` returns exactly what `promtool query -o json` does.

Both run as separate processes against the same server at the same fixed, whole-second times far
enough in the past that every scrape up to them is stored. Series (label sets) and values (the
exact strings Prometheus sent, NaN and +Inf included) must be identical.
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

from tests.integration.servers import Server, env_without_proxies, require

SRC = str(Path(__file__).resolve().parents[3] / "src")

INSTANT = [
    "up",
    "obsctl_test_temperature_celsius",
    'obsctl_test_requests_total{method="GET"}',
    "sum by (job) (up)",
    "rate(prometheus_http_requests_total[5s])",
    "histogram_quantile(0.9, rate(obsctl_test_latency_seconds_bucket[10s]))",
    "vector(1) / 0",
    "vector(-1) / 0",
    "vector(0) / 0",
    'scalar(obsctl_test_up_ratio{job="exporter"})',
    "no_such_metric_anywhere",
]
RANGE = [
    ("up", "1s"),
    ("obsctl_test_temperature_celsius", "3s"),
    ("rate(prometheus_tsdb_head_samples_appended_total[5s])", "2s"),
    ("obsctl:test_requests:sum", "1s"),
    ("vector(1) / 0", "5s"),
]


def run(argv: list[str], env: dict[str, str]) -> Any:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 0, f"{argv}: {proc.stderr}"
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def canonical(result: Any) -> Any:
    """Sort vectors/matrices by label set so the comparison does not depend on output order."""
    if isinstance(result, list) and result and isinstance(result[0], dict):
        return sorted(result, key=lambda e: sorted(e["metric"].items()))
    return result


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    require("promtool")
    e = env_without_proxies()
    e["PYTHONPATH"] = SRC
    e.pop("OBSCTL_PROMETHEUS_URL", None)
    return e


@pytest.mark.parametrize("expr", INSTANT)
def test_instant_matches_promtool(metrics_prom: Server, env: dict[str, str], expr: str):
    at = int(time.time()) - 5
    promtool = run(
        ["promtool", "query", "instant", "-o", "json", "--time", str(at), metrics_prom.url, expr], env
    )
    obsctl = run(
        [
            sys.executable,
            "-m",
            "obsctl",
            "metrics",
            "query",
            expr,
            "--time",
            str(at),
            "--url",
            metrics_prom.url,
            "-o",
            "json",
        ],
        env,
    )
    # promtool prints nothing at all for an empty vector; obsctl prints the document with [].
    assert canonical(obsctl["result"]) == canonical(promtool if promtool is not None else [])
    if expr != "no_such_metric_anywhere":
        assert obsctl["result"], "the comparison must cover real data"


@pytest.mark.parametrize(("expr", "step"), RANGE)
def test_range_matches_promtool(metrics_prom: Server, env: dict[str, str], expr: str, step: str):
    end = int(time.time()) - 5
    start = end - 20
    window = ["--start", str(start), "--end", str(end), "--step", step]
    promtool = run(["promtool", "query", "range", "-o", "json", *window, metrics_prom.url, expr], env)
    obsctl = run(
        [
            sys.executable,
            "-m",
            "obsctl",
            "metrics",
            "query",
            expr,
            "--from",
            str(start),
            "--to",
            str(end),
            "--step",
            step,
            "--url",
            metrics_prom.url,
            "-o",
            "json",
        ],
        env,
    )
    assert obsctl["resultType"] == "matrix"
    assert canonical(obsctl["result"]) == canonical(promtool)
    assert sum(len(s["values"]) for s in obsctl["result"]) > 0


def test_obsctl_runs_from_this_worktree(env: dict[str, str]):
    out = subprocess.run(
        [sys.executable, "-c", "import obsctl.metrics.window as w; print(w.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert out.startswith(SRC + os.sep)
