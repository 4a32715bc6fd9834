"""The live verbs against a real Alertmanager 0.25, cross-checked with amtool where it has an answer."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from obsctl.alerts.client import AlertmanagerClient
from obsctl.alerts.drill import DRILL_LABEL, DrillOptions, run_drill
from obsctl.core.errors import BackendError
from obsctl.core.http import build_client
from obsctl.core.settings import BackendSettings
from tests.integration.servers import Server, wait_until

from .conftest import am_env, amtool, get_json, write


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def client_for(server: Server) -> AlertmanagerClient:
    return AlertmanagerClient(
        build_client(BackendSettings(name="alertmanager", url=server.url), context=None)
    )


def fire(run_cli, server: Server, *labels: str) -> None:
    result = run_cli(["alerts", "fire", *labels, "-d", "10m"], env=am_env(server))
    assert result.exit_code == 0, result.output


def drill_leftovers(server: Server, drill_id: str | None = None) -> tuple[list, list]:
    """Active/pending silences and visible alerts carrying the drill label (all drills, or one)."""
    flt = f'{DRILL_LABEL}="{drill_id}"' if drill_id else f'{DRILL_LABEL}=~".+"'
    client = client_for(server)
    silences = [
        s
        for s in client.silences()
        if s.state != "expired" and any(m.name == DRILL_LABEL for m in s.matchers)
    ]
    if drill_id:
        silences = [s for s in silences if any(m.value == drill_id for m in s.matchers)]
    return silences, client.alerts([flt])


# --- alerts list: differential against amtool alert query ----------------------------------------


@pytest.fixture(scope="module")
def populated(live_am: Server):
    """A test id and alerts in every state: active, silenced, inhibited."""
    from datetime import timedelta

    from obsctl.alerts.client import PostableAlert, SilenceMatcher
    from obsctl.core.timeparse import utcnow

    tid = unique("t")
    client = client_for(live_am)
    now = utcnow()
    end = now + timedelta(minutes=10)
    alerts = [
        {"alertname": "LiveActive", "tid": tid, "severity": "info", "team": "db"},
        {"alertname": "LiveSilenced", "tid": tid, "severity": "info"},
        {"alertname": "LiveSource", "tid": tid, "severity": "critical", "cluster": "c1"},
        {"alertname": "LiveTarget", "tid": tid, "severity": "warning", "cluster": "c1"},
    ]
    client.post_alerts([PostableAlert(a, {"summary": a["alertname"]}, now, end) for a in alerts])
    client.create_silence(
        [SilenceMatcher("alertname", "LiveSilenced"), SilenceMatcher("tid", tid)],
        starts_at=now,
        ends_at=end,
        created_by="tests",
        comment="populated fixture",
    )

    def settled() -> bool:
        states = {a.alertname: a.state for a in client.alerts([f'tid="{tid}"'])}
        return states.get("LiveTarget") == "suppressed" and states.get("LiveSilenced") == "suppressed"

    assert wait_until(settled, timeout=20), "inhibition/silence did not take effect"
    return tid


STATE_FLAGS = [[], ["-s"], ["-i"], ["-a", "-s"], ["-a", "-i"], ["-s", "-i"], ["-a", "-s", "-i", "-u"]]


@pytest.mark.parametrize("flags", STATE_FLAGS, ids=lambda f: " ".join(f) or "default")
def test_list_selects_the_same_alerts_as_amtool(run_cli, live_am, populated, flags):
    tid = populated
    ours = run_cli(["alerts", "list", f"tid={tid}", *flags, "-o", "json"], env=am_env(live_am))
    assert ours.exit_code == 0, ours.output
    theirs = amtool(live_am, "alert", "query", f"tid={tid}", *flags)
    assert sorted(a["fingerprint"] for a in json.loads(ours.stdout)) == sorted(
        a["fingerprint"] for a in theirs
    )


def test_list_states_and_receivers(run_cli, live_am, populated):
    result = run_cli(["alerts", "list", f"tid={populated}", "--all", "-o", "json"], env=am_env(live_am))
    got = {a["alertname"]: (a["state"], a["receivers"]) for a in json.loads(result.stdout)}
    assert got == {
        "LiveActive": ("active", ["dba"]),
        "LiveSilenced": ("suppressed", ["default"]),
        "LiveSource": ("active", ["pager"]),
        "LiveTarget": ("suppressed", ["default"]),
    }
    doc = {a["alertname"]: a for a in json.loads(result.stdout)}
    assert len(doc["LiveSilenced"]["silenced_by"]) == 1
    assert len(doc["LiveTarget"]["inhibited_by"]) == 1
    piped = run_cli(["alerts", "list", f"tid={populated}", "--all"], env=am_env(live_am))
    states = sorted(tuple(line.split("\t")[:2]) for line in piped.stdout.splitlines())
    assert states == [
        ("LiveActive", "active"),
        ("LiveSilenced", "silenced"),
        ("LiveSource", "active"),
        ("LiveTarget", "inhibited"),
    ]


@pytest.mark.parametrize(
    "args",
    [['alertname=~"Live(Active|Source)"'], ["LiveActive"], ['severity!="info"'], ["--receiver", "pag.*"]],
    ids=["regex", "bare-alertname", "negative", "receiver"],
)
def test_list_filters_match_amtool(run_cli, live_am, populated, args):
    query = [f"tid={populated}", *args] if not args[0].startswith("Live") else [*args, f"tid={populated}"]
    ours = run_cli(["alerts", "list", "--all", *query, "-o", "json"], env=am_env(live_am))
    assert ours.exit_code == 0, ours.output
    theirs = amtool(live_am, "alert", "query", "-a", "-s", "-i", "-u", *query)
    assert sorted(a["fingerprint"] for a in json.loads(ours.stdout)) == sorted(
        a["fingerprint"] for a in theirs
    )
    assert json.loads(ours.stdout), "the filter should select something"


def test_list_table_piped(run_cli, live_am, populated):
    result = run_cli(["alerts", "list", f"tid={populated}", "LiveActive"], env=am_env(live_am))
    # amtool treats a bare word as alertname only in first position; obsctl does the same.
    assert result.exit_code == 2
    result = run_cli(["alerts", "list", "LiveActive", f"tid={populated}"], env=am_env(live_am))
    fields = result.stdout.rstrip("\n").split("\t")
    assert fields[:3] == ["LiveActive", "active", "info"]
    assert fields[4:] == ["dba", "LiveActive"]


# --- silences ------------------------------------------------------------------------------------


def test_silence_add_list_expire_round_trip_agrees_with_amtool(run_cli, live_am):
    name = unique("LiveSilence")
    env = am_env(live_am)
    added = run_cli(
        [
            "alerts",
            "silence",
            "add",
            f"alertname={name}",
            'instance=~"db.*"',
            "--comment",
            "round trip",
            "-q",
        ],
        env=env,
    )
    assert added.exit_code == 0, added.output
    sid = added.stdout.strip()
    theirs = amtool(live_am, "silence", "query", f"alertname={name}")
    assert [s["id"] for s in theirs] == [sid]
    assert sorted((m["name"], m["value"], m["isRegex"]) for m in theirs[0]["matchers"]) == [
        ("alertname", name, False),
        ("instance", "db.*", True),
    ]
    assert theirs[0]["createdBy"].startswith("tester@")

    listed = run_cli(["alerts", "silence", "list", f"alertname={name}", "-o", "json"], env=env)
    doc = json.loads(listed.stdout)
    assert [(s["id"], s["state"], s["comment"]) for s in doc] == [(sid, "active", "round trip")]
    assert doc[0]["matchers"] == [f'alertname="{name}"', 'instance=~"db.*"']

    expired = run_cli(["alerts", "silence", "expire", sid, "-o", "json"], env=env)
    assert json.loads(expired.stdout) == [
        {
            "id": sid,
            "matchers": f'alertname="{name}", instance=~"db.*"',
            "previous_state": "active",
            "expired": True,
        }
    ]
    assert amtool(live_am, "silence", "query", f"alertname={name}") == []
    gone = run_cli(["alerts", "silence", "list", "--expired", f"alertname={name}", "-q"], env=env)
    assert gone.stdout.strip() == sid
    again = run_cli(["alerts", "silence", "expire", sid, "-o", "json"], env=env)
    assert json.loads(again.stdout)[0]["expired"] is False


def test_silence_expire_all_matching(run_cli, live_am):
    name = unique("LiveBulk")
    env = am_env(live_am)
    ids = set()
    for inst in ("a", "b"):
        out = run_cli(
            ["alerts", "silence", "add", f"alertname={name}", f"instance={inst}", "--comment", "bulk", "-q"],
            env=env,
        )
        ids.add(out.stdout.strip())
    result = run_cli(
        ["alerts", "silence", "expire", "--all-matching", f"alertname={name}", "-o", "json"], env=env
    )
    assert {r["id"] for r in json.loads(result.stdout)} == ids
    assert amtool(live_am, "silence", "query", f"alertname={name}") == []


def test_silence_with_negative_matcher_silences_as_expected(run_cli, live_am):
    name = unique("LiveNeg")
    env = am_env(live_am)
    sid = run_cli(
        ["alerts", "silence", "add", f"alertname={name}", "env!=prod", "--comment", "not prod", "-q"], env=env
    ).stdout.strip()
    fire(run_cli, live_am, name, "env=dev")
    fire(run_cli, live_am, name, "env=prod")
    client = client_for(live_am)
    assert wait_until(lambda: len(client.alerts([f'alertname="{name}"'])) == 2, timeout=10)
    states = {a.labels["env"]: (a.state, a.silenced_by) for a in client.alerts([f'alertname="{name}"'])}
    assert states == {"dev": ("suppressed", (sid,)), "prod": ("active", ())}
    for env_value in ("dev", "prod"):
        run_cli(["alerts", "fire", name, f"env={env_value}", "--resolve"], env=env)
    run_cli(["alerts", "silence", "expire", sid], env=env)


def test_unknown_silence_exits_2(run_cli, live_am):
    result = run_cli(["alerts", "silence", "expire", str(uuid.uuid4())], env=am_env(live_am))
    assert result.exit_code == 2
    assert "obsctl: error: no silence with ID" in result.stderr


def test_server_side_rejection_exits_3_with_its_message(run_cli, live_am):
    # A label name 0.25 does not accept in a filter (UTF-8 quoted name): only the server knows.
    result = run_cli(["alerts", "list", '"service name"="api"'], env=am_env(live_am))
    assert result.exit_code == 3
    assert "answered 400" in result.stderr


# --- fire ----------------------------------------------------------------------------------------


def test_fire_then_resolve(run_cli, live_am):
    name = unique("LiveFire")
    env = am_env(live_am)
    result = run_cli(
        ["alerts", "fire", name, "team=storage", "--annotation", "summary=disk full", "-o", "json"], env=env
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "firing"
    theirs = amtool(live_am, "alert", "query", f"alertname={name}")
    assert [(a["labels"], a["annotations"], [r["name"] for r in a["receivers"]]) for a in theirs] == [
        ({"alertname": name, "team": "storage"}, {"summary": "disk full"}, ["dba", "storage"])
    ]
    resolved = run_cli(["alerts", "fire", name, "team=storage", "--resolve"], env=env)
    assert resolved.exit_code == 0
    assert wait_until(lambda: amtool(live_am, "alert", "query", f"alertname={name}") == [], timeout=10)


# --- fire --drill --------------------------------------------------------------------------------


def test_drill_passes_against_the_running_config_and_leaves_nothing(run_cli, live_am):
    result = run_cli(
        ["alerts", "fire", "--drill", "LiveDrill", "team=storage", "-o", "json"], env=am_env(live_am)
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["passed"] is True
    assert doc["expected"]["receivers"] == ["dba", "storage"]
    assert doc["actual"]["receivers"] == ["dba", "storage"]
    assert doc["actual"]["state"] == "suppressed"
    assert doc["actual"]["silenced_by"] == [doc["cleanup"]["silence_id"]]
    assert doc["actual"]["groups"] == [
        {"receiver": "dba", "labels": {"alertname": "LiveDrill"}},
        {"receiver": "storage", "labels": {"alertname": "LiveDrill", "team": "storage"}},
    ]
    assert doc["cleanup"] == {
        "silence_id": doc["cleanup"]["silence_id"],
        "alert_resolved": True,
        "silence_expired": True,
        "errors": [],
    }
    assert drill_leftovers(live_am, doc["drill_id"]) == ([], [])
    assert result.stderr.strip().endswith("routing matches running config; cleaned up")


def test_drill_group_by_all_labels(run_cli, live_am):
    result = run_cli(
        ["alerts", "fire", "--drill", "LiveDrillAll", "team=all", "-o", "json"], env=am_env(live_am)
    )
    doc = json.loads(result.stdout)
    assert doc["passed"] is True, doc
    assert doc["actual"]["groups"] == [
        {
            "receiver": "everything",
            "labels": {"alertname": "LiveDrillAll", DRILL_LABEL: doc["drill_id"], "team": "all"},
        }
    ]


def test_drill_against_a_different_file_exits_1_and_cleans_up(run_cli, live_am, tmp_path: Path):
    other = write(
        tmp_path,
        "new.yml",
        "route:\n  receiver: default\n  routes:\n    - matchers: ['team=\"storage\"']\n      receiver: storage\n"
        "receivers: [{name: default}, {name: storage}]\n",
    )
    result = run_cli(
        [
            "alerts",
            "fire",
            "--drill",
            "LiveDrillDiff",
            "team=storage",
            "--am-config",
            str(other),
            "-o",
            "table",
        ],
        env=am_env(live_am),
    )
    assert result.exit_code == 1
    lines = [line.split() for line in result.stdout.splitlines()]
    assert lines[0] == ["CHECK", "RESULT", "EXPECTED", "ACTUAL"]
    assert lines[1] == ["receivers", "MISMATCH", "storage", "dba,storage"]
    assert lines[4][:2] == ["cleanup", "ok"]
    assert "differs from " + str(other) + " (receivers, groups)" in result.stderr
    assert drill_leftovers(live_am) == ([], [])


def test_drill_refuses_an_inhibition_source_and_creates_nothing(run_cli, live_am):
    before = len(client_for(live_am).silences())
    result = run_cli(["alerts", "fire", "--drill", "LiveDrillCrit", "severity=critical"], env=am_env(live_am))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(
        "obsctl: error: refusing the drill: its labels match the source side of inhibit rule inhibit_rules[0]"
    )
    assert len(client_for(live_am).silences()) == before
    assert client_for(live_am).alerts(['alertname="LiveDrillCrit"']) == []


class Failing(AlertmanagerClient):
    """The real client, with one failure injected after the alert has reached the server."""

    def __init__(self, server: Server, exc: BaseException, where: str) -> None:
        super().__init__(client_for(server).api)
        self.exc = exc
        self.where = where

    def alert_groups(self, filters=()):  # type: ignore[no-untyped-def]
        if self.where == "alert_groups" and self.exc is not None:
            exc, self.exc = self.exc, None
            raise exc
        return super().alert_groups(filters)

    def alerts(self, filters=(), **kw):  # type: ignore[no-untyped-def]
        if self.where == "alerts" and self.exc is not None:
            exc, self.exc = self.exc, None
            raise exc
        return super().alerts(filters, **kw)


@pytest.mark.parametrize(
    ("exc", "where"),
    [
        (BackendError("injected"), "alert_groups"),
        (KeyboardInterrupt(), "alerts"),
        (KeyboardInterrupt(), "alert_groups"),
    ],
    ids=["error-reading-groups", "ctrl-c-polling", "ctrl-c-reading-groups"],
)
def test_drill_cleans_up_after_a_forced_failure(live_am, exc, where):
    from obsctl.core.timeparse import utcnow

    drill_id = str(uuid.uuid4())
    api = Failing(live_am, exc, where)
    with pytest.raises(type(exc)):
        run_drill(
            api,
            DrillOptions(labels={"alertname": "LiveDrillFail", "team": "db"}, annotations={}, timeout=5),
            expected_config=None,
            expected_source="running",
            now=utcnow,
            drill_id=drill_id,
        )
    silences = [s for s in client_for(live_am).silences() if any(m.value == drill_id for m in s.matchers)]
    assert [s.state for s in silences] == ["expired"], "the drill silence must exist and be expired"
    assert drill_leftovers(live_am, drill_id) == ([], [])


# --- coverage ------------------------------------------------------------------------------------


def test_coverage_from_prometheus_with_the_running_config(run_cli, live_am, rules_prometheus):
    result = run_cli(
        ["alerts", "coverage", "--from-prometheus", "-o", "json"],
        env={**am_env(live_am), "OBSCTL_PROMETHEUS_URL": rules_prometheus.url},
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [(a["alert"], a["receivers"], a["default"]) for a in doc["alerts"]] == [
        ("LiveCoverageDown", ["pager"], False),
        ("LiveCoverageDisk", ["dba", "storage"], False),
        ("LiveCoverageOrphan", ["default"], True),
    ]
    assert [u["receiver"] for u in doc["unreached_routes"]] == ["everything"]
    assert doc["summary"] == {"alerts": 3, "default": 1, "routes": 4, "unreached_routes": 1}
    assert "no rule reaches route.routes[3]" in result.stderr


def test_coverage_file_rules_agree_with_prometheus_loading_them(run_cli, live_am, rules_prometheus, tmp_path):
    from .conftest import RULES

    rules = write(tmp_path, "rules.yml", RULES)
    from_file = run_cli(["alerts", "coverage", str(rules), "-o", "json"], env=am_env(live_am))
    from_prom = run_cli(
        ["alerts", "coverage", "--from-prometheus", "-o", "json"],
        env={**am_env(live_am), "OBSCTL_PROMETHEUS_URL": rules_prometheus.url},
    )
    strip = lambda doc: [(a["alert"], a["labels"], a["receivers"]) for a in doc["alerts"]]  # noqa: E731
    assert strip(json.loads(from_file.stdout)) == strip(json.loads(from_prom.stdout))
    api_rules = get_json(rules_prometheus.url + "/api/v1/rules?type=alert")["data"]["groups"][0]["rules"]
    assert [r["name"] for r in api_rules] == [a["alert"] for a in json.loads(from_file.stdout)["alerts"]]
