"""End-to-end error contract of the root CLI, in real processes against real sockets:
exit 5 within the timeout, exit 4 with a hint, --debug never shows a secret, Ctrl-C exits 130."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.integration.servers import Server, free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "tok-5ecret-9f8e7d"


def obsctl(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("OBSCTL_") and "proxy" not in k.lower()}
    full.update({"PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1", "XDG_CONFIG_HOME": "/nonexistent"})
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "obsctl", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=timeout,
        check=False,
    )


def test_unreachable_backend_exits_5_with_one_line_naming_url_and_context(tmp_path):
    port = free_port()
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"current-context: lab\ncontexts:\n  lab:\n    alertmanager: {{url: 'http://127.0.0.1:{port}', timeout: 2s}}\n"
    )
    proc = obsctl("alerts", "list", env={"OBSCTL_CONFIG": str(cfg)})
    assert proc.returncode == 5
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert (
        lines[0]
        == f"obsctl: error: cannot reach alertmanager at http://127.0.0.1:{port} (context lab): connection refused"
    )
    assert lines[1] == "hint: is alertmanager running? the URL comes from contexts.lab.alertmanager.url"
    assert "Traceback" not in proc.stderr


class _Deny(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"code":401,"message":"invalid token"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def deny_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Deny)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_401_exits_4_with_a_hint_and_no_secret(deny_server):
    proc = obsctl(
        "alerts", "list", env={"OBSCTL_ALERTMANAGER_URL": deny_server, "OBSCTL_ALERTMANAGER_TOKEN": SECRET}
    )
    assert proc.returncode == 4
    assert proc.stderr.splitlines() == [
        f"obsctl: error: authentication failed: alertmanager at {deny_server}/api/v2/alerts?active=true&silenced=false"
        "&inhibited=false&unprocessed=false answered 401: invalid token",
        "hint: check the credentials in OBSCTL_ALERTMANAGER_TOKEN",
    ]
    assert SECRET not in proc.stderr + proc.stdout


def test_debug_logs_requests_with_secrets_redacted(alertmanager: Server, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(SECRET)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current-context: lab\ncontexts:\n  lab:\n    alertmanager:\n"
        f"      url: {alertmanager.url}\n      auth: {{bearer: {{token_file: {token_file}}}}}\n"
        f"      headers: {{X-Scope-OrgID: team-a, X-Extra-Key: {{env: EXTRA}}}}\n"
    )
    proc = obsctl(
        "--debug", "alerts", "list", "-o", "json", env={"OBSCTL_CONFIG": str(cfg), "EXTRA": SECRET + "-h"}
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith("[")
    assert f"obsctl: debug: > GET {alertmanager.url}/api/v2/alerts" in proc.stderr
    assert "obsctl: debug: >   authorization: REDACTED" in proc.stderr
    assert "obsctl: debug: >   x-extra-key: REDACTED" in proc.stderr
    assert "obsctl: debug: >   x-scope-orgid: team-a" in proc.stderr
    assert "obsctl: debug: < 200 GET" in proc.stderr
    assert SECRET not in proc.stderr + proc.stdout


def test_ctrl_c_exits_130_without_a_traceback():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBSCTL_") and "proxy" not in k.lower()}
    env.update(
        {
            "PYTHONPATH": str(ROOT / "src"),
            "OBSCTL_ALERTMANAGER_URL": f"http://127.0.0.1:{port}",
            "OBSCTL_ALERTMANAGER_TIMEOUT": "60s",
            "XDG_CONFIG_HOME": "/nonexistent",
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "obsctl", "alerts", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        conn, _ = sock.accept()  # the request is in flight and will never be answered
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
        sock.close()
    assert proc.returncode == 130
    assert err == "obsctl: interrupted\n"
    assert out == ""
    conn.close()
