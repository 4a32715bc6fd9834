"""Session-wide real servers, each started on first use. Every test in this folder is an
integration test.

`prometheus` is the one Prometheus of a test run, shared by every folder (tests/integration/
shared.py): started in the background once collection shows a test will use it, stopped at the
end of the session. Tests that need another config (rules of their own, an Alertmanager) start a
private one with `start_prometheus`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.exporter import KnownExporter
from tests.integration.servers import Server, start_alertmanager, start_blackbox, start_redis
from tests.integration.shared import SharedPrometheus

SHARED = SharedPrometheus()

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


def pytest_collection_finish(session: pytest.Session) -> None:
    if any("prometheus" in getattr(item, "fixturenames", ()) for item in session.items):
        SHARED.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    SHARED.stop()


@pytest.fixture(scope="session")
def exporter() -> KnownExporter:
    return SHARED.exporter()


@pytest.fixture(scope="session")
def prometheus(exporter: KnownExporter) -> Server:
    """The shared Prometheus 2.42 (tests/integration/shared.py), once every target has been scraped
    and the rules evaluated. `extra`: `dead` (the down target) and `history_end` (unix seconds of
    the last backfilled sample; the history covers the HISTORY_SECONDS before it). Every folder
    shares it: never reload its config, delete series or otherwise change it from a test."""
    return SHARED.server()


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
