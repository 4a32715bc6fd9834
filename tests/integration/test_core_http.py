"""The shared HTTP layer against real sockets: timeouts, refused ports, TLS verification, a real
Prometheus and a real 401."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from obsctl.core.errors import AuthError, ExitCode, UnreachableError
from obsctl.core.http import build_client
from obsctl.core.settings import load_settings
from tests.integration.servers import Server, free_port


def client(env: dict[str, str], backend: str = "prometheus"):
    settings = load_settings(env)
    return build_client(settings.backend(backend), context=settings.context, env=env)  # type: ignore[arg-type]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield int(sock.getsockname()[1])
    stop.set()
    t.join()
    for c in held:
        c.close()
    sock.close()


def test_silent_backend_fails_within_timeout_plus_one_second(silent_server):
    env = {"OBSCTL_PROMETHEUS_URL": f"http://127.0.0.1:{silent_server}", "OBSCTL_PROMETHEUS_TIMEOUT": "1s"}
    started = time.monotonic()
    with pytest.raises(UnreachableError) as err:
        client(env).get_json("/api/v1/query", params={"query": "up"})
    elapsed = time.monotonic() - started
    assert err.value.exit_code == ExitCode.UNREACHABLE
    assert (
        err.value.message
        == f"cannot reach prometheus at http://127.0.0.1:{silent_server}: timed out (read) after 1s"
    )
    assert "OBSCTL_PROMETHEUS_URL" in (err.value.hint or "")
    assert elapsed < 2.0  # the issue's contract: within the timeout plus one second


def test_refused_port_is_exit_5_quickly():
    port = free_port()
    env = {"OBSCTL_PROMETHEUS_URL": f"http://127.0.0.1:{port}", "OBSCTL_PROMETHEUS_TIMEOUT": "2s"}
    started = time.monotonic()
    with pytest.raises(UnreachableError, match="connection refused"):
        client(env).get_json("/api/v1/status/buildinfo")
    assert time.monotonic() - started < 3.0


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.headers.get("Authorization") != "Bearer right":
            body = b'{"status":"error","errorType":"unauthorized","error":"bad token"}'
            self.send_response(401)
        else:
            body = b'{"status":"success","data":{"hello":"tls"}}'
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[tuple[str, str]]:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    d = tmp_path_factory.mktemp("tls")
    ca_file = d / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}", str(ca_file)
    httpd.shutdown()
    httpd.server_close()


def test_tls_verification_is_on_by_default(tls_server):
    url, _ = tls_server
    env = {"OBSCTL_PROMETHEUS_URL": url, "OBSCTL_PROMETHEUS_TOKEN": "right"}
    with pytest.raises(UnreachableError) as err:
        client(env).get_json("/x")
    assert "TLS certificate verification failed" in err.value.message
    assert "tls.ca_file" in (err.value.hint or "")


def test_tls_with_ca_file_and_with_skip_verify(tls_server):
    url, ca = tls_server
    env = {"OBSCTL_PROMETHEUS_URL": url, "OBSCTL_PROMETHEUS_TOKEN": "right", "OBSCTL_PROMETHEUS_CA_FILE": ca}
    assert client(env).get_json("/x") == {"status": "success", "data": {"hello": "tls"}}
    env = {
        "OBSCTL_PROMETHEUS_URL": url,
        "OBSCTL_PROMETHEUS_TOKEN": "right",
        "OBSCTL_PROMETHEUS_INSECURE_SKIP_VERIFY": "1",
    }
    assert client(env).get_json("/x")["data"] == {"hello": "tls"}


def test_real_401_is_exit_4_with_the_servers_message(tls_server):
    url, ca = tls_server
    env = {"OBSCTL_PROMETHEUS_URL": url, "OBSCTL_PROMETHEUS_TOKEN": "wrong", "OBSCTL_PROMETHEUS_CA_FILE": ca}
    with pytest.raises(AuthError) as err:
        client(env).get_json("/x")
    assert err.value.exit_code == ExitCode.AUTH
    assert err.value.message.endswith("answered 401: unauthorized: bad token")
    assert err.value.hint == "check the credentials in OBSCTL_PROMETHEUS_TOKEN"
    assert "wrong" not in err.value.message


def test_real_prometheus_through_the_shared_layer(prometheus: Server):
    c = client({"OBSCTL_PROMETHEUS_URL": prometheus.url})
    info = c.get_json("/api/v1/status/buildinfo")
    assert info["status"] == "success"
    assert info["data"]["version"].startswith("2.")
    bad = c.request("GET", "/api/v1/query", params={"query": "sum("}, check=False)
    assert bad.status_code == 400
