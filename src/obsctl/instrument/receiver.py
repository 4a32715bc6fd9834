"""The OTLP/HTTP receiver `instrument check` starts in-process (protobuf and JSON bodies).

`start_receiver()` prefers the traces signal's full receiver (`obsctl.traces.receiver`, which
decodes protobuf with opentelemetry-proto) when it is importable with protobuf support; otherwise
it uses `OtlpReceiver` below, which keeps only what the check needs (service.name, trace and span
ids, span names) and decodes protobuf by its wire format, so no protobuf runtime is needed.
Both bind 127.0.0.1 on a free port and offer start() / stop() / spans() / endpoint.
"""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    trace_id: str  # 32 hex digits
    span_id: str  # 16 hex digits
    name: str


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(buf: bytes) -> list[tuple[int, Any]]:
    """(field number, value) pairs of one protobuf message; bytes for length-delimited fields."""
    out: list[tuple[int, Any]] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        if pos > len(buf):
            raise ValueError("truncated message")
        out.append((number, value))
    return out


def _service_pb(resource: bytes) -> str:
    for num, kv in fields(resource):
        if num != 1:
            continue
        parts = dict(fields(kv))
        if parts.get(1) == b"service.name" and 2 in parts:
            any_value = dict(fields(parts[2]))
            return bytes(any_value.get(1, b"")).decode("utf-8", "replace")
    return ""


def decode_protobuf(body: bytes) -> list[ReceivedSpan]:
    """ExportTraceServiceRequest -> spans (resource_spans=1, resource=1, scope_spans=2, spans=2)."""
    spans: list[ReceivedSpan] = []
    for num, rs in fields(body):
        if num != 1:
            continue
        rs_fields = fields(rs)
        service = next((_service_pb(v) for n, v in rs_fields if n == 1), "")
        for n, ss in rs_fields:
            if n != 2:
                continue
            for sn, span in fields(ss):
                if sn != 2:
                    continue
                f = dict(fields(span))
                spans.append(ReceivedSpan(service, bytes(f.get(1, b"")).hex(), bytes(f.get(2, b"")).hex(),
                                          bytes(f.get(5, b"")).decode("utf-8", "replace")))
    return spans


def _id(value: str) -> str:
    """OTLP/JSON ids are hex; some senders use base64."""
    if len(value) in (16, 32) and all(c in "0123456789abcdefABCDEF" for c in value):
        return value.lower()
    import base64

    return base64.b64decode(value).hex()


def decode_json(body: bytes) -> list[ReceivedSpan]:
    doc = json.loads(body)
    spans: list[ReceivedSpan] = []
    for rs in doc.get("resourceSpans") or doc.get("resource_spans") or []:
        attrs = (rs.get("resource") or {}).get("attributes") or []
        service = next(
            (str((a.get("value") or {}).get("stringValue", "")) for a in attrs if a.get("key") == "service.name"), ""
        )
        for ss in rs.get("scopeSpans") or rs.get("scope_spans") or []:
            for span in ss.get("spans") or []:
                spans.append(ReceivedSpan(service, _id(span.get("traceId", "")), _id(span.get("spanId", "")),
                                          str(span.get("name", ""))))
    return spans


def start_receiver() -> Any:
    """A started receiver: the traces signal's when available with protobuf support, else ours."""
    import importlib

    try:
        full = importlib.import_module("obsctl.traces.receiver")
    except ImportError:
        full = None
    if full is not None and getattr(full, "proto_available", lambda: False)():
        return full.Receiver().start()
    return OtlpReceiver().start()


class OtlpReceiver:
    """Collects spans POSTed to /v1/traces; thread-safe `spans()` snapshot."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._spans: list[ReceivedSpan] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> OtlpReceiver:
        self._thread = threading.Thread(target=self._server.serve_forever, name="otlp-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._spans)

    def _add(self, spans: list[ReceivedSpan]) -> None:
        with self._lock:
            self._spans.extend(spans)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                if self.path.split("?")[0] != "/v1/traces":
                    self._reply(404, b"{}")
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    encoding = (self.headers.get("Content-Encoding") or "").lower()
                    if encoding == "gzip":
                        body = gzip.decompress(body)
                    elif encoding == "deflate":
                        body = zlib.decompress(body)
                    if "json" in (self.headers.get("Content-Type") or ""):
                        receiver._add(decode_json(body))
                        self._reply(200, b"{}", "application/json")
                    else:
                        receiver._add(decode_protobuf(body))
                        self._reply(200, b"", "application/x-protobuf")
                except (ValueError, OSError, AttributeError, TypeError) as exc:
                    self._reply(400, json.dumps({"message": str(exc)}).encode())

            def _reply(self, code: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                return

        return Handler
