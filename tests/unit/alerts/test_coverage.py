"""Prometheus rule loading and routing coverage."""

from __future__ import annotations

import pytest

from obsctl.alerts.config import load_config_file, load_config_text
from obsctl.alerts.coverage import compute_coverage
from obsctl.alerts.promrules import AlertRule, external_labels, parse_rule_text, rules_from_api
from obsctl.core.errors import UsageError

from .conftest import FIXTURES, fixture_json

RULES = """groups:
  - name: node
    rules:
      - alert: NodeDown
        expr: up == 0
        for: 5m
        labels:
          severity: critical
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: DiskFilling
        expr: disk > 0.9
        labels: {severity: warning, team: storage}
      - alert: Templated
        expr: x > 1
        labels:
          severity: "{{ $labels.sev }}"
  - name: empty
    rules:
"""

CONFIG = """route:
  receiver: default
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      routes:
        - matchers: ['team="db"']
          receiver: db-pager
    - matchers: ['team=~"db|storage"']
      receiver: dba
      continue: true
    - matchers: ['team="storage"']
      receiver: storage
    - matchers: ['team="nobody"']
      receiver: ghost
receivers: [{name: default}, {name: pager}, {name: db-pager}, {name: dba}, {name: storage}, {name: ghost}]
"""


def test_rules_parse_alerts_only_with_sources():
    rules = parse_rule_text(RULES, "node.yml")
    assert [(r.name, r.labels, r.source, r.group) for r in rules] == [
        ("NodeDown", {"severity": "critical"}, "node.yml:4", "node"),
        ("DiskFilling", {"severity": "warning", "team": "storage"}, "node.yml:11", "node"),
        ("Templated", {"severity": "{{ $labels.sev }}"}, "node.yml:14", "node"),
    ]
    assert rules[2].templated == ("severity",)
    assert rules[2].label_set() == {"alertname": "Templated"}


def test_alertname_wins_over_labels_and_external_labels_lose():
    rule = AlertRule("X", {"alertname": "Y", "cluster": "eu1"}, "f", "g")
    assert rule.label_set({"cluster": "prod", "replica": "a"}) == {
        "cluster": "eu1",
        "replica": "a",
        "alertname": "X",
    }


def test_prometheus_rule_custom_resources_are_accepted():
    text = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n" + "\n".join(
        "  " + line for line in RULES.splitlines()
    )
    assert [r.name for r in parse_rule_text(text, "cr.yml")] == ["NodeDown", "DiskFilling", "Templated"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("groups: [\n", "bad.yml:2: invalid YAML"),
        ("- a\n", "bad.yml:1: a rule file must be a mapping with `groups:`"),
        ("groups: {a: 1}\n", "bad.yml:1: `groups` must be a list"),
        ("groups:\n  - rules: []\n", "bad.yml:2: groups[0] has no name"),
        ("groups:\n  - name: a\n  - name: a\n", "bad.yml:3: group 'a' is defined twice"),
        (
            "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n        labels: [a]\n",
            "bad.yml:6: group 'a' rule 1 (alert 'X'): `labels` must be a mapping",
        ),
        (
            "groups:\n  - name: a\n    rules:\n      - alert: X\n",
            "bad.yml:4: group 'a' rule 1 (alert 'X'): `expr` is missing or empty",
        ),
        (
            "groups:\n  - name: a\n    rules:\n      - alert: X\n        record: y\n        expr: up\n",
            "bad.yml:4: group 'a' rule 1 (alert 'X'): give exactly one of `alert` or `record`",
        ),
        (
            "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n        lables: {}\n",
            "bad.yml:6: group 'a' rule 1 (alert 'X'): unknown field 'lables'",
        ),
        (
            "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n        labels: {1bad: x}\n",
            "bad.yml:6: group 'a' rule 1 (alert 'X'): invalid label name '1bad'",
        ),
    ],
)
def test_bad_rule_files_name_file_line_and_rule(text, message):
    with pytest.raises(UsageError) as err:
        parse_rule_text(text, "bad.yml")
    assert err.value.message.startswith(message)


def test_rules_from_the_prometheus_api_capture():
    rules = rules_from_api(fixture_json("prometheus_rules.json"))
    assert [(r.name, r.labels, r.source) for r in rules] == [
        ("HighRequestLatency", {"severity": "page"}, "/rules.yaml:example")
    ]


def test_external_labels_from_prometheus_config():
    assert external_labels("global:\n  external_labels:\n    cluster: eu1\n") == {"cluster": "eu1"}
    assert external_labels("global: {}\n") == {}


def test_coverage_rows_default_and_unreached_routes():
    cfg = load_config_text(CONFIG, "am.yml")
    report = compute_coverage(cfg, parse_rule_text(RULES, "node.yml"))
    rows = [(r.alert, r.receivers, r.routes, r.default) for r in report.rows]
    assert rows == [
        ("NodeDown", ["pager"], ["route.routes[0]"], False),
        ("DiskFilling", ["dba", "storage"], ["route.routes[1]", "route.routes[2]"], False),
        ("Templated", ["default"], ["route"], True),
    ]
    # routes[0] is entered (NodeDown) even though its child is not; the db child and ghost are not.
    assert [u.route for u in report.unreached] == ["route.routes[0].routes[0]", "route.routes[3]"]
    doc = report.to_json()
    assert doc["summary"] == {"alerts": 3, "default": 1, "routes": 5, "unreached_routes": 2}
    assert doc["unreached_routes"][1] == {
        "route": "route.routes[3]",
        "receiver": "ghost",
        "matchers": ['team="nobody"'],
        "line": report.unreached[1].line,
    }


def test_extra_labels_take_part_in_routing():
    cfg = load_config_text(CONFIG, "am.yml")
    rules = [AlertRule("X", {}, "f", "g")]
    assert compute_coverage(cfg, rules, extra_labels={"team": "nobody"}).rows[0].receivers == ["ghost"]


def test_kube_prometheus_config_routes_watchdog_and_info_inhibitor():
    cfg = load_config_file(FIXTURES / "kube_prometheus_alertmanager.yaml")
    rules = [
        AlertRule("Watchdog", {"severity": "none"}, "f", "g"),
        AlertRule("InfoInhibitor", {"severity": "none"}, "f", "g"),
        AlertRule("KubePodCrashLooping", {"severity": "warning"}, "f", "g"),
        AlertRule("KubeAPIDown", {"severity": "critical"}, "f", "g"),
    ]
    report = compute_coverage(cfg, rules)
    assert [(r.alert, r.receivers, r.default) for r in report.rows] == [
        ("Watchdog", ["Watchdog"], False),
        ("InfoInhibitor", ["null"], False),
        ("KubePodCrashLooping", ["Default"], True),
        ("KubeAPIDown", ["Critical"], False),
    ]
