"""`obsctl alerts test|routes|check|diff` end to end through the CLI (in-process, fake transport for live)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx

from tests.fakes.alertmanager import FakeAlertmanager

FIXTURES = Path(__file__).parents[2] / "fixtures" / "alertmanager"
KUBE = str(FIXTURES / "kube_prometheus_alertmanager.yaml")
NESTED = str(FIXTURES / "differential" / "nested_continue.yml")
DEEP = str(FIXTURES / "differential" / "deep_inherit.yml")

CASES = """
config: ../../fixtures/alertmanager/differential/nested_continue.yml
cases:
  - name: db critical pages twice
    labels: {team: db, severity: critical}
    expect:
      receivers: [db-pager, db-slack, storage-pager, storage-catchall]
  - name: any order
    labels: {team: web}
    expect: {receivers_any_order: [last-resort]}
  - name: grouping
    labels: {env: dev}
    expect: {receivers: [last-resort, dev], group_by: [alertname]}
  - name: wrong on purpose
    labels: {severity: critical}
    expect: {receivers: [pager-prod]}
  - name: report only
    labels: {code: 500}
"""


def _write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_test_prints_receivers_piped(run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(["alerts", "test", "--am-config", KUBE, "severity=critical", "alertname=X"])
    assert r.exit_code == 0, r.output
    assert r.stdout.split("\t")[0] == "Critical"


def test_test_json_shape(run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(["alerts", "test", "--am-config", NESTED, "team=db", "severity=critical", "-o", "json"])
    doc = json.loads(r.stdout)
    assert doc["receivers"] == ["db-pager", "db-slack", "storage-pager", "storage-catchall"]
    assert set(doc["routes"][0]) == {
        "receiver",
        "path",
        "matchers",
        "group_by",
        "group_wait",
        "group_interval",
        "repeat_interval",
        "continue",
        "mute_time_intervals",
        "active_time_intervals",
    }
    assert doc["routes"][0]["path"] == [0, 0] and doc["routes"][0]["group_by"] == ["alertname"]


def test_test_expect_mismatch_exits_1_with_diff(run_cli) -> None:  # type: ignore[no-untyped-def]
    ok = run_cli(
        ["alerts", "test", "--am-config", NESTED, "--expect", "pager,last-resort", "severity=critical"]
    )
    assert ok.exit_code == 0, ok.output
    bad = run_cli(
        ["alerts", "test", "--am-config", NESTED, "--expect", "last-resort,pager", "severity=critical"]
    )
    assert bad.exit_code == 1
    assert "- pager   (expected)" in bad.stderr and "+ pager   (got)" in bad.stderr
    assert "obsctl: error: expected receivers last-resort,pager, got pager,last-resort" in bad.stderr


def test_test_tree_and_at(run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(["alerts", "test", "--am-config", DEEP, "--tree", "a=1", "b=1", "c=1", "d=1"])
    assert r.exit_code == 0
    assert '{d="1"}  → d1' in r.stdout and "◀ matched" in r.stdout and "a12" not in r.stdout
    r = run_cli(
        [
            "alerts",
            "test",
            "--am-config",
            DEEP,
            "--at",
            "2026-01-03T10:00:00Z",
            "-o",
            "json",
            "a=1",
            "b=1",
            "c=1",
            "d=1",
        ]
    )
    doc = json.loads(r.stdout)
    assert doc["muted"] is True and doc["routes"][0]["muted_reason"] == "mute_time_interval:weekends"


def test_test_firing_inhibition(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(
        [
            "alerts",
            "test",
            "--am-config",
            KUBE,
            "-o",
            "json",
            "--firing",
            "severity=critical,namespace=a,alertname=X",
            "severity=warning",
            "namespace=a",
            "alertname=X",
        ]
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["inhibited"] is True


def test_bad_label_arg_is_usage_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(["alerts", "test", "--am-config", KUBE, "severity!=critical"])
    assert r.exit_code == 2 and "key=value" in r.stderr


def test_case_file_table_json_junit(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = Path(__file__).parent
    cases = folder / "_cases_tmp.yaml"
    cases.write_text(CASES, encoding="utf-8")
    try:
        r = run_cli(["alerts", "test", "-f", str(cases)])
        assert r.exit_code == 1, r.output
        assert "5 cases: 4 passed, 1 failed" in r.stderr
        assert (
            "FAIL\twrong on purpose\tpager,last-resort\treceivers: expected [pager-prod], got [pager, last-resort]"
            in r.stdout
        )

        doc = json.loads(run_cli(["alerts", "test", "-f", str(cases), "-o", "json"]).stdout)
        assert (doc["passed"], doc["failed"]) == (4, 1)
        assert set(doc["cases"][0]) >= {"name", "labels", "receivers", "passed", "failures"}
        assert doc["cases"][4]["labels"] == {"code": "500"}

        junit = run_cli(["alerts", "test", "-f", str(cases), "-o", "junit"])
        root = ET.fromstring(junit.stdout)
        suite = root.find("testsuite")
        assert suite is not None and suite.get("tests") == "5" and suite.get("failures") == "1"
        failed = [tc for tc in suite.iter("testcase") if tc.find("failure") is not None]
        assert [tc.get("name") for tc in failed] == ["wrong on purpose"]

        # --am-config wins over the file's config:
        r = run_cli(["alerts", "test", "-f", str(cases), "--am-config", KUBE, "-o", "json"])
        assert json.loads(r.stdout)["cases"][4]["receivers"] == ["Default"]
    finally:
        cases.unlink()


def test_case_file_time_and_inhibition(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cases = _write(
        tmp_path,
        "c.yaml",
        f"""
config: {DEEP}
cases:
  - name: weekend muted
    labels: {{a: "1", b: "1", c: "1", d: "1"}}
    at: "2026-01-03T02:00:00+01:00"
    expect: {{receivers: [d1], muted: true}}
  - name: office hours
    labels: {{a: "1", b: "1", c: "1", d: "2"}}
    at: "2026-01-05T10:00:00+01:00"
    expect: {{muted: false}}
""",
    )
    r = run_cli(["alerts", "test", "-f", cases])
    assert r.exit_code == 0, r.output
    inh = _write(
        tmp_path,
        "i.yaml",
        f"""
config: {KUBE}
cases:
  - name: warning inhibited by critical in the same namespace
    labels: {{severity: warning, namespace: a, alertname: X}}
    firing: [{{severity: critical, namespace: a, alertname: X}}]
    expect: {{inhibited: true}}
  - name: other namespace
    labels: {{severity: warning, namespace: b, alertname: X}}
    firing: [{{severity: critical, namespace: a, alertname: X}}]
    expect: {{inhibited: false}}
""",
    )
    r = run_cli(["alerts", "test", "-f", inh])
    assert r.exit_code == 0, r.output


def test_invalid_case_file_names_case_and_field(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = _write(
        tmp_path,
        "bad.yaml",
        f"config: {KUBE}\ncases:\n  - name: typo\n    labels: {{a: b}}\n    expect: {{recievers: [x]}}\n",
    )
    r = run_cli(["alerts", "test", "-f", bad])
    assert r.exit_code == 2
    assert "case 'typo'" in r.stderr and "expect.recievers" in r.stderr
    bad2 = _write(tmp_path, "bad2.yaml", f"config: {KUBE}\ncases:\n  - name: t\n    at: yesterday-ish\n")
    r = run_cli(["alerts", "test", "-f", bad2])
    assert r.exit_code == 2 and "case 't': at" in r.stderr


def test_routes_tree_and_json(run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(["alerts", "routes", "--am-config", NESTED])
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0].startswith("route  → root")
    assert '├── {team="db"}  → db  continue' in r.stdout
    doc = json.loads(run_cli(["alerts", "routes", "--am-config", NESTED, "-o", "json"]).stdout)
    assert doc["receiver"] == "root" and doc["routes"][0]["routes"][0]["receiver"] == "db-pager"


def test_check_exit_codes(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(["alerts", "check", KUBE]).exit_code == 0
    shadowed = str(FIXTURES / "differential" / "shadowed.yml")
    r = run_cli(["alerts", "check", shadowed])
    assert r.exit_code == 0 and "warning: route is unreachable" in r.stdout
    assert run_cli(["alerts", "check", "--strict", shadowed]).exit_code == 1
    doc = json.loads(run_cli(["alerts", "check", shadowed, "-o", "json"]).stdout)
    assert doc["files"][0]["valid"] is True and doc["warnings"] >= 1
    assert {"severity", "code", "message", "file", "line", "path"} == set(doc["files"][0]["findings"][0])
    bad = _write(tmp_path, "bad.yml", "route:\n  receiver: nope\nreceivers: [{name: a}]\n")
    r = run_cli(["alerts", "check", bad, KUBE])
    assert r.exit_code == 2 and f"{bad}:2: error: undefined receiver" in r.stdout


def test_diff(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    new = _write(
        tmp_path,
        "new.yml",
        (FIXTURES / "kube_prometheus_alertmanager.yaml")
        .read_text()
        .replace('"receiver": "Critical"', '"receiver": "Default"'),
    )
    r = run_cli(["alerts", "diff", KUBE, KUBE])
    assert r.exit_code == 0 and "0 of" in r.stderr
    r = run_cli(["alerts", "diff", KUBE, new, "-o", "json", "--fail-on-change"])
    assert r.exit_code == 1, r.output
    doc = json.loads(r.stdout)
    assert doc["changed"] >= 1 and doc["changes"][0]["old"]["receivers"] == ["Critical"]


def _fake_am(config_text: str) -> httpx.MockTransport:
    firing = {
        "labels": {"alertname": "X", "severity": "critical"},
        "fingerprint": "abc",
        "status": {"state": "active"},
    }
    return FakeAlertmanager(config_text, alerts=[firing]).transport()


def test_live_config_and_live_diff(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (FIXTURES / "kube_prometheus_alertmanager.yaml").read_text()
    env = {"OBSCTL_ALERTMANAGER_URL": "http://am.test:9093"}
    r = run_cli(["alerts", "test", "severity=critical", "-o", "json"], env=env, transport=_fake_am(text))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["receivers"] == ["Critical"]
    new = _write(tmp_path, "new.yml", text.replace('"severity = critical"', '"severity = page"'))
    r = run_cli(
        ["alerts", "diff", KUBE, new, "--live", "--no-probes", "-o", "json"],
        env=env,
        transport=_fake_am(text),
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["checked"] == 1 and doc["changes"][0]["name"].startswith("live X")


def test_live_config_invalid_is_exit_2(run_cli) -> None:  # type: ignore[no-untyped-def]
    env = {"OBSCTL_ALERTMANAGER_URL": "http://am.test:9093"}
    r = run_cli(["alerts", "test", "a=b"], env=env, transport=_fake_am("route: {receiver: x}\n"))
    assert r.exit_code == 2 and "alertmanager:/api/v2/status:1: undefined receiver" in r.stderr
