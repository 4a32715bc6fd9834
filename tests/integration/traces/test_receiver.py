"""`traces listen` / the Receiver library, fed by the real OpenTelemetry SDK's OTLP/HTTP exporters."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from obsctl.traces.load import load_file
from obsctl.traces.receiver import Receiver


def _provider(exporter):
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def _emit(provider) -> None:
    from opentelemetry.trace import Status, StatusCode

    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("GET /cart") as root:
        root.set_attribute("http.request.method", "GET")
        with tracer.start_as_current_span("db query") as db:
            db.set_status(Status(StatusCode.ERROR, "deadlock"))
    provider.shutdown()


def _exporter(kind: str, endpoint: str, compression: str | None = None):
    if kind == "protobuf":
        from opentelemetry.exporter.otlp.proto.http import Compression
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    else:
        from opentelemetry.exporter.otlp.common.http import Compression  # type: ignore[no-redef]
        from opentelemetry.exporter.otlp.json.http.trace_exporter import OTLPSpanExporter  # type: ignore[no-redef]
    comp = Compression(compression or "none")
    return OTLPSpanExporter(endpoint=endpoint + "/v1/traces", compression=comp)


@pytest.mark.parametrize("kind", ["protobuf", "json"])
@pytest.mark.parametrize("compression", [None, "gzip"])
def test_sdk_exporters_reach_the_receiver(kind: str, compression: str | None, tmp_path: Path):
    save = tmp_path / "out.jsonl"
    with Receiver(port=0, save=save) as rx:
        _emit(_provider(_exporter(kind, rx.endpoint, compression)))
        spans = rx.wait_for_spans(2, timeout=10)
        (trace,) = rx.take_finished(flush=True)
    assert sorted(s.operation for s in spans) == ["GET /cart", "db query"]
    assert trace.root is not None and trace.root.operation == "GET /cart"
    db = next(s for s in trace.spans if s.operation == "db query")
    assert (db.status, db.status_message, db.parent_id) == ("error", "deadlock", trace.root.span_id)
    assert len(db.trace_id) == 32 and int(db.trace_id, 16)
    saved = load_file(str(save))
    assert [t.trace_id for t in saved] == [trace.trace_id]


@pytest.mark.filterwarnings(
    "ignore::DeprecationWarning"
)  # the SDK's LoggingHandler, still the simplest bridge
def test_logs_and_metrics_from_the_sdk():
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    with Receiver(port=0) as rx:
        logs = LoggerProvider()
        logs.add_log_record_processor(
            SimpleLogRecordProcessor(OTLPLogExporter(endpoint=rx.endpoint + "/v1/logs"))
        )
        import logging

        from opentelemetry.sdk._logs import LoggingHandler

        logger = logging.getLogger("obsctl.test.receiver")
        handler = LoggingHandler(logger_provider=logs)
        logger.addHandler(handler)
        logger.warning("cart is empty")
        logger.removeHandler(handler)
        logs.shutdown()
        reader = PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=rx.endpoint + "/v1/metrics"))
        meters = MeterProvider(metric_readers=[reader])
        meters.get_meter("test").create_counter("orders").add(3)
        meters.shutdown()
        deadline = time.monotonic() + 10
        while (not rx.logs or not rx.metrics) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert rx.counts["logs"] == 1 and rx.counts["metrics"] >= 1
    assert {b.signal for b in rx.batches(idle=0.05)} == {"logs", "metrics"}
    record = rx.logs[0]["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
    assert record["body"] == {"stringValue": "cart is empty"}


def test_bad_payloads_get_400_and_the_receiver_keeps_going():
    with Receiver(port=0) as rx, httpx.Client(base_url=rx.endpoint) as http:
        proto = {"Content-Type": "application/x-protobuf"}
        answers = [
            http.post("/v1/traces", content=b"\xff\xff\xff", headers=proto),
            http.post("/v1/traces", content=b"{not json", headers={"Content-Type": "application/json"}),
            http.post("/v1/traces", content=b"[1]", headers={"Content-Type": "application/json"}),
            http.post("/v1/traces", content=b"abc", headers={**proto, "Content-Encoding": "gzip"}),
            http.post("/v1/traces", content=b"{}", headers={"Content-Type": "text/plain"}),
            http.post(
                "/v1/traces",
                content=json.dumps(
                    {"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "x"}]}]}]}
                ),
                headers={"Content-Type": "application/json"},
            ),
        ]
        assert [r.status_code for r in answers] == [400] * 6
        assert "invalid protobuf ExportTraceServiceRequest" in answers[0].json()["message"]
        assert http.post("/v1/nothing", content=b"{}").status_code == 404
        ok = http.post(
            "/v1/traces",
            content=gzip.compress(json.dumps({"resourceSpans": []}).encode()),
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        assert (ok.status_code, ok.json()) == (200, {})
        assert rx.counts["rejected"] == 7


@pytest.mark.slow
def test_listen_command_prints_one_line_per_trace(tmp_path: Path):
    save = tmp_path / "t.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "obsctl",
            "traces",
            "listen",
            "--port",
            "0",
            "--save",
            str(save),
            "--max-traces",
            "1",
            "--settle",
            "200ms",
            "--timeout",
            "20s",
            "-o",
            "jsonl",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        banner = proc.stderr.readline()
        endpoint = banner.split(" on ")[1].split(" ")[0]
        _emit(_provider(_exporter("protobuf", endpoint)))
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    (line,) = out.splitlines()
    record = json.loads(line)
    assert (record["root_service"], record["root_operation"], record["spans"], record["errors"]) == (
        "shop",
        "GET /cart",
        2,
        1,
    )
    assert load_file(str(save))[0].trace_id == record["trace_id"]
