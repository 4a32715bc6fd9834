"""Ops files written beside the service (`--ops`, default on) into observability/deploy/.

Prometheus scrape config and alert rules, Alertmanager routing (critical -> PagerDuty and Slack,
warning -> Slack, secrets from files), a Grafana RED dashboard with its provisioning, Filebeat for
the JSON logs and a docker-compose file starting the stack. The tests run promtool, amtool and
`obsctl alerts check` on what these templates render.
"""

from __future__ import annotations

from pathlib import Path

from obsctl.instrument.detect import Detection
from obsctl.instrument.generate import render, template, values

OPS_DIR = Path("observability") / "deploy"
OPS_FILES = (
    "prometheus.yml",
    "alert_rules.yml",
    "alertmanager.yml",
    "docker-compose.yml",
    "filebeat.yml",
    "grafana/dashboards/red.json",
    "grafana/provisioning/dashboards/obsctl.yml",
    "grafana/provisioning/datasources/prometheus.yml",
    "README.md",
)


def ops_files(det: Detection, ops_dir: Path = OPS_DIR) -> dict[Path, str]:
    """Relative path -> content of every ops file."""
    vals = values(det, False)
    return {ops_dir / name: render(template(f"ops/{name}"), vals) for name in OPS_FILES}
