"""Alertmanager configs and case files that once crashed: alias cycles, deep JSON (issue 9, the guard)."""

from __future__ import annotations

import pytest

from obsctl.alerts.cases import CaseFileError, load_cases_text
from obsctl.alerts.check import check_config_text
from obsctl.core.errors import ExitCode


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("x: &a [*a]\n", 1),  # scan_placeholders looped on it (RecursionError, exit 70)
        ("route: &r\n  receiver: a\n  routes: [*r]\nreceivers: [{name: a}]\n", 1),  # the route decoder too
        ("global: &g {smtp_from: *g}\nroute: {receiver: a}\nreceivers: [{name: a}]\n", 1),
    ],
)
def test_alias_cycle_is_one_yaml_error(text: str, line: int) -> None:
    cfg, findings = check_config_text(text, "am.yml")
    assert cfg is None
    assert [(f.severity, f.code, f.line) for f in findings] == [("error", "yaml", line)]
    assert findings[0].message == "invalid YAML: an alias is used inside its own anchor (a recursive structure)"


def test_deep_config_is_one_yaml_error_and_a_route_tree_of_reasonable_depth_is_fine() -> None:
    cfg, findings = check_config_text("route: " + "[" * 500 + "]" * 500 + "\n", "am.yml")
    assert cfg is None and [f.message for f in findings] == ["invalid YAML: nested more than 100 levels deep"]
    nested = "route:\n  receiver: a\n"
    for depth in range(1, 30):  # 30 levels of child routes: 60 levels of YAML
        nested += "  " * (2 * depth - 1) + "routes:\n" + "  " * (2 * depth) + "- receiver: a\n"
    cfg, findings = check_config_text(nested + "receivers: [{name: a}]\n", "am.yml")
    assert cfg is not None and not [f for f in findings if f.severity == "error"]


def test_placeholders_under_a_shared_alias_are_reported_once() -> None:
    text = (
        "route: {receiver: a}\n"
        "receivers:\n"
        "  - name: a\n"
        "    webhook_configs: &hooks [{url: 'http://hook/${TOKEN}'}]\n"
        "  - name: b\n"
        "    webhook_configs: *hooks\n"
    )
    _cfg, findings = check_config_text(text, "am.yml")
    placeholders = [f for f in findings if f.code == "env-placeholder"]
    assert [(f.line, f.path) for f in placeholders] == [(4, "receivers[0].webhook_configs[0].url")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 2000, "cases.json: invalid JSON: nested more than 100 levels deep"),  # RecursionError in json
        ('{"cases": [' + "[" * 300 + "]" * 300 + "]}", "cases.json: invalid JSON: nested more than 100 levels deep"),
        ("cases:\n  - &c {labels: {a: b}, expect: [*c]}\n", "cases.json:2: invalid YAML: alias *c is used inside"),
    ],
)
def test_deep_or_recursive_case_files_exit_2(text: str, message: str) -> None:
    with pytest.raises(CaseFileError) as info:
        load_cases_text(text, "cases.json")
    assert info.value.exit_code == ExitCode.USAGE and info.value.message.startswith(message)


def test_json_case_files_still_read_as_text_scalars() -> None:
    cf = load_cases_text('{"cases": [{"labels": {"code": 500}, "expect": {"receivers": ["a"]}}]}', "cases.json")
    assert cf.cases[0].labels == {"code": "500"}


def test_billion_laughs_config_is_refused_before_any_walk() -> None:
    lines = ["x0: &x0 [a, b]"] + [f"x{i}: &x{i} [*x{i - 1}, *x{i - 1}]" for i in range(1, 40)]
    cfg, findings = check_config_text("\n".join(lines) + "\nroute: {receiver: a}\nreceivers: [{name: a}]\n", "am.yml")
    assert cfg is None
    assert [f.message for f in findings] == ["invalid YAML: aliases expand it to more than 1,000,000 mappings and lists"]
