"""The metrics tests run against the shared Prometheus (tests/integration/conftest.py)."""

from __future__ import annotations

import pytest

from tests.integration.servers import Server


@pytest.fixture
def prom_env(prometheus: Server) -> dict[str, str]:
    return {"OBSCTL_PROMETHEUS_URL": prometheus.url}
