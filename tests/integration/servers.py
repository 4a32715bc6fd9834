"""Start real servers from their Debian packages on 127.0.0.1 free ports, for integration tests.

Each `start_*` returns a running `Server` (stop it with `.stop()`); readiness is awaited before
returning, and a start that loses a port race is retried. Binaries missing -> pytest.skip, which
the root conftest turns into a failure under CI=true.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    history: Callable[[int], str] | None = None,
) -> Server:
    """Prometheus scraping itself (job `prometheus`) and `scrape_targets` (job `exporter`).

    `history(port)` returns OpenMetrics text (timestamps in the past, `# EOF` last) that is written
    into the TSDB as blocks before the server starts, so queries see that past at once."""
    require("prometheus", *(["promtool"] if history else []))
    workdir.mkdir(parents=True, exist_ok=True)

    def build(port: int) -> list[str]:
        if history is not None:
            backfill(workdir / "data", history(port))
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


def backfill(data_dir: Path, openmetrics: str) -> None:
    """Write `openmetrics` into a fresh TSDB at `data_dir` with promtool (a failure raises, with its output)."""
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    source = data_dir.parent / "history.om"
    source.write_text(openmetrics)
    proc = subprocess.run(  # noqa: S603 - fixed binary
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q", str(source), str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0 or not any(data_dir.iterdir()):
        raise RuntimeError(f"promtool could not backfill {source}:\n{proc.stdout}{proc.stderr}")


def get_json(server: Server, path: str, **params: str) -> Any:
    """GET an API path directly (no obsctl), for readiness checks and expected values."""
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    with urllib.request.urlopen(f"{server.url}{path}{query}", timeout=5) as resp:  # noqa: S310 - loopback
        return json.load(resp)


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
