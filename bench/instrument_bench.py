"""Requests/s of a FastAPI endpoint doing ~1 ms of CPU work (a loop calibrated here), four ways, in one run:

  bare             the app as written
  obsctl           after `obsctl instrument init` (traces to an OTLP sink, metrics, JSON logs)
  zero-code        `opentelemetry-instrument` (traces to the same sink, no metrics/logs export)
  instrumentator   prometheus-fastapi-instrumentator's Instrumentator().instrument(app).expose(app)

Every server is uvicorn with one worker on 127.0.0.1; the load is a separate process of keep-alive
http.client threads. Rounds are interleaved so machine drift hits all alike; medians are printed
with the added microseconds per request and the percentage over bare. Goal: obsctl <= 5% with the
default sampler, and below the zero-code auto-instrumentation.

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
import http.client, sys, threading, time
port, seconds, conns = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
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
print(sum(counts) / (time.perf_counter() - start))
'''


CPU = r'''
import asyncio, sys, time
sys.path.insert(0, sys.argv[1])
from main import app
async def call(path):
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"bench")], "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1)}
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        return None
    await app(scope, receive, send)
async def main():
    for _ in range(200):
        await call("/work/1")
    runs = []
    for _ in range(3):
        start = time.process_time()
        for _ in range(300):
            await call("/work/1")
        runs.append((time.process_time() - start) / 300 * 1e6)
    print("CPU_US=%.1f" % min(runs))
asyncio.run(main())
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


def start(name: str, cwd: Path, port: int, sink: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": sink, "PYTHONPATH": str(cwd)})
    uvicorn = [str(VENV_BIN / "python"), "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port)]
    if name == "zero-code":
        env.update({"OTEL_SERVICE_NAME": "bench", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none",
                    "OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"})
        uvicorn = [str(VENV_BIN / "opentelemetry-instrument"), *uvicorn]
    return subprocess.Popen(uvicorn, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/work/0", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


def cpu_per_request(name: str, cwd: Path, sink: str, extra: dict[str, str] | None = None) -> float:
    """CPU microseconds per request (all threads), requests driven in-process through ASGI: immune to
    other processes competing for the cores, unlike req/s."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": sink, **(extra or {})})
    argv = [sys.executable, "-c", CPU, str(cwd)]
    if name == "zero-code":
        env.update({"OTEL_SERVICE_NAME": "bench", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none",
                    "OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"})
        argv = [str(VENV_BIN / "opentelemetry-instrument"), *argv]
    out = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=True, timeout=300)
    line = next(x for x in out.stdout.splitlines() if x.startswith("CPU_US="))
    return float(line.split("=", 1)[1])


def load(port: int, seconds: float, conns: int) -> float:
    out = subprocess.run([sys.executable, "-c", LOAD, str(port), str(seconds), str(conns)], capture_output=True,
                         text=True, check=True, timeout=seconds + 60)
    return float(out.stdout.strip())


def main() -> int:
    quick = "--quick" in sys.argv
    rounds, seconds, conns = (3, 2.0, 4) if quick else (7, 4.0, 4)
    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    sink_url = f"http://127.0.0.1:{sink.server_address[1]}"
    base = Path(tempfile.mkdtemp(prefix="obsctl-bench-"))
    procs: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    cpu: dict[str, float] = {}
    try:
        projects = make_projects(base)
        variants = [(name, name, cwd, {}) for name, cwd in projects.items()]
        # what head sampling buys: the same obsctl app keeping 10% of traces
        variants.append(("obsctl 10%", "obsctl", projects["obsctl"], {"OTEL_TRACES_SAMPLER_ARG": "0.1"}))
        for _ in range(rounds):  # interleaved, min per variant: drift hits every variant alike
            for label, kind, cwd, extra in variants:
                value = cpu_per_request(kind, cwd, sink_url, extra)
                cpu[label] = min(cpu.get(label, value), value)
        for name, cwd in projects.items():
            port = free_port()
            procs[name] = (start(name, cwd, port, sink_url), port)
        for _, port in procs.values():
            wait_ready(port)
        for _, port in procs.values():
            load(port, 1.0, conns)  # warm-up
        rps: dict[str, list[float]] = {name: [] for name in procs}
        for _ in range(rounds):
            for name, (_, port) in procs.items():
                rps[name].append(load(port, seconds, conns))
    finally:
        for proc, _ in procs.values():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        sink.shutdown()
        shutil.rmtree(base, ignore_errors=True)
    bare = statistics.median(rps["bare"])
    print(f"{rounds} interleaved rounds x {seconds:g}s, {conns} keep-alive connections, 1 uvicorn worker each")
    print(f"{'variant':<16}{'req/s (median)':>16}{'added us/req':>14}{'vs bare':>10}")
    for name, values in rps.items():
        med = statistics.median(values)
        added = (1 / med - 1 / bare) * 1e6
        print(f"{name:<16}{med:>16.0f}{added:>14.0f}{(bare / med - 1) * 100:>9.1f}%")
    print("\nCPU per request, in-process through ASGI (min over rounds of 3 x 300 requests; other load barely disturbs it)")
    print(f"{'variant':<16}{'CPU us/req':>16}{'added us/req':>14}{'vs bare':>10}")
    for name, value in cpu.items():
        print(f"{name:<16}{value:>16.0f}{value - cpu['bare']:>14.0f}{(value / cpu['bare'] - 1) * 100:>9.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
