"""A Prometheus of our own for the metrics tests: exemplar storage on, a rules file loaded.

It scrapes itself and the shared KnownExporter every second (OpenMetrics, so exemplars are kept)
and evaluates an always-firing alert, an always-pending alert and a recording rule every second.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.servers import KnownExporter, Server, free_port, start_prometheus, wait_until

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


def api(server: Server, path: str, **params: str) -> Any:
    """GET an API path directly (no obsctl), for readiness checks and expected values."""
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{server.url}{path}?{query}", timeout=5) as resp:  # noqa: S310 - loopback
        return json.load(resp)


@pytest.fixture(scope="session")
def metrics_prom(tmp_path_factory: pytest.TempPathFactory, exporter: KnownExporter) -> Iterator[Server]:
    """Prometheus 2.42 with exemplar storage and rules; the exporter and itself up, one dead target
    (nothing listens on its port) down, exemplars already stored."""
    work = tmp_path_factory.mktemp("metrics-prom")
    dead = f"127.0.0.1:{free_port()}"
    rules = Path(work) / "rules.yml"
    rules.write_text(RULES)
    server = start_prometheus(
        work,
        scrape_targets=[exporter.address, dead],
        rule_files=[rules],
        extra_args=["--enable-feature=exemplar-storage"],
    )

    def ready() -> bool:
        up = api(server, "/api/v1/query", query="sum(up)")["data"]["result"]
        down = api(server, "/api/v1/query", query="up == 0")["data"]["result"]
        firing = api(server, "/api/v1/alerts")["data"]["alerts"]
        recorded = api(server, "/api/v1/query", query="obsctl:test_requests:sum")["data"]["result"]
        ex = api(
            server,
            "/api/v1/query_exemplars",
            query="obsctl_test_requests_total",
            start="0",
            end="9999999999",
        )["data"]
        return (
            bool(up)
            and float(up[0]["value"][1]) >= 2
            and bool(down)
            and any(a["state"] == "firing" for a in firing)
            and bool(recorded)
            and bool(ex)
        )

    server.extra["dead"] = dead

    def history() -> bool:
        # Range tests look 20 s back: wait until every second of that has been scraped.
        got = api(server, "/api/v1/query", query="count_over_time(obsctl_test_up_ratio[30s])")["data"][
            "result"
        ]
        return bool(got) and float(got[0]["value"][1]) >= 27

    if not wait_until(ready, timeout=40) or not wait_until(history, timeout=60):
        logs = server.logs()
        server.stop()
        raise RuntimeError("metrics Prometheus did not become ready:\n" + logs)
    yield server
    server.stop()


@pytest.fixture
def prom_env(metrics_prom: Server) -> dict[str, str]:
    return {"OBSCTL_PROMETHEUS_URL": metrics_prom.url}
