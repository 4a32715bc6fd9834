"""`obsctl alerts list|silence|fire|coverage` end to end over a MockTransport serving real captures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import ENV, NEW_ID, NOW, URL

COMMANDS = [
    ["alerts", "list"],
    ["alerts", "silence"],
    ["alerts", "silence", "list"],
    ["alerts", "silence", "add"],
    ["alerts", "silence", "expire"],
    ["alerts", "fire"],
    ["alerts", "coverage"],
]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c))
def test_help_has_examples(run_cli, cmd):
    result = run_cli([*cmd, "--help"])
    assert result.exit_code == 0
    examples = result.stdout.split("Examples:\n", 1)[1].splitlines()
    assert examples[0].strip().startswith("obsctl " + " ".join(cmd[:2]))


def test_alerts_list_piped_is_headerless_tsv(run_cli, capture_am):
    result = run_cli(["alerts", "list"], env=ENV, transport=httpx.MockTransport(capture_am), now=lambda: NOW)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # amtool's default: active alerts only (the server filters; 8 of the 12 captured are active)
    assert len(lines) == sum(1 for a in capture_am.alert_docs if a["status"]["state"] == "active") == 8
    assert lines[0] == (
        "Free_Disk_Space_Too_Low\tactive\t\t2026-03-11T12:48:38.413Z\tby-cluster-service,by-name\t"
    )
    request = capture_am.requests[0]
    assert request.url.params["active"] == "true"
    assert request.url.params["silenced"] == "false"
    assert request.url.params["inhibited"] == "false"


def test_alerts_list_tty_table_shows_ages(run_cli, capture_am):
    result = run_cli(
        ["alerts", "list", "--all", "-o", "table"],
        env=ENV,
        transport=httpx.MockTransport(capture_am),
        now=lambda: NOW,
        tty=True,
    )
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert lines[0].split() == ["ALERTNAME", "STATE", "SEVERITY", "STARTED", "RECEIVERS", "SUMMARY"]
    assert lines[2].split() == [
        "HTTP_Probe_Failed",
        "silenced",
        "10m",
        "by-cluster-service,by-name",
        "Example",
        "summary",
    ]


def test_alerts_list_json_has_the_documented_keys(run_cli, capture_am):
    result = run_cli(
        ["alerts", "list", "--all", "-o", "json", 'alertname=~"Host.*"', "--receiver", "by-name"],
        env=ENV,
        transport=httpx.MockTransport(capture_am),
    )
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc and all(a["alertname"].startswith("Host") and "by-name" in a["receivers"] for a in doc)
    assert doc[0]["receivers"] == ["by-cluster-service", "by-name"]
    params = capture_am.requests[0].url.params
    assert params.get_list("filter") == ['alertname=~"Host.*"']
    assert (params["silenced"], params["inhibited"], params["unprocessed"]) == ("true", "true", "true")
    assert params["receiver"] == "by-name"


def test_alerts_list_jsonl_is_one_alert_per_line(run_cli, capture_am):
    result = run_cli(
        ["alerts", "list", "--all", "-o", "jsonl"], env=ENV, transport=httpx.MockTransport(capture_am)
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 12
    assert json.loads(lines[0])["fingerprint"] == "aae7a1432b5d2f1b"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["alerts", "list", 'job=~"(x"'],
            "obsctl: error: invalid filter 'job=~\"(x\"': error parsing regexp",
        ),
        (["alerts", "list", "-o", "xml"], "unknown format 'xml'"),
        (["alerts", "silence", "add", "a=b"], "obsctl: error: a silence needs --comment saying why"),
        (
            ["alerts", "silence", "add", 'a=~".*"', "--comment", "x"],
            "obsctl: error: at least one matcher must not match the empty string",
        ),
        (
            ["alerts", "silence", "expire", "abc"],
            "obsctl: error: 'abc' is not a silence ID (expected a UUID)",
        ),
        (["alerts", "silence", "expire"], "obsctl: error: give silence IDs or --all-matching MATCHER"),
        (["alerts", "silence", "list", "--within", "2x"], "obsctl: error: --within: invalid duration '2x'"),
        (["alerts", "fire", "severity=warning"], "obsctl: error: an alert needs an alertname label"),
        (["alerts", "fire", "X", "--duration", "-5m"], "obsctl: error: --duration: invalid duration '-5m'"),
        (["alerts", "fire", "X", "--am-config", "am.yml"], "--am-config only applies to --drill"),
        (["alerts", "fire", "X", "--drill", "--resolve"], "a drill resolves its alert itself"),
        (
            ["alerts", "fire", "X", "--drill", "--timeout", "0s"],
            "obsctl: error: --timeout: must be positive, got '0s'",
        ),
        (["alerts", "coverage"], "give rule files (or --rules FILE) or --from-prometheus"),
        (["alerts", "coverage", "missing.yml"], "obsctl: error: missing.yml: no such rule file"),
    ],
)
def test_bad_input_exits_2_before_any_request(run_cli, no_requests, args, message):
    result = run_cli(args, env=ENV, transport=no_requests)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_no_url_configured_is_a_usage_error(run_cli):
    result = run_cli(["alerts", "list"])
    assert result.exit_code == 2
    assert (
        result.stderr.splitlines()[0]
        == "obsctl: error: no alertmanager URL configured (no context is selected)"
    )


def test_url_flag_overrides_the_context(run_cli, capture_am):
    result = run_cli(
        ["alerts", "silence", "list", "--url", "http://other.test:9093", "-q"],
        transport=httpx.MockTransport(capture_am),
    )
    assert result.exit_code == 0
    assert capture_am.requests[0].url.host == "other.test"
    assert result.stdout.splitlines() == [
        "810ccf7f-c957-474a-b383-7e76d66a4d3b",
        "dcb3b5d0-9f10-4baa-977a-70073a1899bd",
        "9bd58938-25fd-41c5-aba3-9bc373074484",
    ]


def test_silence_add_posts_and_prints_what_the_server_stored(run_cli, capture_am):
    result = run_cli(
        [
            "alerts",
            "silence",
            "add",
            "alertname=NodeDown",
            'instance=~"db.*"',
            "--comment",
            "swap disk",
            "-d",
            "2h",
            "-o",
            "json",
        ],
        env=ENV,
        transport=httpx.MockTransport(capture_am),
        now=lambda: NOW,
    )
    assert result.exit_code == 0, result.output
    posted = json.loads(capture_am.requests[0].content)
    assert posted["matchers"] == [
        {"name": "alertname", "value": "NodeDown", "isRegex": False, "isEqual": True},
        {"name": "instance", "value": "db.*", "isRegex": True, "isEqual": True},
    ]
    assert posted["startsAt"] == "2026-03-11T12:58:38.413000Z"
    assert posted["endsAt"] == "2026-03-11T14:58:38.413000Z"
    assert posted["createdBy"].startswith("ana@")
    doc = json.loads(result.stdout)
    assert doc == [
        {
            "id": NEW_ID,
            "state": "active",
            "matchers": ['alertname="NodeDown"', 'instance=~"db.*"'],
            "starts_at": "2026-03-11T12:58:38.413Z",
            "ends_at": "2026-03-11T14:58:38.413Z",
            "updated_at": "2026-03-11T12:58:38.413Z",
            "created_by": posted["createdBy"],
            "comment": "swap disk",
        }
    ]


def test_silence_add_quiet_prints_the_id_only(run_cli, capture_am):
    result = run_cli(
        ["alerts", "silence", "add", "-q", "job=batch", "--comment", "rerun"],
        env=ENV,
        transport=httpx.MockTransport(capture_am),
    )
    assert result.stdout == NEW_ID + "\n"


def test_silence_expire_table(run_cli, capture_am):
    result = run_cli(
        ["alerts", "silence", "expire", "dcb3b5d0-9f10-4baa-977a-70073a1899bd", "-o", "table"],
        env=ENV,
        transport=httpx.MockTransport(capture_am),
    )
    assert result.exit_code == 0
    assert [line.rstrip() for line in result.stdout.splitlines()] == [
        "ID                                    MATCHERS                              WAS     RESULT",
        'dcb3b5d0-9f10-4baa-977a-70073a1899bd  alertname="Host_Down", cluster="dev"  active  expired',
    ]
    assert capture_am.requests[-1].method == "DELETE"


def test_silence_expire_unknown_id_exits_2(run_cli, capture_am):
    result = run_cli(
        ["alerts", "silence", "expire", "00000000-0000-0000-0000-000000000000"],
        env=ENV,
        transport=httpx.MockTransport(capture_am),
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"obsctl: error: no silence with ID 00000000-0000-0000-0000-000000000000 in alertmanager at {URL}"
    )


def test_fire_posts_labels_annotations_and_times(run_cli, capture_am):
    result = run_cli(
        [
            "alerts",
            "fire",
            "DiskFull",
            "severity=warning",
            "--annotation",
            "summary=disk 95% full",
            "-d",
            "10m",
        ],
        env=ENV,
        transport=httpx.MockTransport(capture_am),
        now=lambda: NOW,
    )
    assert result.exit_code == 0, result.output
    assert capture_am.posted == [
        [
            {
                "labels": {"alertname": "DiskFull", "severity": "warning"},
                "annotations": {"summary": "disk 95% full"},
                "startsAt": "2026-03-11T12:58:38.413000Z",
                "endsAt": "2026-03-11T13:08:38.413000Z",
            }
        ]
    ]
    assert result.stdout == "DiskFull\tfiring\tseverity=warning\t2026-03-11T13:08:38.413Z\n"


def test_fire_resolve(run_cli, capture_am):
    result = run_cli(
        ["alerts", "fire", "alertname=DiskFull", "--resolve", "-o", "json"],
        env=ENV,
        transport=httpx.MockTransport(capture_am),
        now=lambda: NOW,
    )
    assert capture_am.posted == [
        [{"labels": {"alertname": "DiskFull"}, "endsAt": "2026-03-11T12:58:38.413000Z"}]
    ]
    assert json.loads(result.stdout)["status"] == "resolved"


def test_backend_errors_exit_3_with_the_server_message(run_cli):
    transport = httpx.MockTransport(lambda r: httpx.Response(400, json="bad matcher"))
    result = run_cli(["alerts", "list"], env=ENV, transport=transport)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[0].endswith("answered 400: bad matcher")


def test_unreachable_exits_5(run_cli):
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    result = run_cli(["alerts", "silence", "list"], env=ENV, transport=httpx.MockTransport(down))
    assert result.exit_code == 5
    assert (
        result.stderr.splitlines()[0]
        == f"obsctl: error: cannot reach alertmanager at {URL}: connection refused"
    )


RULES = """groups:
  - name: example
    rules:
      - alert: Host_Down
        expr: up == 0
        labels: {cluster: prod}
      - alert: Lonely
        expr: vector(1)
"""


def test_coverage_against_the_running_config(run_cli, capture_am, tmp_path: Path):
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES)
    result = run_cli(
        ["alerts", "coverage", str(rules), "-o", "tsv"], env=ENV, transport=httpx.MockTransport(capture_am)
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "alert\tlabels\treceivers\tnote",
        "Host_Down\tcluster=prod\tby-cluster-service,by-name\t",
        "Lonely\t\tby-cluster-service,by-name\t",
    ]
    assert capture_am.requests[0].url.path == "/api/v2/status"


def test_coverage_fail_on_default_with_a_file_config(run_cli, no_requests, tmp_path: Path):
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES)
    am = tmp_path / "am.yml"
    am.write_text(
        "route:\n  receiver: default\n  routes:\n    - matchers: [alertname=Host_Down]\n      receiver: hosts\n"
        "    - matchers: [team=ghost]\n      receiver: ghost\n"
        "receivers: [{name: default}, {name: hosts}, {name: ghost}]\n"
    )
    result = run_cli(
        ["alerts", "coverage", "--rules", str(rules), "--am-config", str(am), "--fail-on-default"],
        transport=no_requests,
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Host_Down\tcluster=prod\thosts\t",
        "Lonely\t\tdefault\tdefault receiver",
    ]
    assert result.stderr.splitlines() == [
        'obsctl: warning: no rule reaches route.routes[1] (line 6) {team="ghost"} -> ghost',
        "obsctl: error: 1 of 2 alerts fall to the default receiver: Lonely",
        "hint: add a route for them, or drop --fail-on-default",
    ]


def test_alerts_help_does_not_import_heavy_libraries():
    code = (
        "import sys; sys.argv=['obsctl','alerts','fire','--help']\n"
        "from obsctl.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('rich','yaml','re2','httpx','obsctl.alerts.live','obsctl.alerts.drill','obsctl.alerts.client') if m in sys.modules]\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy))\n"
    )
    src = str(Path(__file__).parents[3] / "src")
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env={"PYTHONPATH": src}
    )
    assert proc.stderr.split("HEAVY=")[1].strip() == ""
