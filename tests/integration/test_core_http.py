"""The shared HTTP layer against real sockets: timeouts, refused ports, TLS verification, a real
Prometheus and a real 401."""

from __future__ import annotations

import json
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

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


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], cert: Any = None) -> Iterator[int]:
    """A threaded server on a free loopback port (TLS with a trustme cert), stopped on exit."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if cert is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(ctx)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[tuple[str, str]]:
    import trustme

    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with serving(_Hello, ca.issue_cert("localhost", "127.0.0.1")) as port:
        yield f"https://127.0.0.1:{port}", str(ca_file)


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


# --- one client layer: backends, scrape, export and http probes behave the same ---------------

MATRIX = {
    "status": "success",
    "data": {"resultType": "matrix", "result": [{"metric": {"job": "a"}, "values": [[1767322800, "1"]]}]},
}
VECTOR = {"status": "success", "data": {"resultType": "vector", "result": []}}
BINARY = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x2f\xca\x49\x01\x00\x85\x11\x4a\x0d\x0b\x00\x00\x00"


class _Origin(BaseHTTPRequestHandler):
    """Origin and forward proxy in one: absolute-form request lines are recorded as proxied."""

    seen: ClassVar[list[tuple[str, str]]] = []

    def _answer(self) -> None:
        self.seen.append((self.command, self.path))
        path = self.path.split("://", 1)[1].split("/", 1)[1] if "://" in self.path else self.path[1:]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        route = path.split("?", 1)[0]
        ctype, body = "application/json", json.dumps(VECTOR).encode()
        if route == "metrics":
            ctype, body = "text/plain; version=0.0.4", b"# TYPE up gauge\nup 1\n"
        elif route == "binary":
            ctype, body = "text/plain", BINARY
        elif route == "health":
            ctype, body = "text/plain", b"ok"
        elif route.endswith("query_range"):
            body = json.dumps(MATRIX).encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with serving(_Origin) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def self_signed() -> Iterator[str]:
    """A TLS server whose CA no client is given."""
    import trustme
    with serving(_Origin, trustme.CA().issue_cert("localhost", "127.0.0.1")) as port:
        yield f"127.0.0.1:{port}"


def _export_args(tmp_path) -> list[str]:
    out = tmp_path / "x.parquet"
    window = ["--from", "1767322800", "--to", "1767322860", "--step", "60s"]
    return ["metrics", "export", "up", *window, "-o", "parquet", "-f", str(out)]


def _context(tmp_path, url: str, proxy: str | None = None):
    cfg = tmp_path / "contexts.yaml"
    extra = f", proxy_url: '{proxy}'" if proxy else ""
    cfg.write_text(f"current-context: t\ncontexts:\n  t:\n    prometheus: {{url: '{url}'{extra}}}\n")
    return ["--config", str(cfg)]


def _probe(tmp_path, http: dict) -> list[str]:
    import yaml

    path = tmp_path / "probes.yaml"
    path.write_text(yaml.safe_dump({"probes": [{"name": "p", "http": http}]}))
    return ["health", "-f", str(path), "-o", "json"]


def _probe_error(result) -> str:
    (r,) = json.loads(result.stdout)["results"]
    return str(r.get("error") or r["summary"])


def test_proxy_is_used_alike_by_backend_scrape_export_and_probe(run_cli, origin, tmp_path):
    """A name that never resolves (target.test) is reachable only through the proxy."""
    _Origin.seen.clear()
    env = {"HTTP_PROXY": origin}
    assert (
        run_cli(
            ["metrics", "query", "up"], env={**env, "OBSCTL_PROMETHEUS_URL": "http://target.test:9090"}
        ).exit_code
        == 0
    )
    assert run_cli(["metrics", "scrape", "http://target.test/metrics"], env=env).exit_code == 0
    exported = run_cli([*_context(tmp_path, "http://target.test:9090", origin), *_export_args(tmp_path)])
    assert exported.exit_code == 0, exported.output
    probed = run_cli(_probe(tmp_path, {"url": "http://target.test/health", "proxy_url": origin}))
    assert probed.exit_code == 0, probed.output
    assert [p.split("?", 1)[0] for _, p in _Origin.seen] == [
        "http://target.test:9090/api/v1/query",
        "http://target.test/metrics",
        "http://target.test:9090/api/v1/query_range",
        "http://target.test/health",
    ]


def test_unreachable_proxy_is_named_everywhere(run_cli, tmp_path):
    proxy = f"http://127.0.0.1:{free_port()}"
    said = f"the proxy {proxy} refused the connection"
    backend = run_cli(
        ["metrics", "query", "up"],
        env={"HTTP_PROXY": proxy, "OBSCTL_PROMETHEUS_URL": "http://prom.test:9090"},
    )
    scrape = run_cli(["metrics", "scrape", "http://target.test/metrics"], env={"HTTP_PROXY": proxy})
    export = run_cli([*_context(tmp_path, "http://prom.test:9090", proxy), *_export_args(tmp_path)])
    for result in (backend, scrape, export):
        assert result.exit_code == 5, result.output
        assert said in result.stderr.splitlines()[0]
        assert "is prometheus running" not in result.stderr
        assert (
            "hint: check proxy_url" in result.stderr
            or "hint: check contexts.t.prometheus.proxy_url" in result.stderr
        )
    probe = run_cli(_probe(tmp_path, {"url": "http://target.test/health", "proxy_url": proxy}))
    assert _probe_error(probe).startswith(said)


def test_tls_verification_fails_alike_everywhere(run_cli, self_signed, tmp_path):
    url = f"https://{self_signed}"
    reason = "TLS certificate verification failed: unable to get local issuer certificate"
    backend = run_cli(["metrics", "query", "up"], env={"OBSCTL_PROMETHEUS_URL": url})
    scrape = run_cli(["metrics", "scrape", f"{url}/metrics"])
    export = run_cli([*_context(tmp_path, url), *_export_args(tmp_path)])
    for result in (backend, scrape, export):
        assert result.exit_code == 5, result.output
        assert result.stderr.splitlines()[0].endswith(reason), result.stderr
    assert _probe_error(run_cli(_probe(tmp_path, {"url": f"{url}/health"}))).startswith(reason)
    # ... and the same CA setting makes all of them pass (the http probe reads the expiry too).
    ok = run_cli(_probe(tmp_path, {"url": f"{url}/health", "insecure": True}))
    (r,) = json.loads(ok.stdout)["results"]
    assert r["status"] == "pass" and r["observed"]["cert_days_left"] > 300


def test_http_and_https_mixed_up_get_a_hint(run_cli, origin, self_signed, tmp_path):
    tls_to_plain = origin.replace("http://", "https://")
    plain_to_tls = f"http://{self_signed}"
    for url, reason, hint in (
        (tls_to_plain, ("the server does not speak TLS on this port",), "use http:// instead of https://"),
        # The TLS server closes or resets, depending on timing: both get the hint.
        (
            plain_to_tls,
            ("server closed the connection", "connection reset by peer"),
            "use https:// instead of http://",
        ),
    ):
        backend = run_cli(["metrics", "query", "up"], env={"OBSCTL_PROMETHEUS_URL": url})
        scrape = run_cli(["metrics", "scrape", f"{url}/metrics"])
        for result in (backend, scrape):
            assert result.exit_code == 5, result.output
            assert any(r in result.stderr.splitlines()[0] for r in reason)
            assert hint in result.stderr.splitlines()[1]
            assert "_ssl.c" not in result.stderr
        error = _probe_error(run_cli(_probe(tmp_path, {"url": f"{url}/health"})))
        assert any(r in error for r in reason) and hint in error


def test_debug_log_is_the_same_and_redacted_everywhere(run_cli, origin, tmp_path):
    secret = "SeCrEt-42"
    host = origin.split("://", 1)[1]
    backend = run_cli(
        ["--debug", "metrics", "query", "up"], env={"OBSCTL_PROMETHEUS_URL": f"{origin}/?token={secret}"}
    )
    scrape = run_cli(["--debug", "metrics", "scrape", f"{origin}/metrics?token={secret}"])
    export = run_cli(["--debug", *_context(tmp_path, f"{origin}/?token={secret}"), *_export_args(tmp_path)])
    probe = run_cli(
        [
            "--debug",
            *_probe(
                tmp_path,
                {"url": f"{origin}/health?token={secret}", "headers": {"Authorization": {"env": "TOK"}}},
            ),
        ],
        env={"TOK": f"Bearer {secret}"},
    )
    expected = {
        id(backend): f"obsctl: debug: > POST http://{host}/api/v1/query?token=REDACTED",
        id(scrape): f"obsctl: debug: > GET http://{host}/metrics?token=REDACTED",
        id(export): f"obsctl: debug: > POST http://{host}/api/v1/query_range?token=REDACTED",
        id(probe): f"obsctl: debug: > GET http://{host}/health?token=REDACTED",
    }
    for result in (backend, scrape, export, probe):
        assert result.exit_code == 0, result.output
        lines = result.stderr.splitlines()
        assert any(line.split("&", 1)[0] == expected[id(result)] for line in lines), lines
        assert any(line.startswith("obsctl: debug: < 200 ") for line in lines)
        assert secret not in result.output
    assert "obsctl: debug: >   authorization: REDACTED" in probe.stderr.splitlines()


def test_binary_exposition_body_shows_a_printable_excerpt(run_cli, origin):
    result = run_cli(["metrics", "scrape", f"{origin}/binary"])
    assert result.exit_code == 3, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(
        f"obsctl: error: {origin}/binary answered a binary body (text/plain), not exposition text: "
    )
    assert "\\x1f\\x8b\\x08\\x00" in first
    assert first.isprintable()


class _EchoHost(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"host": self.headers.get("Host")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("with_cryptography", [True, False])
def test_http_probe_connects_by_address_with_the_name_in_sni_and_host(
    run_cli, tmp_path, monkeypatch, with_cryptography
):
    """The certificate names only `localhost`: verification passes only if SNI/verification use the
    name while the probe connects to the resolved address; the expiry is read either way."""
    import trustme
    if not with_cryptography:
        monkeypatch.setitem(sys.modules, "cryptography", None)  # import fails: the DER walk reads notAfter
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with serving(_EchoHost, ca.issue_cert("localhost")) as port:
        url = f"https://localhost:{port}/"
        result = run_cli(
            _probe(
                tmp_path,
                {"url": url, "ca_file": str(ca_file), "expect_json": f'$.host == "localhost:{port}"'},
            )
        )
    (r,) = json.loads(result.stdout)["results"]
    assert r["status"] == "pass", r
    assert r["observed"]["ip"] in ("127.0.0.1", "::1")
    assert {"dns_ms", "connect_ms", "tls_ms"} <= set(r["phases"])
    assert r["observed"]["cert_days_left"] > 300


def test_target_client_builds_tls_only_for_https_hops(tls_server, tmp_path):
    """Plain http never touches the TLS options; an http -> https redirect hop still gets them."""
    from obsctl.core.errors import ConfigError
    from obsctl.core.target import TargetTLS, build_target_client

    url, ca = tls_server

    class _ToTLS(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/plain":
                body = b"plain"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(302)
            self.send_header("Location", f"{url}/x")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    missing = str(tmp_path / "no-such-ca.pem")
    with serving(_ToTLS) as port:
        plain = f"http://127.0.0.1:{port}"
        with build_target_client(timeout=5, env={}, tls=TargetTLS(ca_file=missing)) as c:
            assert c.fetch(f"{plain}/plain").response.content == b"plain"
            with pytest.raises(ConfigError, match="ca_file"):
                c.fetch(f"{plain}/redirect")
        trusted = build_target_client(timeout=5, env={}, tls=TargetTLS(ca_file=ca))
        with trusted, pytest.raises(AuthError, match=r"/redirect answered 401: .*bad token"):
            trusted.fetch(f"{plain}/redirect")  # the TLS server's own answer: the handshake verified
        with build_target_client(timeout=5, env={}) as c, pytest.raises(UnreachableError, match="TLS"):
            c.fetch(f"{plain}/redirect")  # the default context verifies: the test CA is unknown to it


def test_backend_client_builds_tls_only_for_https_urls(tls_server, tmp_path):
    """A plain-http backend never loads its `tls:` files (only checks they exist); https ones load
    them as before, so a bad CA is exit 2 there and the real handshake still verifies."""
    from obsctl.core.errors import ConfigError

    url, ca = tls_server
    unloadable = tmp_path / "ca.pem"
    unloadable.write_text("not a certificate")
    with serving(_Hello) as port:
        env = {
            "OBSCTL_PROMETHEUS_URL": f"http://127.0.0.1:{port}",
            "OBSCTL_PROMETHEUS_TOKEN": "right",
            "OBSCTL_PROMETHEUS_CA_FILE": str(unloadable),
        }
        assert client(env).get_json("/x")["data"] == {"hello": "tls"}
        env["OBSCTL_PROMETHEUS_CA_FILE"] = str(tmp_path / "missing.pem")
        with pytest.raises(ConfigError, match=r"prometheus\.tls\.ca_file: cannot load .*missing\.pem"):
            client(env)
    https_env = {"OBSCTL_PROMETHEUS_URL": url, "OBSCTL_PROMETHEUS_TOKEN": "right"}
    with pytest.raises(ConfigError, match=r"prometheus\.tls\.ca_file: cannot load .*ca\.pem"):
        client({**https_env, "OBSCTL_PROMETHEUS_CA_FILE": str(unloadable)})
    assert client({**https_env, "OBSCTL_PROMETHEUS_CA_FILE": ca}).get_json("/x")["data"] == {"hello": "tls"}
