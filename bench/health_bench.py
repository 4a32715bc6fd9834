"""Bench: 200 HTTP probes against a local server answering in 100-300 ms.

Goal (issue #4): the whole `obsctl health -f` run finishes within 1.5x the slowest single probe.
Prints, next to each other: one probe against the slowest endpoint (whole process), all 200 at once
(whole process, and the runner's own wall time), and the same 200 one by one (-j 1).

    python bench/health_bench.py [--probes 200] [--rounds 3]

Timings belong here, not in tests. The server runs in its own process (as a real service would),
with a listen backlog large enough for 200 simultaneous connects.
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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OBSCTL = ROOT / ".venv" / "bin" / "obsctl"

SERVER = r"""
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        ms = int(self.path.rsplit("/", 1)[1]) if self.path.startswith("/delay/") else 0
        time.sleep(ms / 1000)
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
s = S(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""


def obsctl(args: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "NO_COLOR": "1"}
    started = time.perf_counter()
    # The installed console script, as users run it (not `python -m` with PYTHONPATH).
    proc = subprocess.run([str(OBSCTL), *args], capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - started, proc


def probes_file(path: Path, port: int, delays: list[int]) -> str:
    lines = ["probes:"]
    for i, ms in enumerate(delays):
        lines.append(
            f'  - {{name: p{i:03d}, timeout: 5s, http: {{url: "http://127.0.0.1:{port}/delay/{ms}"}}}}'
        )
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 round (bench/run.py --quick)")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 1
    if not OBSCTL.exists():
        raise SystemExit(f"{OBSCTL} not found: install obsctl into .venv first (see README)")

    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    port = int(server.stdout.readline())
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/delay/0", timeout=5).read()  # noqa: S310 - loopback
        n = args.probes
        delays = [100 + (200 * i) // max(1, n - 1) for i in range(n)]  # 100..300 ms, evenly spread
        with tempfile.TemporaryDirectory() as tmp:
            single = probes_file(Path(tmp) / "single.yaml", port, [max(delays)])
            many = probes_file(Path(tmp) / "many.yaml", port, delays)
            single_runs, many_runs, inner_runs = [], [], []
            for _ in range(args.rounds):
                t, proc = obsctl(["health", "-f", single, "-o", "json"])
                assert proc.returncode == 0, proc.stderr
                single_runs.append(t)
                slowest_probe_ms = json.loads(proc.stdout)["results"][0]["duration_ms"]
                t, proc = obsctl(["health", "-f", many, "-o", "json"])
                assert proc.returncode == 0, proc.stderr
                doc = json.loads(proc.stdout)
                assert doc["summary"]["passed"] == n, doc["summary"]
                many_runs.append(t)
                inner_runs.append(doc["duration_ms"] / 1000)
            seq_time, proc = obsctl(["health", "-f", many, "-o", "json", "-j", "1"])
            assert proc.returncode == 0, proc.stderr
    finally:
        server.terminate()
        server.wait()

    single_t = statistics.median(single_runs)
    many_t = statistics.median(many_runs)
    inner_t = statistics.median(inner_runs)
    slowest = max(delays) / 1000
    print(
        f"{n} HTTP probes, server latency 100-300 ms, median of {args.rounds} rounds, {os.cpu_count()} CPUs"
    )
    print(
        f"  slowest single probe, whole process      {single_t:7.3f} s  (probe itself {slowest_probe_ms / 1000:.3f} s)"
    )
    print(
        f"  {n} probes at once, whole process        {many_t:7.3f} s  ratio {many_t / single_t:.2f}x the slowest single probe"
    )
    print(
        f"  {n} probes at once, runner wall time     {inner_t:7.3f} s  ratio {inner_t / slowest:.2f}x the slowest latency ({slowest:.1f} s)"
    )
    print(
        f"  {n} probes one by one (-j 1), process   {seq_time:7.3f} s  ratio {seq_time / many_t:.1f}x slower than at once"
    )
    goal = many_t <= 1.5 * single_t
    print(f"  goal: at once <= 1.5x slowest single: {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()
