"""`--am-config` vs the global `--config`, unreadable alerts files, and coverage's Prometheus client."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.fakes.alertmanager import FIXTURES

ROUTING = FIXTURES / "routing.yml"


@pytest.mark.parametrize("flag", [["--am-config", str(ROUTING)], [f"--config.file={ROUTING}"]])
def test_am_config_and_amtools_spelling(run_cli, flag: list[str]) -> None:
    r = run_cli(["alerts", "test", *flag, "team=storage", "-o", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["receivers"] == ["dba", "storage"]


def test_alertmanager_file_given_to_global_config_points_at_am_config(run_cli) -> None:
    r = run_cli(["alerts", "test", "--config", str(ROUTING), "team=storage"])
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [
        f"obsctl: error: {ROUTING}: this is an Alertmanager config, not an obsctl contexts file",
        "hint: pass alertmanager.yml with --am-config FILE; --config names the contexts file",
    ]


def test_global_config_may_follow_an_alerts_verb(run_cli, tmp_path: Path) -> None:
    contexts = tmp_path / "contexts.yaml"
    contexts.write_text(
        "current-context: lab\ncontexts:\n  lab:\n    alertmanager: {url: 'http://am.test:9093'}\n"
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"config": {"original": ROUTING.read_text()}})

    r = run_cli(
        ["alerts", "test", "severity=critical", "--config", str(contexts), "-o", "json"],
        transport=httpx.MockTransport(handler),
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["receivers"] == ["pager"]
    assert [str(q.url) for q in seen] == ["http://am.test:9093/api/v2/status"]


def test_fire_rejects_am_config_without_drill(run_cli) -> None:
    r = run_cli(
        ["alerts", "fire", "X", "--am-config", str(ROUTING)], env={"OBSCTL_ALERTMANAGER_URL": "http://x"}
    )
    assert r.exit_code == 2 and "--am-config only applies to --drill" in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["alerts", "test", "--am-config", "{bad}", "a=b"],
        ["alerts", "test", "-f", "{bad}", "--am-config", str(ROUTING)],
        ["alerts", "routes", "--am-config", "{bad}"],
        ["alerts", "diff", "{bad}", str(ROUTING)],
        ["alerts", "diff", str(ROUTING), str(ROUTING), "-f", "{bad}"],
        ["alerts", "coverage", "{bad}", "--am-config", str(ROUTING)],
        ["alerts", "coverage", "--rules", "{bad}", "--am-config", str(ROUTING)],
    ],
)
@pytest.mark.parametrize("content", [b"\xff\xfe r\x00o\x00u\x00t\x00e\x00", b"route: {receiver: caf\xe9}\n"])
def test_non_utf8_alerts_files_exit_2_naming_the_file(
    run_cli, tmp_path: Path, args: list[str], content: bytes
):
    bad = tmp_path / "bad.yml"
    bad.write_bytes(content)
    r = run_cli([a.replace("{bad}", str(bad)) for a in args])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"obsctl: error: {bad}: not UTF-8 text (byte 0x")
    assert "hint: save the file as UTF-8" in r.stderr and "Traceback" not in r.output


def test_check_reports_non_utf8_file_as_invalid(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yml"
    bad.write_bytes(b"route: {receiver: caf\xe9}\n")
    r = run_cli(["alerts", "check", str(bad), str(ROUTING), "-o", "json"])
    assert r.exit_code == 2
    files = json.loads(r.stdout)["files"]
    assert (files[0]["valid"], files[0]["findings"][0]["message"]) == (
        False,
        "not UTF-8 text (byte 0xe9 at offset 21)",
    )
    assert files[1]["valid"] is True


def _prometheus(rules: object, status: int = 200) -> httpx.MockTransport:
    config = {"status": "success", "data": {"yaml": "global:\n  external_labels: {team: storage}\n"}}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/rules":
            assert request.url.params["type"] == "alert"
            return httpx.Response(status, json=rules)
        if request.url.path == "/api/v1/status/config":
            return httpx.Response(200, json=config)
        return httpx.Response(404)

    return httpx.MockTransport(handler)


def test_coverage_from_prometheus_goes_through_the_prometheus_client(run_cli) -> None:
    rules = json.loads((FIXTURES / "prometheus_rules.json").read_text())
    r = run_cli(
        ["alerts", "coverage", "--from-prometheus", "--am-config", str(ROUTING), "-o", "json"],
        env={"OBSCTL_PROMETHEUS_URL": "http://prom.test:9090"},
        transport=_prometheus(rules),
    )
    assert r.exit_code == 0, r.output
    alerts = json.loads(r.stdout)["alerts"]
    # Prometheus' external label team=storage takes part in routing (continue on dba, then storage)
    assert [(a["alert"], a["labels"], a["receivers"]) for a in alerts] == [
        ("HighRequestLatency", {"severity": "page"}, ["dba", "storage"])
    ]


def test_coverage_from_prometheus_reports_prometheus_own_error(run_cli) -> None:
    body = {"status": "error", "errorType": "unavailable", "error": "rule manager not ready"}
    r = run_cli(
        ["alerts", "coverage", "--from-prometheus", "--am-config", str(ROUTING)],
        env={"OBSCTL_PROMETHEUS_URL": "http://prom.test:9090"},
        transport=_prometheus(body, status=503),
    )
    assert r.exit_code == 3, r.output
    assert "rule manager not ready" in r.stderr


def test_one_route_test_imports_only_what_routing_needs() -> None:
    """Issue 13.4: the route engine, the YAML loader and the renderer; not httpx, rich or other verbs."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        f"sys.argv = ['obsctl', 'alerts', 'test', '--am-config', {str(ROUTING)!r}, 'team=storage']\n"
        "from obsctl.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "unwanted = ('httpx', 'rich', 'obsctl.alerts.client', 'obsctl.alerts.commands.coverage',\n"
        "            'obsctl.alerts.commands.silence', 'obsctl.alerts.commands.fire', 'obsctl.alerts.live')\n"
        "needed = ('obsctl.alerts.routing', 'obsctl.alerts.route_render', 'yaml')\n"
        "sys.stderr.write('UNWANTED=' + ','.join(m for m in unwanted if m in sys.modules) + '\\n')\n"
        "sys.stderr.write('MISSING=' + ','.join(m for m in needed if m not in sys.modules) + '\\n')\n"
    )
    src = str(Path(__file__).parents[3] / "src")
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env={"PYTHONPATH": src}
    )
    assert proc.stdout.split("\t")[0] == "dba"
    assert "UNWANTED=\n" in proc.stderr and "MISSING=\n" in proc.stderr, proc.stderr
