"""Bench: `metrics scrape` beside curl | promtool, and a range query beside promtool.

    python bench/metrics_bench.py [--quick] [--rounds 7] [--samples 100000] [--big 1000000]
                                  [--series 1000] [--points 250] [--only scrape|query]

Scrape: writes an exposition of --samples samples (1,000-sample counter families with four labels,
the shape of a busy service's /metrics), serves it from a local `python -m http.server`, and times
`obsctl metrics scrape URL -o csv` beside `curl -sf URL | promtool check metrics`, interleaved
after a warm-up. Goal: ≤ 1.5× the pipeline; obsctl's peak RSS ≤ 80 MiB and flat from --samples
to --big samples.

Query: a range query of 1,000 series x 250 points, obsctl -o csv next to promtool -o json.

Backfills a fresh Prometheus with `promtool tsdb create-blocks-from openmetrics` (the clean way to
get a full window without waiting), starts it with the test harness, then times whole processes
on the same window, alternating the two tools each round, and prints the medians and the ratio.
Goal: obsctl within 1.5x of promtool.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OBSCTL = ROOT / ".venv" / "bin" / "obsctl"  # the installed console script, as users run it
sys.path.insert(0, str(ROOT))

from tests.integration.servers import env_without_proxies, require, start_prometheus  # noqa: E402

STEP = 15


def write_exposition(path: Path, samples: int) -> None:
    """Counter families of 1,000 series each; labels in no particular order, as apps write them."""
    with path.open("w", encoding="utf-8") as fh:
        for fam in range(max(1, samples // 1000)):
            name = f"app_requests_{fam}_total"
            fh.write(f"# HELP {name} Requests handled.\n# TYPE {name} counter\n")
            for j in range(min(1000, samples - fam * 1000)):
                fh.write(
                    f'{name}{{method="GET",path="/api/v{j % 37}/items",code="{200 + j % 5}",'
                    f'instance="host-{j}:9100"}} {j * 3.5}\n'
                )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(argv: list[str], *, shell: bool = False) -> float:
    """Wall seconds of one whole process (output discarded); fails loudly on a non-zero exit."""
    t0 = time.perf_counter()
    proc = subprocess.run(argv if not shell else argv[0], shell=shell, stdout=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{argv} exited {proc.returncode}")
    return elapsed


def peak_rss_mib(argv: list[str]) -> float:
    """Peak resident memory of one child process, in MiB (ru_maxrss of the waited-for child)."""
    code = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024


def scrape_bench(rounds: int, samples: int, big: int) -> None:
    """`obsctl metrics scrape URL -o csv` beside `curl URL | promtool check metrics`, and peak RSS."""
    for tool in ("curl", "promtool"):
        if not shutil.which(tool):
            raise SystemExit(f"bench needs {tool} on PATH")
    if not OBSCTL.exists():
        raise SystemExit(f"{OBSCTL} not found: install obsctl into .venv first (see README)")

    with tempfile.TemporaryDirectory(prefix="obsctl-scrape-bench-") as tmp:
        work = Path(tmp)
        # .txt: http.server answers Content-Type text/plain, as a real /metrics endpoint does.
        write_exposition(work / "small.txt", samples)
        write_exposition(work / "big.txt", big)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(work)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(50):  # wait (at most 5 s) for the server to listen
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            obsctl = [str(OBSCTL), "metrics", "scrape", f"{base}/small.txt", "-o", "csv"]
            pipeline = [f"curl -sf {base}/small.txt | promtool check metrics"]
            for _ in range(2):  # warm-up
                run(obsctl)
                run(pipeline, shell=True)
            times: dict[str, list[float]] = {"obsctl scrape -o csv": [], "curl | promtool check metrics": []}
            for _ in range(rounds):
                times["curl | promtool check metrics"].append(run(pipeline, shell=True))
                times["obsctl scrape -o csv"].append(run(obsctl))
            rss_small = peak_rss_mib(obsctl)
            rss_big = peak_rss_mib([str(OBSCTL), "metrics", "scrape", f"{base}/big.txt", "-o", "csv"])
        finally:
            server.terminate()
            server.wait(timeout=10)

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{samples:,} samples, {rounds} interleaved rounds, whole-process wall time (median):")
    for name, value in med.items():
        print(f"  {name:<30} {value * 1000:7.0f} ms   (min {min(times[name]) * 1000:.0f} ms)")
    ratio = med["obsctl scrape -o csv"] / med["curl | promtool check metrics"]
    print(
        f"\nratio obsctl / curl|promtool: {ratio:.2f}x   (goal <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'})"
    )
    print(
        f"obsctl peak RSS: {rss_small:.1f} MiB at {samples:,} samples, {rss_big:.1f} MiB at {big:,}"
        f"   (goal <= 80 MiB and flat: {'met' if max(rss_small, rss_big) <= 80 and rss_big - rss_small < 10 else 'NOT met'})"
    )


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
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000, help="size for the second RSS reading")
    parser.add_argument("--only", choices=("scrape", "query"))
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 3
    if not OBSCTL.exists():
        raise SystemExit(f"{OBSCTL} not found: install obsctl into .venv first (see README)")
    if args.only != "query":
        scrape_bench(args.rounds, args.samples, args.big)
        print()
    if args.only == "scrape":
        return
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
            env.pop("OBSCTL_PROMETHEUS_URL", None)
            window = [str(start), str(end), f"{STEP}s"]
            obsctl = [
                str(OBSCTL),
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
            startup = [timed([str(OBSCTL), "--version"], env)[0] for _ in range(args.rounds)]
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
