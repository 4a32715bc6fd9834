"""A real Alertmanager (and Prometheus with rules) for the live-alerts tests.

The session `alertmanager` fixture of tests/integration is shared with other suites; the live verbs
post alerts and silences, so they get their own server with a config made for them. Each test
uses its own alertname/labels so tests stay independent on the shared server.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.servers import Server, require, start_alertmanager, start_prometheus, wait_until

LIVE_AM_CONFIG = (Path(__file__).parents[2] / "fixtures" / "alertmanager" / "routing.yml").read_text()

RULES = """groups:
  - name: live-coverage
    rules:
      - alert: LiveCoverageDown
        expr: vector(1) == 0
        labels:
          severity: critical
      - alert: LiveCoverageDisk
        expr: vector(1) == 0
        labels:
          team: storage
      - alert: LiveCoverageOrphan
        expr: vector(1) == 0
      - record: live:coverage:sum
        expr: vector(1)
"""


@pytest.fixture(scope="session")
def live_am(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_alertmanager(tmp_path_factory.mktemp("alertmanager-live"), LIVE_AM_CONFIG)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rules_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Prometheus that loaded RULES (no scrape targets needed)."""
    workdir = tmp_path_factory.mktemp("prometheus-rules")
    rules = workdir / "live.rules.yml"
    rules.write_text(RULES)
    server = start_prometheus(workdir, rule_files=[rules], scrape_self=False)

    def loaded() -> bool:
        return len(get_json(server.url + "/api/v1/rules?type=alert")["data"]["groups"]) == 1

    if not wait_until(loaded, timeout=30):
        server.stop()
        raise RuntimeError("prometheus did not load the rules:\n" + server.logs())
    yield server
    server.stop()


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback only
        return json.load(resp)


def amtool(server: Server, *args: str) -> Any:
    """Run amtool against the server with -o json and decode its answer."""
    require("amtool")
    proc = subprocess.run(  # noqa: S603 - fixed binary
        ["amtool", f"--alertmanager.url={server.url}", "-o", "json", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout or "null")


def am_env(server: Server) -> dict[str, str]:
    return {"OBSCTL_ALERTMANAGER_URL": server.url, "USER": "tester"}


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path
