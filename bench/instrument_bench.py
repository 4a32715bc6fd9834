"""Requests/s of a FastAPI endpoint doing ~1 ms of CPU work (a loop calibrated here), four ways, in one run:

  bare             the app as written
  obsctl           after `obsctl instrument init` (default sampler: 10% of new traces to an OTLP
                   sink; metrics; JSON access log with trace ids)
  obsctl 100%      the same app with OTEL_TRACES_SAMPLER_ARG=1: every request traced and exported
  zero-code        `opentelemetry-instrument` (its default: every request traced, to the same sink;
                   no metrics/logs export)
  instrumentator   prometheus-fastapi-instrumentator's Instrumentator().instrument(app).expose(app)

Every server is uvicorn with one worker on 127.0.0.1; the load is a separate process of keep-alive
http.client threads. Each measurement starts a fresh server: two identical bare servers were
measured 3-5% apart for their whole life (memory layout, hash seed), a bias that interleaving a
single process per variant cannot remove. Rounds are interleaved (order rotated) so machine drift
hits all alike. The server runs on one core, the load on another. Printed: medians of req/s and of
the server process's CPU per request (from /proc), the added microseconds per request, and the
percentage over bare taken per round (each variant against the bare server of the same round; median
and p25..p75), which the verdict uses. Goal: obsctl <= 5% with the default sampler, and below the
zero-code auto-instrumentation.

    .venv/bin/python bench/instrument_bench.py [--quick]
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
APP = '''from fastapi import FastAPI

ITERATIONS = @@ITERATIONS@@
app = FastAPI()


@app.get("/work/{n}")
def work(n: int) -> dict:
    x = 0
    for i in range(ITERATIONS):  # a fixed amount of CPU work, calibrated to ~1 ms
        x += i
    return {"n": n, "x": x > 0}
'''
INSTRUMENTATOR = APP + '''
from prometheus_fastapi_instrumentator import Instrumentator

Instrumentator().instrument(app).expose(app)
'''
LOAD = r'''
import http.client, os, sys, threading, time
port, seconds, conns = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
if len(os.sched_getaffinity(0)) > 1:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # the load on one core, the server on another
counts = [0] * conns
stop = time.perf_counter() + seconds
def worker(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.perf_counter() < stop:
        c.request("GET", f"/work/{i}")
        r = c.getresponse(); r.read()
        if r.status == 200:
            counts[i] += 1
ts = [threading.Thread(target=worker, args=(i,)) for i in range(conns)]
start = time.perf_counter()
[t.start() for t in ts]; [t.join() for t in ts]
print(sum(counts) / (time.perf_counter() - start), sum(counts))
'''


class Sink(BaseHTTPRequestHandler):
    """Accepts OTLP exports and drops them (both instrumented variants pay the same export cost)."""

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def calibrate(target: float = 0.001) -> int:
    """Loop iterations that take `target` seconds of CPU here (min of several tries)."""
    n = 100_000
    best = min(_loop_cpu(n) for _ in range(7))
    return max(1000, int(n * target / best))


def _loop_cpu(n: int) -> float:
    start = time.process_time()
    x = 0
    for i in range(n):
        x += i
    return time.process_time() - start


def make_projects(base: Path) -> dict[str, Path]:
    dirs = {}
    iterations = str(calibrate())
    for name, text in (("bare", APP), ("obsctl", APP), ("zero-code", APP), ("instrumentator", INSTRUMENTATOR)):
        d = base / name
        d.mkdir()
        (d / "main.py").write_text(text.replace("@@ITERATIONS@@", iterations))
        (d / "requirements.txt").write_text("fastapi\nuvicorn\n")
        dirs[name] = d
    subprocess.run(["git", "init", "-q"], cwd=dirs["obsctl"], check=True)
    subprocess.run([str(VENV_BIN / "obsctl"), "instrument", "init", "--no-ops", "--force", str(dirs["obsctl"])],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return dirs


def start(name: str, cwd: Path, port: int, sink: str, extra: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": sink, "PYTHONPATH": str(cwd), **extra})
    uvicorn = [str(VENV_BIN / "python"), "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port)]
    if name == "zero-code":
        env.update({"OTEL_SERVICE_NAME": "bench", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none",
                    "OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"})
        uvicorn = [str(VENV_BIN / "opentelemetry-instrument"), *uvicorn]
    return subprocess.Popen(uvicorn, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def pin_server(pid: int) -> None:
    """The server (and the threads it starts) on the last core, away from the load process."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) > 1:
        os.sched_setaffinity(pid, {cores[-1]})


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/work/0", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, every thread) the process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(port: int, seconds: float, conns: int, pid: int) -> tuple[float, float]:
    """(req/s, server CPU microseconds per request) of one load run."""
    before = process_cpu(pid)
    out = subprocess.run([sys.executable, "-c", LOAD, str(port), str(seconds), str(conns)], capture_output=True,
                         text=True, check=True, timeout=seconds + 60)
    rate, count = out.stdout.split()
    return float(rate), (process_cpu(pid) - before) / max(1, int(count)) * 1e6


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass


def measure(kind: str, cwd: Path, sink: str, extra: dict[str, str], warm: float, seconds: float,
            conns: int) -> tuple[float, float]:
    """(req/s, server CPU us per request) of one fresh server, after a warm-up."""
    port = free_port()
    proc = start(kind, cwd, port, sink, extra)
    try:
        pin_server(proc.pid)
        wait_ready(port)
        load(port, warm, conns, proc.pid)
        return load(port, seconds, conns, proc.pid)
    finally:
        stop(proc)


def paired(values: list[float], base: list[float]) -> str:
    """Median and p25..p75 of the per-round percentage over bare: each round's bare ran minutes
    apart at most, so machine drift cancels."""
    pct = sorted((v / b - 1) * 100 for v, b in zip(values, base))
    q = statistics.quantiles(pct, n=4) if len(pct) > 1 else [pct[0], pct[0], pct[0]]
    return f"{statistics.median(pct):+.1f}%  ({q[0]:+.1f}..{q[2]:+.1f})"


def main() -> int:
    quick = "--quick" in sys.argv
    rounds, seconds, conns = (3, 2.0, 4) if quick else (15, 3.0, 4)
    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    sink_url = f"http://127.0.0.1:{sink.server_address[1]}"
    base = Path(tempfile.mkdtemp(prefix="obsctl-bench-"))
    rps: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    try:
        projects = make_projects(base)
        variants: list[tuple[str, str, Path, dict[str, str]]] = [(name, name, cwd, {}) for name, cwd in projects.items()]
        # what the default sampler buys: the same obsctl app keeping every trace
        variants.insert(2, ("obsctl 100%", "obsctl", projects["obsctl"], {"OTEL_TRACES_SAMPLER_ARG": "1"}))
        for r in range(rounds):  # interleaved, the order rotated each round: drift hits every variant alike
            for label, kind, cwd, extra in variants[r % len(variants):] + variants[:r % len(variants)]:
                rate, cpu_us = measure(kind, cwd, sink_url, extra, 1.0, seconds, conns)
                rps[label].append(rate)
                cpu[label].append(cpu_us)
    finally:
        sink.shutdown()
        shutil.rmtree(base, ignore_errors=True)
    bare = statistics.median(rps["bare"])
    print(f"{rounds} interleaved rounds x {seconds:g}s, a fresh server per measurement, {conns} keep-alive "
          "connections, 1 uvicorn worker each")
    print(f"{'variant':<16}{'req/s (median)':>16}{'added us/req':>14}{'vs bare':>10}{'paired, per round (p25..p75)':>32}")
    inverse = [1 / v for v in rps["bare"]]
    for name, values in rps.items():
        med = statistics.median(values)
        added = (1 / med - 1 / bare) * 1e6
        print(f"{name:<16}{med:>16.0f}{added:>14.0f}{(bare / med - 1) * 100:>9.1f}%"
              f"{paired([1 / v for v in values], inverse):>32}")
    base_cpu = statistics.median(cpu["bare"])
    print("\nServer CPU per request under the same load (user + system of the uvicorn process, all threads:")
    print("request handling, span export, logging; steadier than req/s on a shared machine)")
    print(f"{'variant':<16}{'CPU us/req':>16}{'added us/req':>14}{'vs bare':>10}{'paired, per round (p25..p75)':>32}")
    for name, values in cpu.items():
        med = statistics.median(values)
        print(f"{name:<16}{med:>16.0f}{med - base_cpu:>14.0f}{(med / base_cpu - 1) * 100:>9.1f}%"
              f"{paired(values, cpu['bare']):>32}")
    def over_bare(name: str) -> tuple[float, float]:  # paired per-round medians: time per request, CPU
        slow = statistics.median(b / v - 1 for v, b in zip(rps[name], rps["bare"])) * 100
        return slow, statistics.median(v / b - 1 for v, b in zip(cpu[name], cpu["bare"])) * 100

    ours, zero = over_bare("obsctl"), over_bare("zero-code")
    met = max(ours) <= 5
    print(f"\ngoal: obsctl (default sampler) {ours[0]:+.1f}% time, {ours[1]:+.1f}% CPU per request over bare, "
          f"paired per round (<= 5%: {'met' if met else 'missed'}); zero-code {zero[0]:+.1f}% / {zero[1]:+.1f}% "
          f"({'obsctl below it' if max(ours) < min(zero) else 'obsctl NOT below it'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
