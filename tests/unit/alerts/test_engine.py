"""Routing, inheritance, time intervals, inhibition, config findings and diffs."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from obsctl.alerts.check import check_config_text
from obsctl.alerts.config import ConfigError, load_config_file, load_config_text, parse_model_duration
from obsctl.alerts.diff import diff_label_sets, probe_label_sets
from obsctl.alerts.inhibit import is_inhibited
from obsctl.alerts.routing import match_routes, receivers_for
from obsctl.alerts.timeintervals import is_muted

FIXTURES = Path(__file__).parents[2] / "fixtures" / "alertmanager"

TREE = """
route:
  receiver: root
  group_by: [alertname]
  group_wait: 10s
  routes:
    - matchers: ['team="db"']
      receiver: db
      group_by: ['...']
      repeat_interval: 1h
      continue: true
      routes:
        - matchers: ['severity="critical"']
          receiver: db-pager
          group_interval: 1m
        - matchers: ['severity="warning"']
    - matchers: ['team=~"db|web"']
      receiver: dup
      continue: true
    - matchers: ['team=~"db|web"']
      receiver: dup
    - match: {env: dev}
      receiver: never-after-dup
receivers: [{name: root}, {name: db}, {name: db-pager}, {name: dup}, {name: never-after-dup}]
"""


@pytest.fixture
def cfg():  # type: ignore[no-untyped-def]
    return load_config_text(TREE, "tree.yml")


def test_continue_and_duplicates_in_alertmanager_order(cfg) -> None:  # type: ignore[no-untyped-def]
    assert receivers_for(cfg, {"team": "db", "severity": "critical"}) == ["db-pager", "dup", "dup"]
    assert receivers_for(cfg, {"team": "web", "env": "dev"}) == ["dup", "dup"]
    assert receivers_for(cfg, {"env": "dev"}) == ["never-after-dup"]
    assert receivers_for(cfg, {}) == ["root"]


def test_inheritance_of_receiver_grouping_and_timing(cfg) -> None:  # type: ignore[no-untyped-def]
    pager, warn = (
        match_routes(cfg, {"team": "db", "severity": "critical"})[0],
        match_routes(cfg, {"team": "db", "severity": "warning"})[0],
    )
    assert pager.group_by == ["..."] and pager.group_wait == "10s" and pager.group_interval == "1m"
    assert pager.repeat_interval == "1h" and pager.path == (0, 0)
    assert warn.receiver == "db"  # no receiver: inherited from the parent
    assert warn.group_interval == "5m"  # default
    root = match_routes(cfg, {})[0]
    assert (root.group_by, root.group_wait, root.group_interval, root.repeat_interval) == (
        ["alertname"],
        "10s",
        "5m",
        "4h",
    )
    assert pager.to_json()["continue"] is False and set(pager.to_json()) >= {
        "receiver",
        "path",
        "matchers",
        "group_by",
        "mute_time_intervals",
    }


def test_group_by_empty_list_inherits_like_alertmanager() -> None:
    c = load_config_text(
        "route:\n  receiver: a\n  group_by: [x]\n  routes:\n    - {receiver: a, group_by: []}\nreceivers: [{name: a}]\n",
        "g.yml",
    )
    assert match_routes(c, {})[0].group_by == ["x"]


def test_yaml_scalars_are_kept_as_text_like_yaml_v2() -> None:
    c = load_config_file(FIXTURES / "differential" / "mixed_styles.yml")
    labels = {"code": "500", "flag": "true", "ratio": "1.0", "hex": "0x1F", "yes_word": "yes"}
    assert receivers_for(c, labels) == ["typed-scalars"]


def test_config_errors_carry_file_and_line() -> None:
    with pytest.raises(ConfigError) as exc:
        load_config_text(
            "route:\n  receiver: a\n  routes:\n    - receiver: b\nreceivers: [{name: a}]\n", "am.yml"
        )
    assert str(exc.value).startswith('am.yml:4: undefined receiver "b" used in route')
    assert exc.value.exit_code == 2


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0), ("30s", 30), ("1h30m", 5400), ("1d", 86400), ("1w", 604800), ("500ms", 0.5)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_model_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "5x", "1.5h", "m5", "1m1h"])
def test_parse_duration_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_model_duration(bad)


TI = """
route:
  receiver: a
  routes:
    - matchers: [x=1]
      receiver: muted-weekends
      mute_time_intervals: [weekends, month-end]
    - matchers: [x=2]
      receiver: office
      active_time_intervals: [office]
receivers: [{name: a}, {name: muted-weekends}, {name: office}]
time_intervals:
  - name: weekends
    time_intervals: [{weekdays: [saturday, sunday]}]
  - name: office
    time_intervals:
      - {weekdays: ['Monday:Friday'], times: [{start_time: '09:00', end_time: '17:00'}], location: Europe/Berlin}
mute_time_intervals:
  - name: month-end
    time_intervals: [{days_of_month: ['-2:-1'], months: ['january:march'], years: ['2026:2027']}]
"""


@pytest.mark.parametrize(
    ("labels", "at", "muted"),
    [
        ({"x": "1"}, "2026-01-03T12:00:00+00:00", True),  # Saturday
        ({"x": "1"}, "2026-01-05T12:00:00+00:00", False),  # Monday
        ({"x": "1"}, "2026-02-27T12:00:00+00:00", True),  # Feb 27 = second-to-last day of Feb 2026 (a Friday)
        ({"x": "1"}, "2025-02-27T12:00:00+00:00", False),  # 2025 is outside years
        ({"x": "1"}, "2026-04-29T12:00:00+00:00", False),  # April is outside months
        ({"x": "2"}, "2026-01-05T08:30:00+00:00", False),  # 09:30 in Berlin, Monday
        ({"x": "2"}, "2026-01-05T07:30:00+00:00", True),  # 08:30 in Berlin
        ({"x": "2"}, "2026-01-05T16:00:00+00:00", True),  # 17:00 Berlin: end is exclusive
        ({"x": "2"}, "2026-01-04T10:00:00+00:00", True),  # Sunday
    ],
)
def test_time_intervals(labels: dict[str, str], at: str, muted: bool) -> None:
    c = load_config_text(TI, "ti.yml")
    (route,) = match_routes(c, labels)
    assert is_muted(c, route, datetime.fromisoformat(at))[0] is muted


def test_time_interval_reasons_and_deprecated_key() -> None:
    c = load_config_text(TI, "ti.yml")
    (route,) = match_routes(c, {"x": "1"})
    assert is_muted(c, route, datetime(2026, 1, 3, tzinfo=timezone.utc)) == (
        True,
        "mute_time_interval:weekends",
    )
    (office,) = match_routes(c, {"x": "2"})
    assert (
        is_muted(c, office, datetime(2026, 1, 3, tzinfo=timezone.utc))[1]
        == "outside active_time_intervals:office"
    )
    assert any(f.code == "deprecated-mute-time-intervals" for f in c.findings)


INHIBIT = """
route: {receiver: a}
receivers: [{name: a}]
inhibit_rules:
  - name: critical-mutes-warning
    source_matchers: [severity=critical]
    target_matchers: [severity=warning]
    equal: [cluster]
  - source_match: {alertname: NodeDown}
    target_match_re: {alertname: 'Pod.*'}
  - source_matchers: ['team="x"']
    target_matchers: ['team="x"']
"""


def test_inhibition_rules() -> None:
    c = load_config_text(INHIBIT, "i.yml")
    crit = {"severity": "critical", "cluster": "eu1"}
    assert is_inhibited(c, {"severity": "warning", "cluster": "eu1"}, [crit])[0]
    assert not is_inhibited(c, {"severity": "warning", "cluster": "us1"}, [crit])[0]
    # equal: a label absent on both sides counts as equal
    assert (
        is_inhibited(c, {"severity": "warning"}, [{"severity": "critical"}])[1].name
        == "critical-mutes-warning"
    )  # type: ignore[union-attr]
    assert is_inhibited(c, {"alertname": "PodCrash"}, [{"alertname": "NodeDown"}])[1].index == 1  # type: ignore[union-attr]
    # an alert matching both sides is not inhibited by a source that also matches both sides
    assert not is_inhibited(c, {"team": "x"}, [{"team": "x", "other": "1"}])[0]
    assert not is_inhibited(c, {"severity": "warning"}, [])[0]


def _codes(text: str) -> set[str]:
    return {f.code for f in check_config_text(text, "c.yml")[1]}


def test_lint_findings() -> None:
    codes = _codes((FIXTURES / "differential" / "shadowed.yml").read_text())
    assert "shadowed-route" in codes
    text = """
route:
  receiver: a
  routes:
    - matchers: ['x="1"', 'x="2"']
      receiver: a
    - match: {y: z}
      receiver: a
receivers:
  - name: a
    webhook_configs: [{url: 'http://hook/${TOKEN}'}]
  - name: unused
time_intervals:
  - {name: never, time_intervals: [{months: [may]}]}
inhibit_rules:
  - {source_matchers: [a=b], target_matchers: [c=d]}
"""
    assert {
        "unreachable-route",
        "deprecated-match",
        "env-placeholder",
        "unused-receiver",
        "unused-time-interval",
        "inhibit-without-equal",
        "receiver-without-integrations",
    } <= _codes(text)


def test_no_false_shadowing_with_continue_or_narrower_earlier_route() -> None:
    text = """
route:
  receiver: a
  routes:
    - {matchers: [x=1], receiver: a, continue: true}
    - {matchers: [x=1], receiver: a}
    - {matchers: ['x="1"', y=2], receiver: a}
    - {matchers: [x=~"1|2"], receiver: a}
receivers: [{name: a, webhook_configs: [{url: 'http://x/'}]}]
"""
    findings = check_config_text(text, "c.yml")[1]
    shadowed = [f.path for f in findings if f.code == "shadowed-route"]
    assert shadowed == ["route.routes[2]"]  # the third is caught by the second (x=1, no continue)


def test_diff_reports_receiver_and_grouping_changes() -> None:
    old = load_config_text(
        "route:\n  receiver: a\n  routes: [{matchers: [x=1], receiver: b}]\nreceivers: [{name: a}, {name: b}]\n",
        "old.yml",
    )
    new = load_config_text(
        "route:\n  receiver: a\n  routes: [{matchers: [x=1], receiver: b, group_by: [y]}, {matchers: [x=2], receiver: b}]\nreceivers: [{name: a}, {name: b}]\n",
        "new.yml",
    )
    changes = diff_label_sets(old, new, [("one", {"x": "1"}), ("two", {"x": "2"}), ("none", {})])
    assert [(c.name, c.kinds) for c in changes] == [("one", ("group_by",)), ("two", ("receivers",))]
    assert changes[1].to_json()["old"]["receivers"] == ["a"]
    probes = probe_label_sets(old, new)
    assert {"x": "2"} in [labels for _, labels in probes]
