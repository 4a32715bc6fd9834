"""Real local HTTP(S) servers that misbehave on purpose, for health probe tests.

Paths on every server:
  /ok                 200 {"status":"ok","checks":{"db":{"status":"up"}}}
  /status/<code>      that status, a JSON body carrying a fake token (to check redaction)
  /slow?ms=N          waits N ms, then 200
  /drip               sends headers, then one body byte every 200 ms for 30 s (a hanging probe)
  /hang               reads the request and never answers
  /reset              reads the request, then resets the connection (RST)
  /close              reads the request, then closes without a response (close before headers)
  /redirect           302 to /ok
  /degraded           200 {"status":"degraded"}
Certificates come from trustme (a test CA) and `cryptography` (self-signed, expired).
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FAKE_TOKEN = "tok-9f8e7d6c5b4a"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(
        self, code: int, body: bytes, ctype: str = "application/json", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        """/echo answers with the request body's bytes in hex, so a probe can check what was sent."""
        self.server.hits += 1  # type: ignore[attr-defined]
        sent = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(200, json.dumps({"received": sent.hex()}).encode())

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        path = parts.path
        self.server.hits += 1  # type: ignore[attr-defined]
        if path == "/ok":
            self._send(200, json.dumps({"status": "ok", "checks": {"db": {"status": "up"}}}).encode())
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            body = {"status": "down", "error": "database timeout", "token": FAKE_TOKEN}
            self._send(code, json.dumps(body).encode())
        elif path == "/slow":
            ms = int(parse_qs(parts.query).get("ms", ["200"])[0])
            time.sleep(ms / 1000)
            self._send(200, b'{"status":"ok"}')
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(150):
                    self.wfile.write(b".")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
            self.close_connection = True
        elif path == "/hang":
            time.sleep(30)
            self.close_connection = True
        elif path == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif path == "/close":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
            self.close_connection = True
        elif path == "/redirect":
            self._send(302, b"", headers={"Location": "/ok"})
        elif path == "/degraded":
            self._send(200, b'{"status":"degraded"}')
        else:
            self._send(404, b'{"error":"not found"}')

    do_HEAD = do_GET


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    hits = 0

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # resets and early closes are the point of some paths


@dataclass
class Target:
    """A running server; `url(path)` builds a URL on it."""

    server: _Server
    scheme: str
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_target(ssl_context: ssl.SSLContext | None = None) -> Target:
    server = _Server(("127.0.0.1", 0), _Handler)
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
        # Handshake per connection in the handler thread, so a failed handshake stays there.
        orig = _Handler.setup

        class TLSHandler(_Handler):
            def setup(self) -> None:
                try:
                    self.request.do_handshake()
                except (ssl.SSLError, OSError):
                    pass
                orig(self)

        server.RequestHandlerClass = TLSHandler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return Target(server, "https" if ssl_context else "http", thread)


@dataclass
class Certs:
    """Files for the TLS servers: a test CA, a valid and an expired leaf, and a self-signed cert."""

    ca_file: Path
    valid: ssl.SSLContext
    expired: ssl.SSLContext
    self_signed: ssl.SSLContext


def make_certs(workdir: Path) -> Certs:
    import trustme

    workdir.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    ca_file = workdir / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    now = dt.datetime.now(dt.timezone.utc)
    valid_leaf = ca.issue_cert("127.0.0.1", "localhost", not_after=now + dt.timedelta(days=20))
    expired_leaf = ca.issue_cert(
        "127.0.0.1", "localhost", not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=2)
    )

    def server_ctx(leaf: trustme.LeafCert) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf.configure_cert(ctx)
        return ctx

    return Certs(ca_file, server_ctx(valid_leaf), server_ctx(expired_leaf), _self_signed_ctx(workdir))


def _self_signed_ctx(workdir: Path) -> ssl.SSLContext:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "obsctl self-signed test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=60))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path = workdir / "self-signed.pem"
    key_path = workdir / "self-signed.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert_path), str(key_path))
    return ctx
