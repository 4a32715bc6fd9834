"""Bench: a range query of 1,000 series x 250 points, obsctl -o csv next to promtool -o json.

    python bench/metrics_bench.py [--rounds 7] [--series 1000] [--points 250]

Backfills a fresh Prometheus with `promtool tsdb create-blocks-from openmetrics` (the clean way to
get a full window without waiting), starts it with the test harness, then times whole processes
on the same window, alternating the two tools each round, and prints the medians and the ratio.
Goal: obsctl within 1.5x of promtool.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.servers import env_without_proxies, require, start_prometheus  # noqa: E402

STEP = 15


def write_openmetrics(path: Path, series: int, points: int, end: int) -> None:
    """`bench_metric` gauges, one per series, a sample every STEP seconds up to `end`."""
    start = end - (points - 1) * STEP
    lines = ["# HELP bench_metric Synthetic series for the metrics bench.", "# TYPE bench_metric gauge"]
    for s in range(series):
        labels = f'job="bench",instance="host-{s % 50:02d}:9100",series="{s:04d}"'
        for p in range(points):
            ts = start + p * STEP
            lines.append(f"bench_metric{{{labels}}} {(s * 7 + p * 13) % 1000 / 10} {ts}")
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time of one whole process with stdout to a pipe we drain; returns (seconds, bytes)."""
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed, len(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--points", type=int, default=250)
    args = parser.parse_args()
    try:
        require("prometheus", "promtool")
    except BaseException as exc:  # pytest.skip outside pytest
        raise SystemExit(f"bench needs prometheus and promtool: {exc}") from None

    with tempfile.TemporaryDirectory(prefix="obsctl-bench-") as tmp:
        work = Path(tmp)
        end = (int(time.time()) - 3 * 3600) // STEP * STEP  # well inside retention, outside the head
        start = end - (args.points - 1) * STEP
        om = work / "bench.om.txt"
        write_openmetrics(om, args.series, args.points, end)
        subprocess.run(
            ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(om), str(work / "prom" / "data")],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        server = start_prometheus(work / "prom", scrape_self=False)
        try:
            q = urllib.parse.urlencode({"query": "count(bench_metric)", "time": end})
            with urllib.request.urlopen(f"{server.url}/api/v1/query?{q}", timeout=10) as resp:  # noqa: S310
                count = json.load(resp)["data"]["result"][0]["value"][1]
            print(f"prometheus {server.url}: {count} series backfilled, window {start}..{end} step {STEP}s")

            env = env_without_proxies()
            env["PYTHONPATH"] = str(ROOT / "src")
            env.pop("OBSCTL_PROMETHEUS_URL", None)
            window = [str(start), str(end), f"{STEP}s"]
            obsctl = [
                sys.executable,
                "-m",
                "obsctl",
                "metrics",
                "query",
                "bench_metric",
                "--from",
                window[0],
                "--to",
                window[1],
                "--step",
                window[2],
                "--url",
                server.url,
                "-o",
                "csv",
            ]
            obsctl_json = [*obsctl[:-1], "json"]
            promtool = [
                "promtool",
                "query",
                "range",
                "-o",
                "json",
                "--start",
                window[0],
                "--end",
                window[1],
                "--step",
                window[2],
                server.url,
                "bench_metric",
            ]
            # Check the shape once: 1 header + series x points CSV rows.
            _, size = timed(obsctl, env)
            rows = subprocess.run(obsctl, capture_output=True, env=env, check=True).stdout.count(b"\n") - 1
            print(f"obsctl csv: {rows:,} rows ({size / 1e6:.1f} MB); expected {args.series * args.points:,}")
            for _ in range(2):  # warm caches on both sides
                timed(obsctl, env)
                timed(promtool, env)
            times: dict[str, list[float]] = {
                "obsctl -o csv": [],
                "obsctl -o json": [],
                "promtool -o json": [],
            }
            for _ in range(args.rounds):
                times["promtool -o json"].append(timed(promtool, env)[0])
                times["obsctl -o csv"].append(timed(obsctl, env)[0])
                times["obsctl -o json"].append(timed(obsctl_json, env)[0])
            startup = [
                timed([sys.executable, "-m", "obsctl", "--version"], env)[0] for _ in range(args.rounds)
            ]
        finally:
            server.stop()

    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"\n{args.series} series x {args.points} points, {args.rounds} rounds, whole-process wall time (median):"
    )
    for name, value in med.items():
        print(f"  {name:<18} {value * 1000:7.0f} ms   (min {min(times[name]) * 1000:.0f} ms)")
    print(f"  {'python start-up':<18} {statistics.median(startup) * 1000:7.0f} ms   (obsctl --version)")
    ratio = med["obsctl -o csv"] / med["promtool -o json"]
    ratio_json = med["obsctl -o json"] / med["promtool -o json"]
    print(
        f"\nratio obsctl csv / promtool json: {ratio:.2f}x   (goal <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'})"
    )
    print(f"ratio obsctl json / promtool json: {ratio_json:.2f}x")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
