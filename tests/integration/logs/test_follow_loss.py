"""The loss test: `obsctl logs tail -f -o jsonl` (a real subprocess) against a fake cluster that
behaves like a busy real one, while a writer inserts 20,000 documents:

- bursts in which every document has the same timestamp,
- 10% of documents written with a timestamp up to 20 s in the past (ingest lag),
- a refresh interval (a document is searchable only after the next refresh),
- a data stream whose backing index rolls over twice mid-follow (a new index, `_doc` restarts),
- injected 503s, 429s and dropped connections.

Printed == inserted, with zero duplicates, on es7, es8, es9 and opensearch.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from tests.fakes.elasticsearch import FakeElasticsearch

TOTAL = 20_000
BURSTS = 40
STREAM = "logs-app-default"


def _iso(ts: datetime) -> str:
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


FAULTS: dict[int, Callable[[FakeElasticsearch], object]] = {
    8: lambda es: es.throttle(503, retry_after=None, path="/logs-app", times=3),
    18: lambda es: es.drop_connections(path="/logs-app", times=3),
    31: lambda es: es.throttle(429, retry_after="0", path="/logs-app", times=2),
}


def _writer(es: FakeElasticsearch, rng: random.Random, *, faults: bool = True) -> None:
    per_burst = TOTAL // BURSTS
    seq = 0
    for burst in range(BURSTS):
        now = datetime.now(timezone.utc)
        docs = []
        for _ in range(per_burst):
            ts = now - timedelta(seconds=rng.uniform(0.5, 20)) if rng.random() < 0.10 else now
            docs.append({"@timestamp": _iso(ts), "message": f"line {seq}", "seq": seq, "log.level": "info"})
            seq += 1
        es.add_documents(STREAM, docs)
        if burst in (13, 27):
            es.rollover(STREAM)
        if faults and burst in FAULTS:
            FAULTS[burst](es)
        time.sleep(0.12)


@pytest.mark.slow
@pytest.mark.parametrize("flavor", ["es7", "es8", "es9", "opensearch"])
def test_follow_prints_every_document_once(flavor: str) -> None:
    es = FakeElasticsearch(flavor, refresh_interval=0.3).start()
    try:
        es.create_data_stream(STREAM)
        env = {
            **os.environ,
            "OBSCTL_CONFIG": os.devnull,
            "OBSCTL_ELASTICSEARCH_URL": es.url,
            "NO_COLOR": "1",
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "obsctl",
                "logs",
                "tail",
                "-f",
                "-n",
                "0",
                "-o",
                "jsonl",
                "-i",
                "logs-app-*",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        lines: list[str] = []
        errors: list[str] = []
        readers = [
            threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True),  # type: ignore[arg-type]
            threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True),  # type: ignore[arg-type]
        ]
        for reader in readers:
            reader.start()
        time.sleep(1.5)  # the follower starts (baseline) before the writer
        _writer(es, random.Random(7))
        deadline = time.monotonic() + 90  # a loaded CI machine catches up slower
        while len(lines) < TOTAL and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        time.sleep(0.5)  # anything extra (a duplicate) would arrive now
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"no exit 30 s after SIGINT; {len(lines)} lines; stderr: {''.join(errors)[-2000:]}")
        for reader in readers:
            reader.join(timeout=5)
        err = "".join(errors)
    finally:
        es.stop()
    seqs = [json.loads(line)["source"]["seq"] for line in lines]
    assert proc.returncode == 130, err
    assert len(seqs) == len(set(seqs)), f"duplicates: {len(seqs) - len(set(seqs))}"
    missing = sorted(set(range(TOTAL)) - set(seqs))
    assert not missing, f"{len(missing)} lost, e.g. {missing[:10]}; stderr: {err[-2000:]}"
    assert len(seqs) == TOTAL
