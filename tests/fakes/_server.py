"""The socket half of the fakes: a threaded HTTP/1.1 server on 127.0.0.1:0 that records every
request and can be told to misbehave (latency, 429/503 with Retry-After, dropped connections).

Subclasses implement `handle(request) -> Response`; everything here is protocol plumbing, so the
fakes stay about *what* a backend answers, not how bytes reach the socket.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request as the fake saw it (kept in `server.requests` for assertions)."""

    method: str
    target: str  # path + query exactly as sent, e.g. "/logs-*/_search?ignore_unavailable=true"
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        value = self.headers.get(name)
        return default if value is None else str(value)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Fault:
    """A scripted misbehaviour for the next `times` matching requests (None: until cleared).

    `path` matches by prefix (None: every path); `method` exactly (None: any).
    """

    status: int | None = None
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    drop: bool = False
    times: int | None = 1
    path: str | None = None
    method: str | None = None

    def matches(self, request: Request) -> bool:
        if self.path is not None and not request.path.startswith(self.path):
            return False
        return self.method is None or self.method == request.method


class FakeServer:
    """Base for the in-process fakes: `with FakeX() as fake: httpx.get(fake.url + "/")`."""

    #: Send an RFC 7231 Date header (Go's net/http does; Elasticsearch's Netty layer does not).
    send_date = False

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FakeServer:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fake server is not running: call start() or use it as a context manager")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- faults ---------------------------------------------------------------------------------
    def inject(self, fault: Fault) -> Fault:
        """Queue a fault; the first matching queued fault applies to a request."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def add_latency(self, seconds: float, *, path: str | None = None, times: int | None = None) -> Fault:
        """Delay answers (the real answer still comes, late)."""
        return self.inject(Fault(delay=seconds, path=path, times=times))

    def drop_connections(self, *, path: str | None = None, times: int | None = 1) -> Fault:
        """Close the socket without answering (clients see 'server disconnected')."""
        return self.inject(Fault(drop=True, path=path, times=times))

    def throttle(
        self,
        status: int = 429,
        *,
        retry_after: str | None = "1",
        path: str | None = None,
        times: int | None = 1,
    ) -> Fault:
        """Answer 429/503 with Retry-After and the backend's own error body."""
        body, headers = self.overload_response(status)
        if retry_after is not None:
            headers = [*headers, ("Retry-After", retry_after)]
        return self.inject(Fault(status=status, body=body, headers=headers, path=path, times=times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def overload_response(self, status: int) -> tuple[bytes, list[tuple[str, str]]]:
        """Body and headers of a 429/503 for this backend (subclasses give the real shapes)."""
        return b"", []

    def _take_fault(self, request: Request) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # --- subclasses -------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silent: pytest output stays readable; use `fake.requests` to see traffic."""

    def send_response(self, code: int, message: str | None = None) -> None:
        # No `Server: BaseHTTP/...` header: neither Elasticsearch nor Jaeger sends one.
        self.log_request(code)
        self.send_response_only(code, message)
        if self.server_fake.send_date:
            self.send_header("Date", self.date_time_string())

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            target=self.path,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
        )
        fake = self.server_fake
        with fake._lock:
            fake.requests.append(request)
        fault = fake._take_fault(request)
        if fault is not None and fault.delay:
            fake._stopping.wait(fault.delay)
        if fault is not None and fault.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault is not None and fault.status is not None:
            response = Response(fault.status, fault.body, list(fault.headers))
        else:
            response = fake.handle(request)
        self._write(response, head=self.command == "HEAD")

    def _write(self, response: Response, *, head: bool) -> None:
        self.send_response(response.status)
        names = {name.lower() for name, _ in response.headers}
        for name, value in response.headers:
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if not head and response.body:
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve
