"""A local OTLP/HTTP receiver: what `obsctl traces listen` runs and `obsctl instrument check` starts
in-process. Accepts `/v1/traces`, `/v1/logs` and `/v1/metrics` as protobuf (decoded with the
official `opentelemetry-proto` messages, the `obsctl[otlp]` extra, imported only here) or JSON,
either gzip-compressed. A bad payload gets HTTP 400 and never stops the receiver.

API:

    from obsctl.traces.receiver import Receiver

    with Receiver() as rx:                    # serves on 127.0.0.1 in a thread, on a free port
                                              # (Receiver(port=4318) for the standard one)
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": rx.endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}
        ...                                   # run the instrumented app with env
        spans = rx.wait_for_spans(1, timeout=10)   # -> list[obsctl.traces.model.Span]
        batch = rx.next_batch(timeout=1)      # -> Batch(signal, document) | None, in arrival order
        for batch in rx.batches(idle=0.5): ...  # the same, until 0.5 s pass with nothing new
        rx.spans()                            # every span so far (.service, .name, .trace_id, .span_id, ...)
        rx.logs, rx.metrics                   # every OTLP JSON logs/metrics request received
        rx.take_finished(settle=1.0)          # -> traces whose root arrived and went quiet
    # stopped; Receiver(save="out.jsonl") also appends every request as an OTLP JSON line

`Receiver.start()`/`stop()` do the same without `with`. Counters: `rx.counts` (spans, logs,
metrics, rejected).
"""

from __future__ import annotations

import base64
import gzip
import json
import queue
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple

from obsctl.traces.model import Span, Trace, spans_from_otlp

SIGNALS = {"/v1/traces": "traces", "/v1/logs": "logs", "/v1/metrics": "metrics"}
MAX_BODY = 64 * 1024 * 1024
_TOP_KEY = {"traces": "resourceSpans", "logs": "resourceLogs", "metrics": "resourceMetrics"}


class Batch(NamedTuple):
    signal: str  # traces, logs or metrics
    document: dict[str, Any]  # the request as OTLP JSON (hex ids, integer enums)


class PayloadError(ValueError):
    """The request body is not a valid OTLP export request (answered with 400)."""


def proto_available() -> bool:
    try:
        import opentelemetry.proto.collector.trace.v1.trace_service_pb2  # noqa: F401
    except ImportError:
        return False
    return True


def _hex_ids(node: Any) -> None:
    """protobuf's JSON mapping writes bytes as base64; OTLP/JSON wants hex trace and span ids."""
    if isinstance(node, dict):
        for key in ("traceId", "spanId", "parentSpanId"):
            value = node.get(key)
            if isinstance(value, str) and value:
                node[key] = base64.b64decode(value).hex()
        for value in node.values():
            if isinstance(value, (dict, list)):
                _hex_ids(value)
    elif isinstance(node, list):
        for item in node:
            _hex_ids(item)


def decode_protobuf(signal: str, body: bytes) -> dict[str, Any]:
    """An Export*ServiceRequest in protobuf -> OTLP JSON."""
    try:
        from google.protobuf.json_format import MessageToDict
        from google.protobuf.message import DecodeError
        from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
        from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
    except ImportError:
        raise PayloadError(
            "protobuf payloads need opentelemetry-proto: pip install 'obsctl[otlp]' (or send JSON)"
        ) from None
    classes: dict[str, Any] = {
        "traces": trace_service_pb2.ExportTraceServiceRequest,
        "logs": logs_service_pb2.ExportLogsServiceRequest,
        "metrics": metrics_service_pb2.ExportMetricsServiceRequest,
    }
    cls = classes[signal]
    message = cls()
    try:
        message.ParseFromString(body)
    except DecodeError as exc:
        raise PayloadError(f"invalid protobuf {cls.__name__}: {exc}") from None
    doc: dict[str, Any] = MessageToDict(message, use_integers_for_enums=True)
    _hex_ids(doc)
    return doc


def decode(signal: str, content_type: str, encoding: str, body: bytes) -> dict[str, Any]:
    """The request body (maybe gzip/deflate) -> OTLP JSON; PayloadError when it is not one."""
    encoding = encoding.strip().lower()
    try:
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding not in ("", "identity"):
            raise PayloadError(f"unsupported Content-Encoding {encoding!r} (gzip, deflate or none)")
    except (OSError, EOFError, zlib.error) as exc:
        raise PayloadError(f"cannot decompress the {encoding} body: {exc}") from None
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("application/x-protobuf", "application/protobuf"):
        return decode_protobuf(signal, body)
    if kind != "application/json":
        raise PayloadError(
            f"unsupported Content-Type {content_type!r} (application/x-protobuf or application/json)"
        )
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"invalid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get(_TOP_KEY[signal], []), list):
        raise PayloadError(
            f"not an OTLP {signal} export request (expected an object with {_TOP_KEY[signal]})"
        )
    if signal == "traces":
        try:
            spans_from_otlp(doc)
        except (TypeError, ValueError, AttributeError) as exc:
            raise PayloadError(f"malformed span: {exc}") from None
    return doc


@dataclass
class _Pending:
    spans: list[Span] = field(default_factory=list)
    last: float = 0.0
    has_root: bool = False


class Receiver:
    """An OTLP/HTTP receiver in a background thread; see the module docstring for the API."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        save: str | Path | None = None,
        on_batch: Callable[[Batch], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.save = Path(save).expanduser() if save else None
        self.on_batch = on_batch
        self._spans: list[Span] = []
        self.logs: list[dict[str, Any]] = []
        self.metrics: list[dict[str, Any]] = []
        self.counts = {"spans": 0, "logs": 0, "metrics": 0, "rejected": 0}
        self._queue: queue.Queue[Batch] = queue.Queue()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._pending: dict[str, _Pending] = {}
        self._done: set[str] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._file: Any = None

    @property
    def endpoint(self) -> str:
        """The base URL an SDK's OTEL_EXPORTER_OTLP_ENDPOINT should point at."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Receiver:
        """Bind and serve in a daemon thread; OSError (e.g. port in use) propagates."""
        receiver = self

        class Handler(_Handler):
            rx = receiver

        if self.save is not None:
            self._file = self.save.open("a", encoding="utf-8")
        try:
            self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        except OSError:
            self.stop()
            raise
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what the handler calls ---------------------------------------------------------------
    def accept(self, batch: Batch) -> None:
        with self._changed:
            if self._file is not None:
                self._file.write(json.dumps(batch.document, separators=(",", ":")) + "\n")
                self._file.flush()
            if batch.signal == "traces":
                spans = spans_from_otlp(batch.document)
                self._spans.extend(spans)
                self.counts["spans"] += len(spans)
                now = time.monotonic()
                for span in spans:
                    pending = self._pending.setdefault(span.trace_id, _Pending())
                    pending.spans.append(span)
                    pending.last = now
                    pending.has_root = pending.has_root or not span.parent_id
            elif batch.signal == "logs":
                self.logs.append(batch.document)
                self.counts["logs"] += sum(
                    len(sl.get("logRecords") or ())
                    for rl in batch.document.get("resourceLogs") or ()
                    for sl in rl.get("scopeLogs") or ()
                )
            else:
                self.metrics.append(batch.document)
                self.counts["metrics"] += sum(
                    len(sm.get("metrics") or ())
                    for rm in batch.document.get("resourceMetrics") or ()
                    for sm in rm.get("scopeMetrics") or ()
                )
            self._changed.notify_all()
        self._queue.put(batch)
        if self.on_batch is not None:
            self.on_batch(batch)

    def reject(self) -> None:
        with self._lock:
            self.counts["rejected"] += 1

    # --- reading --------------------------------------------------------------------------------
    def next_batch(self, timeout: float | None = None) -> Batch | None:
        """The next request received (any signal), or None after `timeout` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def batches(self, idle: float = 1.0) -> Iterator[Batch]:
        """Requests as they arrive, until none came for `idle` seconds."""
        while (batch := self.next_batch(timeout=idle)) is not None:
            yield batch

    def wait_for_spans(self, count: int, timeout: float) -> list[Span]:
        """Block until `count` spans have arrived (or the timeout); returns every span so far."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._spans) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return list(self._spans)

    def spans(self) -> list[Span]:
        """Every span received so far (a copy), in arrival order."""
        with self._lock:
            return list(self._spans)

    def take_finished(self, settle: float = 1.0, *, flush: bool = False) -> list[Trace]:
        """Traces whose root span arrived and that got no span for `settle` seconds (all, if `flush`).

        A trace with no root yet is given ten times longer. Each trace is returned once; spans
        arriving later for it are still counted and saved.
        """
        now = time.monotonic()
        out = []
        with self._lock:
            for trace_id, pending in list(self._pending.items()):
                quiet = now - pending.last
                if flush or quiet >= settle * (1 if pending.has_root else 10):
                    del self._pending[trace_id]
                    if trace_id not in self._done:
                        self._done.add(trace_id)
                        out.append(Trace(trace_id, pending.spans))
        return out


class _Handler(BaseHTTPRequestHandler):
    rx: Receiver
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: the command prints trace summaries, not access logs."""

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self.rx.reject()
        body = json.dumps({"code": 3 if status == 400 else 12, "message": message}).encode()
        self._answer(status, body, "application/json")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        signal = SIGNALS.get(self.path.split("?")[0].rstrip("/"))
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self._error(413, f"body over {MAX_BODY} bytes")
            return
        body = self.rfile.read(length) if length else b""
        if signal is None:
            self._error(404, f"no OTLP endpoint at {self.path} (use /v1/traces, /v1/logs or /v1/metrics)")
            return
        content_type = self.headers.get("Content-Type") or "application/x-protobuf"
        try:
            doc = decode(signal, content_type, self.headers.get("Content-Encoding") or "", body)
            self.rx.accept(Batch(signal, doc))
        except PayloadError as exc:
            self._error(400, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a bad payload must never stop the receiver
            self._error(400, f"cannot read the payload: {type(exc).__name__}: {exc}")
            return
        if content_type.startswith("application/json"):
            self._answer(200, b"{}", "application/json")
        else:
            self._answer(200, b"", "application/x-protobuf")  # an empty Export*ServiceResponse

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._error(405, "OTLP/HTTP takes POST")
