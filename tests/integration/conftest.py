"""Session-wide real servers, each started on first use. Every test in this folder is an
integration test.

`prometheus` is the one Prometheus of a test run, shared by every folder: it scrapes itself, the
KnownExporter and a port where nothing listens (down) every second, evaluates RULES every second,
stores exemplars, and starts with HISTORY_SECONDS of the exporter's past backfilled, so tests that
need history have it at once. Tests that need another config (rules of their own, an Alertmanager)
start a private one with `start_prometheus`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.exporter import HISTORY_SECONDS, KnownExporter, known_history
from tests.integration.servers import (
    Server,
    free_port,
    get_json,
    start_alertmanager,
    start_blackbox,
    start_prometheus,
    start_redis,
    wait_until,
)

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

BASIC_AM_CONFIG = """route:
  receiver: default
  group_by: [alertname]
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
    - matchers: ['team=~"db|storage"']
      receiver: dba
      continue: true
    - matchers: ['team="storage"']
      receiver: storage
receivers:
  - name: default
  - name: pager
  - name: dba
  - name: storage
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def exporter() -> Iterator[KnownExporter]:
    exp = KnownExporter()
    yield exp
    exp.stop()


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory, exporter: KnownExporter) -> Iterator[Server]:
    """The shared Prometheus 2.42 (see the module docstring), once every target has been scraped and
    the rules evaluated. `extra`: `dead` (the down target) and `history_end` (unix seconds of the
    last backfilled sample; the history covers the HISTORY_SECONDS before it)."""
    work = tmp_path_factory.mktemp("prometheus")
    dead = f"127.0.0.1:{free_port()}"
    rules = Path(work) / "rules.yml"
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
    yield server
    server.stop()


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


@pytest.fixture(scope="session")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_alertmanager(tmp_path_factory.mktemp("alertmanager"), BASIC_AM_CONFIG)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def blackbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_blackbox(tmp_path_factory.mktemp("blackbox"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_with_password(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_redis(tmp_path_factory.mktemp("redis-auth"), password="s3cret-redis")
    yield server
    server.stop()
