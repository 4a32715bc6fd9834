"""The one Prometheus of a test run, shared by every test folder, and the exporter it scrapes.

It scrapes itself, the KnownExporter and a port where nothing listens (down) every second,
evaluates RULES every second, stores exemplars, and starts with HISTORY_SECONDS of the exporter's
past backfilled by promtool, so tests that need history have it at once. What the backfill cannot
provide (target health, rule state, exemplars) needs a first live scrape, which Prometheus 2.42
only starts on its 5-second target-reload tick: the conftest therefore starts it in a background
thread as soon as collection shows that a test will use it, and that wait overlaps other tests.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path

from tests.integration.exporter import HISTORY_SECONDS, KnownExporter, known_history
from tests.integration.servers import Server, get_json, start_prometheus, wait_until

RULES = """groups:
  - name: obsctl-test
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        for: 0s
        labels: {severity: page}
        annotations: {summary: "always firing, for tests"}
      - alert: AlwaysPending
        expr: vector(2)
        for: 1h
        labels: {severity: ticket}
      - record: obsctl:test_requests:sum
        expr: sum(obsctl_test_requests_total)
"""


class SharedPrometheus:
    """Starts once (in the background or on demand), hands out the running server, stops once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exporter: KnownExporter | None = None
        self._future: Future[Server] | None = None
        self._workdir: Path | None = None

    def exporter(self) -> KnownExporter:
        with self._lock:
            if self._exporter is None:
                self._exporter = KnownExporter()
            return self._exporter

    def start(self) -> None:
        """Begin starting Prometheus in a background thread (no-op when already begun)."""
        exporter = self.exporter()
        with self._lock:
            if self._future is not None:
                return
            self._future = Future()
            self._workdir = Path(tempfile.mkdtemp(prefix="obsctl-prometheus-"))
            future, workdir = self._future, self._workdir

        def run() -> None:
            try:
                future.set_result(_start(workdir, exporter))
            except BaseException as exc:  # noqa: BLE001 - pytest.skip included: re-raised in the test
                future.set_exception(exc)

        threading.Thread(target=run, name="shared-prometheus", daemon=True).start()

    def server(self) -> Server:
        """The running, scraped Prometheus; raises what starting it raised (a skip when not installed)."""
        self.start()
        assert self._future is not None
        return self._future.result(timeout=120)

    def stop(self) -> None:
        with self._lock:
            future, exporter, workdir = self._future, self._exporter, self._workdir
            self._future = self._exporter = self._workdir = None
        if future is not None:
            try:
                future.result(timeout=120).stop()
            except BaseException:  # noqa: BLE001, S110 - it never started: nothing to stop
                pass
        if exporter is not None:
            exporter.stop()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


# Sockets bound but never listening: a connect to them is refused, and while they stay bound no other
# test's server can be handed the same port (a plain free port was taken by a fake ES mid-run once).
_HELD: list[socket.socket] = []


def _refusing_address() -> str:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    _HELD.append(sock)
    return f"127.0.0.1:{sock.getsockname()[1]}"


def _start(work: Path, exporter: KnownExporter) -> Server:
    dead = _refusing_address()
    rules = work / "rules.yml"
    rules.write_text(RULES)
    history_end = 0

    def history(port: int) -> str:
        nonlocal history_end
        history_end = int(time.time()) - 1
        return known_history(
            end=history_end,
            seconds=HISTORY_SECONDS,
            exporter=exporter.address,
            dead=dead,
            prometheus=f"127.0.0.1:{port}",
        )

    server = start_prometheus(
        work,
        scrape_targets=[exporter.address, dead],
        rule_files=[rules],
        extra_args=["--enable-feature=exemplar-storage"],
        history=history,
    )
    server.extra.update(dead=dead, history_end=str(history_end))
    if not wait_until(lambda: _scraped_and_evaluated(server), timeout=30, interval=0.1):
        logs = server.logs()
        server.stop()
        raise RuntimeError("the shared Prometheus did not scrape its targets or evaluate its rules:\n" + logs)
    return server


def _scraped_and_evaluated(server: Server) -> bool:
    """Live state the backfill cannot provide: target health, rule state, stored exemplars."""
    targets = get_json(server, "/api/v1/targets", state="active")["data"]["activeTargets"]
    alerts = get_json(server, "/api/v1/alerts")["data"]["alerts"]
    now = str(int(time.time()))
    exemplars = get_json(
        server, "/api/v1/query_exemplars", query="obsctl_test_requests_total", start="0", end=now
    )["data"]
    return (
        sorted(t["health"] for t in targets) == ["down", "up", "up"]
        and any(a["state"] == "firing" for a in alerts)
        and bool(exemplars)
    )
