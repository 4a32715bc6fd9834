"""Live config: `obsctl alerts test` without --am-config reads the running Alertmanager's config,
and answers like `amtool config routes test --alertmanager.url` on the same server."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.integration.alerts.engine_amtool import AMTOOL
from tests.integration.servers import require

pytestmark = pytest.mark.integration

LABEL_SETS = [
    ["severity=critical"],
    ["team=db"],
    ["team=storage"],
    ["team=storage", "severity=critical"],
    ["alertname=X"],
    [],
]


@pytest.mark.parametrize("labels", LABEL_SETS, ids=[",".join(x) or "none" for x in LABEL_SETS])
def test_live_config_matches_amtool(alertmanager, run_cli, labels: list[str]) -> None:  # type: ignore[no-untyped-def]
    require("amtool")  # a skip here fails under CI=true
    assert AMTOOL is not None
    amtool = subprocess.run(
        [AMTOOL, "config", "routes", "test", f"--alertmanager.url={alertmanager.url}", *labels],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert amtool.returncode == 0, amtool.stderr
    r = run_cli(["alerts", "test", "-o", "json", *labels], env={"OBSCTL_ALERTMANAGER_URL": alertmanager.url})
    assert r.exit_code == 0, r.output
    assert ",".join(json.loads(r.stdout)["receivers"]) == amtool.stdout.strip()
