"""Bench: `obsctl logs` beside es_tail (PyPI elasticsearch-follow) on the same data.

1. throughput: fake-ES pages to a pipe. A page server (its own process, as a real cluster would
   be) answers `_search` pages of synthetic ECS documents as fast as it can; we time
   `obsctl logs search --all -o jsonl` and `-o raw` into a pipe, interleaved with
   `es_tail fetch` over the same documents. Goal: >= 50,000 lines/s.
2. memory: `obsctl logs search --all` over 500,000 documents; RSS after 50,000 lines and at the
   end (flat memory: PIT + search_after, pages written and dropped).
3. loss: the CI loss scenario (tests/integration/logs/test_follow_loss.py: 20,000 documents in
   bursts with equal timestamps, 10% up to 20 s late, two rollovers, 503s, 429s and dropped
   connections) against `obsctl logs tail -f` and against `es_tail tail`, one after the other.

    .venv/bin/python bench/logs_bench.py [--docs 200000] [--rss-docs 500000] [--rounds 3]
                                         [--es-tail /path/to/es_tail] [--skip-loss] [--quick]

es_tail needs the 7.x elasticsearch client: `python -m venv /tmp/esfollow && /tmp/esfollow/bin/pip
install elasticsearch-follow 'elasticsearch>=7.17,<7.18'`. Without it only obsctl is measured.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from _timing import obsctl_script

ROOT = Path(__file__).resolve().parents[1]
OBSCTL = obsctl_script()

PAGE_SERVER = r"""
import http.server, json, sys, orjson
N = int(sys.argv[1])
BASE_MS = 1_764_000_000_000
LEVELS = ("info", "info", "warn", "error")
ROOT_INFO = orjson.dumps({"name": "bench", "cluster_name": "bench", "version": {"number": "8.12.1",
    "build_flavor": "default", "lucene_version": "9.9.2"}, "tagline": "You Know, for Search"})
CAPS = orjson.dumps({"indices": ["logs-bench"], "fields": {
    "@timestamp": {"date": {"type": "date", "searchable": True, "aggregatable": True}},
    "message": {"text": {"type": "text", "searchable": True, "aggregatable": False}},
    "log.level": {"keyword": {"type": "keyword", "searchable": True, "aggregatable": True}},
    "service.name": {"keyword": {"type": "keyword", "searchable": True, "aggregatable": True}},
    "trace.id": {"keyword": {"type": "keyword", "searchable": True, "aggregatable": True}}}})

def iso(ms):
    s, ms = divmod(ms, 1000)
    import time as t
    return t.strftime("%Y-%m-%dT%H:%M:%S", t.gmtime(s)) + ".%03dZ" % ms

def hit(n):
    ms = BASE_MS + n
    src = {"@timestamp": iso(ms), "log.level": LEVELS[n % 4], "service.name": "svc-%d" % (n % 7),
           "message": "GET /api/orders/%d handled in %d ms" % (n, n % 250), "trace.id": "%032x" % (n * 2654435761),
           "http.response.status_code": 200 + (n % 3) * 100}
    return {"_index": "logs-bench", "_id": str(n), "_score": None, "_source": src, "sort": [ms, n]}

def page(start, size, extra=None):
    hits = [hit(n) for n in range(start, min(N, start + size))]
    body = {"took": 1, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": {"value": N, "relation": "eq"}, "max_score": None, "hits": hits}}
    body.update(extra or {})
    return orjson.dumps(body)

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, data, status=200):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n)) if n else {}
    def do_GET(self):
        self.send(ROOT_INFO)
    do_HEAD = do_GET
    def do_DELETE(self):
        self.body()
        self.send(b'{"succeeded":true,"num_freed":1}')
    def do_POST(self):
        path = self.path.split("?")[0]
        body = self.body()
        if path.endswith("/_field_caps"):
            return self.send(CAPS)
        if path.endswith("/_pit"):
            return self.send(b'{"id":"bench-pit"}')
        if path == "/_search/scroll":
            start, size = (int(x) for x in body["scroll_id"].split(":"))
            return self.send(page(start, size, {"_scroll_id": "%d:%d" % (start + size, size)}))
        if path.endswith("/_search"):
            size = int(body.get("size", 10))
            after = body.get("search_after")
            start = int(after[1]) + 1 if after else 0
            extra = {"pit_id": "bench-pit"} if "pit" in body else {}
            if "scroll=" in self.path:
                extra["_scroll_id"] = "%d:%d" % (start + size, size)
            return self.send(page(start, size, extra))
        self.send(b'{"error":"no handler"}', 400)

class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""


def start_page_server(docs: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", PAGE_SERVER, str(docs)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    return proc, f"http://127.0.0.1:{port}"


def run_to_pipe(cmd: list[str], env: dict[str, str], sample_rss_at: int | None = None) -> dict[str, float]:
    """Run `cmd` with stdout to a pipe we drain; lines, seconds, RSS after `sample_rss_at` lines and at the end."""
    import resource

    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    child = psutil.Process(proc.pid)
    lines = 0
    rss_at = rss_peak = 0.0
    while True:
        chunk = proc.stdout.read(1 << 16)
        if not chunk:
            break
        lines += chunk.count(b"\n")
        if sample_rss_at is not None:
            try:
                rss = child.memory_info().rss / 2**20
            except psutil.Error:
                rss = 0.0
            rss_peak = max(rss_peak, rss)
            if not rss_at and lines >= sample_rss_at:
                rss_at = rss
    proc.wait()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"lines": lines, "seconds": seconds, "cpu": cpu, "rss_at": rss_at, "rss_peak": rss_peak}


def throughput(docs: int, rounds: int, es_tail: str | None, es_tail_docs: int) -> None:
    servers = [start_page_server(docs)]
    url = servers[0][1]
    env = {**os.environ, "OBSCTL_CONFIG": os.devnull, "OBSCTL_ELASTICSEARCH_URL": url, "NO_COLOR": "1"}
    tools: dict[str, tuple[list[str], int]] = {
        "obsctl -o jsonl": ([OBSCTL, "logs", "search", "--all", "-i", "logs-bench", "-o", "jsonl"], docs),
        "obsctl -o raw": ([OBSCTL, "logs", "search", "--all", "-i", "logs-bench", "-o", "raw"], docs),
    }
    if es_tail:
        # es_tail prints a few hundred lines/s: it gets a smaller share of the same documents.
        servers.append(start_page_server(es_tail_docs))
        small = servers[1][1]
        tools["es_tail fetch"] = (
            [es_tail, "-c", small, "fetch", "-i", "logs-bench", "-f", "{@timestamp} {message}"],
            es_tail_docs,
        )
    results: dict[str, list[float]] = {name: [] for name in tools}
    per_cpu: dict[str, list[float]] = {name: [] for name in tools}
    try:
        for _ in range(rounds):
            for name, (cmd, expected) in tools.items():  # interleaved: each round runs every tool once
                r = run_to_pipe(cmd, env)
                if r["lines"] != expected:
                    print(f"  {name}: printed {r['lines']:.0f} of {expected} lines")
                results[name].append(r["lines"] / r["seconds"])
                per_cpu[name].append(r["lines"] / max(r["cpu"], 1e-6))
    finally:
        for server, _ in servers:
            server.terminate()
    print(
        f"\nthroughput: fake-ES pages to a pipe (median of {rounds}, lines/s; {docs:,} documents, es_tail {es_tail_docs:,})"
    )
    base = statistics.median(results["obsctl -o jsonl"])
    for name, values in results.items():
        median = statistics.median(values)
        cpu = statistics.median(per_cpu[name])
        print(
            f"  {name:<18} {median:>10,.0f} lines/s wall ({median / base:.3f}x obsctl jsonl); "
            f"{cpu:>10,.0f} lines per CPU-second of the tool itself"
        )


def memory(docs: int) -> None:
    server, url = start_page_server(docs)
    env = {**os.environ, "OBSCTL_CONFIG": os.devnull, "OBSCTL_ELASTICSEARCH_URL": url}
    try:
        r = run_to_pipe([OBSCTL, "logs", "search", "--all", "-i", "logs-bench", "-o", "jsonl"], env, 50_000)
    finally:
        server.terminate()
    print(
        f"\nmemory: search --all over {docs:,} documents ({r['lines']:,.0f} printed in {r['seconds']:.1f} s)"
    )
    print(f"  RSS after 50,000 lines: {r['rss_at']:.0f} MiB; peak over the run: {r['rss_peak']:.0f} MiB")


def loss(es_tail: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    import random

    from tests.fakes.elasticsearch import FakeElasticsearch
    from tests.integration.logs.test_follow_loss import STREAM, TOTAL, _writer

    obsctl = [OBSCTL, "logs", "tail", "-f", "-n", "0", "-o", "raw", "-i", "logs-app-*"]
    runs = [("obsctl tail -f", obsctl, True), ("obsctl, no faults", obsctl, False)]
    if es_tail:
        tail = [es_tail, "-c", "URL", "tail", "-i", "logs-app-*", "-f", "{seq}"]
        runs += [("es_tail tail", tail, True), ("es_tail, no faults", tail, False)]
    print(
        f"\nloss: {TOTAL:,} documents, bursts of equal timestamps, 10% up to 20 s late, 2 rollovers, 503/429/drops"
    )
    for name, template, faults in runs:
        es = FakeElasticsearch("es8", refresh_interval=0.3).start()
        es.create_data_stream(STREAM)
        cmd = [es.url if part == "URL" else part for part in template]
        env = {
            **os.environ,
            "OBSCTL_CONFIG": os.devnull,
            "OBSCTL_ELASTICSEARCH_URL": es.url,
            "PYTHONUNBUFFERED": "1",
        }
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        lines: list[str] = []
        errors: list[str] = []
        for stream, sink in ((proc.stdout, lines), (proc.stderr, errors)):
            threading.Thread(target=sink.extend, args=(stream,), daemon=True).start()
        time.sleep(1.5)
        _writer(es, random.Random(7), faults=faults)
        deadline = time.monotonic() + 60
        while len(lines) < TOTAL and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        time.sleep(1.0)
        crashed = proc.poll() is not None
        if not crashed:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        es.stop()
        seqs = [_seq(line) for line in lines]
        got = [s for s in seqs if s is not None]
        unique = set(got)
        lost = TOTAL - len(unique & set(range(TOTAL)))
        note = (
            f"; exited early: {''.join(errors).strip().splitlines()[-1][:120]}" if crashed and errors else ""
        )
        print(
            f"  {name:<15} printed {len(got):>6,}  missing {lost:>6,}  duplicates {len(got) - len(unique):>6,}{note}"
        )


def _seq(line: str) -> int | None:
    text = line.strip()
    if text.isdigit():
        return int(text)
    if text.startswith("{"):
        import json

        try:
            return int(json.loads(text)["seq"])
        except (ValueError, KeyError, TypeError):
            return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--rss-docs", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--es-tail-docs", type=int, default=5_000)
    parser.add_argument(
        "--es-tail",
        default=shutil.which("es_tail")
        or ("/tmp/esfollow/bin/es_tail" if os.path.exists("/tmp/esfollow/bin/es_tail") else None),
    )
    parser.add_argument("--skip-loss", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="20,000 / 100,000 documents, one round, no loss run"
    )
    args = parser.parse_args()
    if args.quick:
        args.docs, args.rss_docs, args.rounds, args.es_tail_docs, args.skip_loss = (
            20_000,
            100_000,
            1,
            500,
            True,
        )
    print(f"es_tail: {args.es_tail or 'not installed (obsctl only)'}")
    throughput(args.docs, args.rounds, args.es_tail, args.es_tail_docs)
    memory(args.rss_docs)
    if not args.skip_loss:
        loss(args.es_tail)


if __name__ == "__main__":
    main()
