"""The generated alert rules and Alertmanager config pass promtool, amtool and `obsctl alerts check`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from obsctl.instrument import ops
from obsctl.instrument.detect import AppTarget, Detection, Packaging

pytestmark = pytest.mark.integration


@pytest.fixture
def deploy(tmp_path: Path) -> Path:
    det = Detection(
        root=tmp_path, name="orders-api", version="1", packaging=Packaging("pep621", Path("pyproject.toml")),
        framework="fastapi", apps=(AppTarget(Path("main.py"), "main", "app", "fastapi"),),
        package_dir=Path("."), import_base="", serving=None,
    )
    for path, text in ops.ops_files(det, Path("deploy")).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    return tmp_path / "deploy"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed")
    return path


def test_promtool_accepts_rules_and_config(deploy):
    rules = subprocess.run([_tool("promtool"), "check", "rules", str(deploy / "alert_rules.yml")],
                           capture_output=True, text=True, timeout=60, check=False)
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert "3 rules found" in rules.stdout
    config = deploy / "prometheus.yml"
    text = config.read_text().replace("/etc/prometheus/alert_rules.yml", str(deploy / "alert_rules.yml"))
    config.write_text(text)
    checked = subprocess.run([_tool("promtool"), "check", "config", str(config)],
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_amtool_and_obsctl_accept_alertmanager_config(deploy, run_cli):
    am = deploy / "alertmanager.yml"
    checked = subprocess.run([_tool("amtool"), "check-config", str(am)], capture_output=True, text=True,
                             timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = run_cli(["alerts", "check", "--strict", str(am)])
    assert result.exit_code == 0, result.output


def test_routing_critical_to_pagerduty_warning_to_slack(deploy, run_cli):
    am = str(deploy / "alertmanager.yml")
    critical = run_cli(["alerts", "test", "--am-config", am, "severity=critical", "alertname=InstanceDown"])
    warning = run_cli(["alerts", "test", "--am-config", am, "severity=warning", "alertname=HighLatencyP95"])
    assert "pagerduty-critical" in critical.stdout, critical.output
    assert "slack-warning" in warning.stdout, warning.output
