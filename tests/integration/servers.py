"""Start real servers from their Debian packages on 127.0.0.1 free ports, for integration tests.

Each `start_*` returns a running `Server` (stop it with `.stop()`); readiness is awaited before
returning, and a start that loses a port race is retried once. Binaries missing -> pytest.skip,
which the root conftest turns into a failure under CI=true.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

READY_TIMEOUT = 30.0


def require(*binaries: str) -> None:
    """Skip (fail under CI=true) when a needed binary is not installed."""
    missing = [b for b in binaries if shutil.which(b) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (apt-get install the Debian packages; see .ci/run)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running server process and how to reach it."""

    name: str
    url: str
    port: int
    proc: subprocess.Popen[bytes]
    workdir: Path
    log: Path
    extra: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def logs(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def _http_ready(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - loopback only
                return bool(resp.status == 200)
        except Exception:  # noqa: BLE001
            return False

    return check


def _redis_ready(port: int, password: str | None) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if password:
                    s.sendall(_resp("AUTH", password))
                    if not s.recv(64).startswith(b"+OK"):
                        return False
                s.sendall(_resp("PING"))
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    return check


def _resp(*parts: str) -> bytes:
    out = f"*{len(parts)}\r\n".encode()
    for p in parts:
        b = p.encode()
        out += b"$%d\r\n%s\r\n" % (len(b), b)
    return out


def _launch(
    name: str,
    workdir: Path,
    build: Callable[[int], list[str]],
    ready: Callable[[int], Callable[[], bool]],
    url: Callable[[int], str],
) -> Server:
    workdir.mkdir(parents=True, exist_ok=True)
    last = ""
    for _attempt in range(3):
        port = free_port()
        log = workdir / f"{name}.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen(  # noqa: S603 - fixed argv
                build(port), stdout=fh, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True
            )
        check = ready(port)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if check():
                return Server(name, url(port), port, proc, workdir, log)
            time.sleep(0.05)
        last = log.read_text(errors="replace")[-2000:]
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if "address already in use" not in last:
            break
    raise RuntimeError(f"{name} did not become ready:\n{last}")


def start_prometheus(
    workdir: Path,
    *,
    scrape_targets: Sequence[str] = (),
    rule_files: Sequence[Path] = (),
    alertmanager: str | None = None,
    scrape_interval: str = "1s",
    extra_args: Sequence[str] = (),
    scrape_self: bool = True,
) -> Server:
    """Prometheus scraping itself (job `prometheus`) and `scrape_targets` (job `exporter`)."""
    require("prometheus")
    workdir.mkdir(parents=True, exist_ok=True)

    def build(port: int) -> list[str]:
        cfg = [
            f"global: {{scrape_interval: {scrape_interval}, evaluation_interval: {scrape_interval}}}",
        ]
        if rule_files:
            cfg.append("rule_files: [" + ", ".join(f"'{p}'" for p in rule_files) + "]")
        if alertmanager:
            host = alertmanager.split("://", 1)[-1].rstrip("/")
            cfg.append(f"alerting: {{alertmanagers: [{{static_configs: [{{targets: ['{host}']}}]}}]}}")
        jobs = []
        if scrape_self:
            jobs.append(f"{{job_name: prometheus, static_configs: [{{targets: ['127.0.0.1:{port}']}}]}}")
        if scrape_targets:
            targets = ", ".join(f"'{t}'" for t in scrape_targets)
            jobs.append(f"{{job_name: exporter, static_configs: [{{targets: [{targets}]}}]}}")
        cfg.append("scrape_configs: [" + ", ".join(jobs) + "]")
        (workdir / "prometheus.yml").write_text("\n".join(cfg) + "\n")
        return [
            "prometheus",
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
            "--rules.alert.resend-delay=1s",
            "--log.level=warn",
            *extra_args,
        ]

    return _launch(
        "prometheus",
        workdir,
        build,
        lambda p: _http_ready(f"http://127.0.0.1:{p}/-/ready"),
        lambda p: f"http://127.0.0.1:{p}",
    )


def start_alertmanager(workdir: Path, config_yaml: str) -> Server:
    """Alertmanager with the given config; gossip disabled (no 0.0.0.0:9094 listener)."""
    require("prometheus-alertmanager")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "alertmanager.yml").write_text(config_yaml)

    def build(port: int) -> list[str]:
        return [
            "prometheus-alertmanager",
            f"--config.file={workdir / 'alertmanager.yml'}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ]

    return _launch(
        "alertmanager",
        workdir,
        build,
        lambda p: _http_ready(f"http://127.0.0.1:{p}/-/ready"),
        lambda p: f"http://127.0.0.1:{p}",
    )


BLACKBOX_CONFIG = """modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
  http_2xx_insecure:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      tls_config: {insecure_skip_verify: true}
  tcp_connect:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
"""


def start_blackbox(workdir: Path, config_yaml: str = BLACKBOX_CONFIG) -> Server:
    """Blackbox exporter; probe with GET /probe?module=http_2xx&target=URL."""
    require("prometheus-blackbox-exporter")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "blackbox.yml").write_text(config_yaml)

    def build(port: int) -> list[str]:
        return [
            "prometheus-blackbox-exporter",
            f"--config.file={workdir / 'blackbox.yml'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]

    return _launch(
        "blackbox",
        workdir,
        build,
        lambda p: _http_ready(f"http://127.0.0.1:{p}/-/healthy"),
        lambda p: f"http://127.0.0.1:{p}",
    )


def start_redis(workdir: Path, password: str | None = None) -> Server:
    """redis-server without persistence; `password` sets requirepass."""
    require("redis-server")
    workdir.mkdir(parents=True, exist_ok=True)

    def build(port: int) -> list[str]:
        argv = [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ]
        if password:
            argv += ["--requirepass", password]
        return argv

    server = _launch(
        "redis",
        workdir,
        build,
        lambda p: _redis_ready(p, password),
        lambda p: f"redis://127.0.0.1:{p}",
    )
    if password:
        server.extra["password"] = password
    return server


# --- a small exporter with known series ------------------------------------------------------

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"

KNOWN_SERIES_TEXT = """# HELP obsctl_test_requests_total Requests handled, by method and code.
# TYPE obsctl_test_requests_total counter
obsctl_test_requests_total{method="GET",code="200"} 1027
obsctl_test_requests_total{method="POST",code="500"} 3
# HELP obsctl_test_temperature_celsius Room temperature.
# TYPE obsctl_test_temperature_celsius gauge
obsctl_test_temperature_celsius{room="lab a"} 21.5
obsctl_test_temperature_celsius{room="it's \\"quoted\\""} -4.25
# HELP obsctl_test_up_ratio Always one.
# TYPE obsctl_test_up_ratio gauge
obsctl_test_up_ratio 1
"""

KNOWN_SERIES_OPENMETRICS = f"""# HELP obsctl_test_requests Requests handled, by method and code.
# TYPE obsctl_test_requests counter
obsctl_test_requests_total{{method="GET",code="200"}} 1027 # {{trace_id="{TRACE_ID}"}} 1.0
obsctl_test_requests_total{{method="POST",code="500"}} 3
# HELP obsctl_test_temperature_celsius Room temperature.
# TYPE obsctl_test_temperature_celsius gauge
obsctl_test_temperature_celsius{{room="lab a"}} 21.5
obsctl_test_temperature_celsius{{room="it's \\"quoted\\""}} -4.25
# HELP obsctl_test_up_ratio Always one.
# TYPE obsctl_test_up_ratio gauge
obsctl_test_up_ratio 1
# HELP obsctl_test_latency_seconds Request latency.
# TYPE obsctl_test_latency_seconds histogram
obsctl_test_latency_seconds_bucket{{le="0.1"}} 8 # {{trace_id="{TRACE_ID}"}} 0.05
obsctl_test_latency_seconds_bucket{{le="1.0"}} 10
obsctl_test_latency_seconds_bucket{{le="+Inf"}} 11
obsctl_test_latency_seconds_count 11
obsctl_test_latency_seconds_sum 4.5
# EOF
"""


class KnownExporter:
    """An in-process /metrics endpoint with fixed series (text format, or OpenMetrics with
    exemplars when the scraper asks for it)."""

    def __init__(self, text: str = KNOWN_SERIES_TEXT, openmetrics: str = KNOWN_SERIES_OPENMETRICS) -> None:
        exporter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                exporter.scrapes += 1
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404)
                    return
                accept = self.headers.get("Accept", "")
                if "application/openmetrics-text" in accept:
                    body = openmetrics.encode()
                    ctype = "application/openmetrics-text; version=1.0.0; charset=utf-8"
                else:
                    body = text.encode()
                    ctype = "text/plain; version=0.0.4; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.scrapes = 0
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.address}/metrics"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, interval: float = 0.2) -> bool:
    """Poll until predicate() is true; returns False on timeout (the caller asserts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return True
        time.sleep(interval)
    return False


def env_without_proxies() -> dict[str, str]:
    """The environment minus proxy settings, so loopback traffic never leaves the machine."""
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
