"""Bench: `obsctl traces` on a 10,000-span trace, from a file and through the fake Jaeger, and the
ingest rate of the OTLP receiver fed by the real OpenTelemetry SDK exporter.

Goals (issue #11): the 10,000-span OTLP JSON file rendered with --critical-path and --summary in
under 1 s (whole process); the same trace fetched from Jaeger compared with fetching its raw JSON
with curl (what the terminal tools that query a backend print); spans/s into `traces listen`.

    python bench/traces_bench.py [--spans 10000] [--rounds 5]

Runs the installed console script (.venv/bin/obsctl) beside curl, interleaved, and prints ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import env_with, interleaved, median_ms  # noqa: E402

OBSCTL = str(ROOT / ".venv" / "bin" / "obsctl")
BASE = 1_767_225_600_000_000_000


def big_trace(spans: int, seed: int = 7) -> dict:
    """A synthetic OTLP JSON trace: 20 services, fan-out up to 8, concurrent and sequential children."""
    rnd = random.Random(seed)
    trace_id = f"{rnd.getrandbits(128):032x}"
    services = [f"svc-{i:02d}" for i in range(20)]
    nodes = [("0" * 15 + "1", None, BASE, BASE + 10_000_000_000, services[0])]
    frontier = [0]
    while len(nodes) < spans and frontier:
        parent = nodes[frontier.pop(0)]
        _, _, ps, pe, _ = parent
        kids = rnd.randint(1, 8)
        cursor = ps
        for _ in range(kids):
            if len(nodes) >= spans:
                break
            start = cursor if rnd.random() < 0.5 else rnd.randint(ps, max(ps, (ps + pe) // 2))
            end = min(pe, start + rnd.randint(1, max(2, (pe - start))))
            cursor = end
            nodes.append((f"{len(nodes) + 1:016x}", parent[0], start, end, rnd.choice(services)))
            frontier.append(len(nodes) - 1)
    by_service: dict[str, list] = {}
    for sid, parent_id, start, end, service in nodes:
        span = {
            "traceId": trace_id,
            "spanId": sid,
            "name": f"op-{int(sid, 16) % 50}",
            "kind": 2,
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(end),
            "attributes": [{"key": "http.route", "value": {"stringValue": "/x"}}],
            "status": {"code": 2, "message": "boom"} if rnd.random() < 0.01 else {},
        }
        if parent_id:
            span["parentSpanId"] = parent_id
        by_service.setdefault(service, []).append(span)
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": s}}]},
                "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans_}],
            }
            for s, spans_ in by_service.items()
        ]
    }


def file_bench(path: Path, rounds: int) -> None:
    env = env_with(COLUMNS="160", NO_COLOR="1")
    commands = {
        "waterfall --critical-path": (
            [OBSCTL, "traces", "get", "--file", str(path), "--critical-path", "--bars"],
            env,
        ),
        "--summary": ([OBSCTL, "traces", "get", "--file", str(path), "--summary"], env),
        "-o json": ([OBSCTL, "traces", "get", "--file", str(path), "-o", "json"], env),
    }
    samples = interleaved(commands, rounds=rounds, warmup=1)
    print(f"file ({path.stat().st_size / 1e6:.1f} MB OTLP JSON):")
    for name, values in samples.items():
        ms = median_ms(values)
        print(
            f"  obsctl traces get {name:<28} {ms:7.0f} ms  {'ok' if ms < 1000 else 'OVER'} (goal < 1000 ms)"
        )


def jaeger_bench(doc: dict, rounds: int) -> None:
    from tests.fakes.jaeger import FakeJaeger

    trace_id = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"]
    with FakeJaeger("main", traces=[doc]) as fake:
        url = f"{fake.url}/api/v3/traces/{trace_id}"
        env = env_with(COLUMNS="160", NO_COLOR="1", OBSCTL_JAEGER_URL=fake.url)
        commands = {
            "obsctl waterfall --critical-path": ([OBSCTL, "traces", "get", trace_id, "--critical-path"], env)
        }
        curl = shutil.which("curl")
        if curl:
            commands["curl (raw JSON only)"] = ([curl, "-s", "-o", "/dev/null", url], env)
        samples = interleaved(commands, rounds=rounds, warmup=1)
    print("through the fake Jaeger (api_v3, main):")
    medians = {name: median_ms(v) for name, v in samples.items()}
    for name, ms in medians.items():
        print(f"  {name:<36} {ms:7.0f} ms")
    if len(medians) == 2:
        a, b = medians.values()
        print(
            f"  ratio obsctl / curl: {a / b:.1f}x (obsctl parses, analyses and renders; curl only downloads)"
        )


def listen_bench(total: int) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from obsctl.traces.receiver import Receiver

    for kind in ("protobuf", "json"):
        with Receiver(port=0) as rx:
            if kind == "protobuf":
                exporter = OTLPSpanExporter(endpoint=rx.endpoint + "/v1/traces")
            else:
                from opentelemetry.exporter.otlp.json.http.trace_exporter import (
                    OTLPSpanExporter as JsonExporter,
                )

                exporter = JsonExporter(endpoint=rx.endpoint + "/v1/traces")
            provider = TracerProvider(resource=Resource.create({"service.name": "bench"}))
            provider.add_span_processor(
                BatchSpanProcessor(exporter, max_queue_size=total, max_export_batch_size=512)
            )
            tracer = provider.get_tracer("bench")
            started = time.perf_counter()
            for _ in range(total // 10):
                with tracer.start_as_current_span("root"):
                    for _ in range(9):
                        with tracer.start_as_current_span("child"):
                            pass
            provider.force_flush()
            got = len(rx.wait_for_spans(total, timeout=120))
            elapsed = time.perf_counter() - started
            provider.shutdown()
        print(
            f"traces listen ingest ({kind}, SDK BatchSpanProcessor -> OTLP/HTTP): {got} spans in {elapsed:.2f} s = {got / elapsed:,.0f} spans/s (SDK and receiver in one process)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ingest-spans", type=int, default=20_000)
    args = parser.parse_args()
    doc = big_trace(args.spans)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.json"
        path.write_text(json.dumps(doc))
        file_bench(path, args.rounds)
    jaeger_bench(doc, args.rounds)
    listen_bench(args.ingest_spans)


if __name__ == "__main__":
    main()
