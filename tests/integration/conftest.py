"""Session-wide real servers. Every test in this folder is an integration test."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.servers import (
    KnownExporter,
    Server,
    start_alertmanager,
    start_blackbox,
    start_prometheus,
    start_redis,
    wait_until,
)

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
    """Prometheus scraping itself and the known exporter every second, with both targets up."""
    server = start_prometheus(tmp_path_factory.mktemp("prometheus"), scrape_targets=[exporter.address])

    def both_up() -> bool:
        url = f"{server.url}/api/v1/query?query=sum(up)"
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310
            result = json.load(resp)["data"]["result"]
        return bool(result) and float(result[0]["value"][1]) >= 2

    if not wait_until(both_up, timeout=30):
        server.stop()
        raise RuntimeError("prometheus targets did not come up:\n" + server.logs())
    yield server
    server.stop()


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
