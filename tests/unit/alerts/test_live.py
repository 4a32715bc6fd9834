"""Validation and logic of the live verbs (list, silence, fire, drill) without a server."""

from __future__ import annotations

import os
import signal
from datetime import datetime, timedelta, timezone

import pytest

from obsctl.alerts import drill as drill_mod
from obsctl.alerts.drill import DRILL_LABEL, DrillOptions, run_drill
from obsctl.alerts.firing import build_fire_spec, parse_alert_labels, parse_annotations
from obsctl.alerts.live import (
    ListOptions,
    build_silence_spec,
    expire_silences,
    list_silences,
    parse_filter_args,
)
from obsctl.core.errors import BackendError, UsageError
from tests.fakes.alertmanager import FIXTURES
from tests.fakes.alertmanager import FakeAlertmanager as FakeAM

NOW = datetime(2026, 1, 2, 3, 0, tzinfo=timezone.utc)

CONFIG = (FIXTURES / "routing.yml").read_text()


# --- filters -------------------------------------------------------------------------------------


def test_filters_take_every_amtool_form():
    got = [str(m) for m in parse_filter_args(["NodeDown", 'severity!="info"', '{team=~"db|web", env=prod}'])]
    assert got == ['alertname="NodeDown"', 'severity!="info"', 'team=~"db|web"', 'env="prod"']


def test_bare_word_is_alertname_only_in_first_position():
    with pytest.raises(UsageError) as err:
        parse_filter_args(["severity=critical", "NodeDown"])
    assert err.value.message == "invalid filter 'NodeDown': bad matcher format: NodeDown"


def test_invalid_regex_is_refused_with_go_wording():
    with pytest.raises(UsageError) as err:
        parse_filter_args(['job=~"(api"'])
    assert err.value.message.startswith("invalid filter 'job=~\"(api\"': error parsing regexp: missing")


def test_list_defaults_to_active_only_like_amtool():
    opts = ListOptions.build([])
    assert (opts.active, opts.silenced, opts.inhibited, opts.unprocessed) == (True, False, False, False)
    opts = ListOptions.build([], silenced=True)
    assert (opts.active, opts.silenced) == (False, True)
    opts = ListOptions.build([], all_states=True)
    assert (opts.active, opts.silenced, opts.inhibited, opts.unprocessed) == (True, True, True, True)


def test_receiver_regex_is_checked_before_sending():
    with pytest.raises(UsageError) as err:
        ListOptions.build([], receiver="team-(")
    assert err.value.message.startswith("--receiver 'team-(': error parsing regexp: missing )")


# --- silences ------------------------------------------------------------------------------------


def spec(*matchers: str, **kw):
    args = {
        "now": NOW,
        "duration": None,
        "start": None,
        "end": None,
        "comment": "maintenance",
        "author": None,
    }
    args.update(kw)
    return build_silence_spec(list(matchers), env={"USER": "ana"}, **args)


def test_silence_defaults_one_hour_from_now_and_user_at_host():
    s = spec("alertname=NodeDown", 'instance=~"db.*"')
    assert s.starts_at == NOW
    assert s.ends_at == NOW + timedelta(hours=1)
    assert s.created_by.startswith("ana@")
    assert [str(m) for m in s.matchers] == ['alertname="NodeDown"', 'instance=~"db.*"']


def test_silence_end_and_duration():
    assert spec("a=b", duration="2h30m").ends_at == NOW + timedelta(hours=2, minutes=30)
    assert spec("a=b", end="2026-01-03T00:00:00Z").ends_at == datetime(2026, 1, 3, tzinfo=timezone.utc)
    assert spec("a=b", start="now+1h", duration="1h").starts_at == NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    ("matchers", "kw", "message"),
    [
        ((), {}, "a silence needs at least one matcher"),
        (('a=~".*"', "b!=x"), {}, "at least one matcher must not match the empty string"),
        (("a=b",), {"comment": " "}, "a silence needs --comment saying why"),
        (("a=b",), {"duration": "2h", "end": "now+3h"}, "give --duration or --end, not both"),
        (("a=b",), {"duration": "soon"}, "--duration: invalid duration 'soon'"),
        (("a=b",), {"end": "now-1h"}, "the silence would end before it starts"),
        (("a=b",), {"start": "now-3h", "end": "now-1h"}, "the silence would already be over"),
        (("a=b",), {"end": "tuesday"}, "--end: invalid time 'tuesday'"),
    ],
)
def test_silence_validation(matchers, kw, message):
    with pytest.raises(UsageError) as err:
        spec(*matchers, **kw)
    assert err.value.message.startswith(message)


def test_list_silences_filters_states_author_and_window():
    am = FakeAM(CONFIG, now=NOW)
    keep = am.create_silence(
        [], starts_at=NOW, ends_at=NOW + timedelta(hours=1), created_by="ana", comment=""
    )
    later = am.create_silence([], starts_at=NOW, ends_at=NOW + timedelta(days=2), created_by="bo", comment="")
    gone = am.create_silence(
        [], starts_at=NOW, ends_at=NOW + timedelta(hours=1), created_by="ana", comment=""
    )
    am.expire_silence(gone)
    ids = lambda xs: [s.id for s in xs]  # noqa: E731
    assert ids(list_silences(am)) == [keep, later]
    assert ids(list_silences(am, which="expired")) == [gone]
    assert ids(list_silences(am, which="all")) == [keep, later, gone]
    assert ids(list_silences(am, created_by="bo")) == [later]
    assert ids(list_silences(am, within=timedelta(hours=2), now=NOW)) == [keep]


def test_expire_by_id_and_by_filter_and_already_expired():
    am = FakeAM(CONFIG, now=NOW)
    a = am.create_silence([], starts_at=NOW, ends_at=NOW + timedelta(hours=1), created_by="x", comment="")
    results = expire_silences(am, [a])
    assert [(r.id, r.previous_state, r.expired) for r in results] == [(a, "active", True)]
    again = expire_silences(am, [a])
    assert [(r.previous_state, r.expired) for r in again] == [("expired", False)]
    b = am.create_silence([], starts_at=NOW, ends_at=NOW + timedelta(hours=1), created_by="x", comment="")
    assert [r.id for r in expire_silences(am, [], all_matching=["alertname=X"])] == [b]


def test_expire_checks_every_id_before_any_request():
    am = FakeAM(CONFIG, now=NOW)
    with pytest.raises(UsageError) as err:
        expire_silences(am, ["0233507a-f18d-4b01-98ae-484dfd0b8527", "bogus"])
    assert err.value.message == "'bogus' is not a silence ID (expected a UUID)"
    assert am.calls == []
    with pytest.raises(UsageError):
        expire_silences(am, [])


# --- fire ----------------------------------------------------------------------------------------


def test_fire_labels_amtool_style():
    assert parse_alert_labels(["DiskFull", "severity=warning", 'summary="a b"']) == {
        "alertname": "DiskFull",
        "severity": "warning",
        "summary": "a b",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "an alert needs labels"),
        (["severity=warning"], "an alert needs an alertname label"),
        (["alertname=X", "team="], "label 'team' is empty; Alertmanager drops empty labels"),
        (
            ["alertname=X", "team=~db"],
            "cannot parse label 'team=~db': labels must be specified as key=value pairs",
        ),
    ],
)
def test_fire_label_validation(args, message):
    with pytest.raises(UsageError) as err:
        parse_alert_labels(args)
    assert err.value.message == message


def test_annotations_keep_equals_and_spaces():
    assert parse_annotations(["summary=disk 95% full", "runbook=https://x/?a=b", 'q="quoted"']) == {
        "summary": "disk 95% full",
        "runbook": "https://x/?a=b",
        "q": "quoted",
    }
    with pytest.raises(UsageError):
        parse_annotations(["nokey"])


def test_fire_spec_times():
    firing = build_fire_spec(["X"], duration="10m", now=NOW)
    assert (firing.starts_at, firing.ends_at) == (NOW, NOW + timedelta(minutes=10))
    resolved = build_fire_spec(["X"], resolve=True, now=NOW)
    assert (resolved.starts_at, resolved.ends_at) == (None, NOW)
    assert resolved.to_json()["status"] == "resolved"
    with pytest.raises(UsageError):
        build_fire_spec(["X"], duration="0s", now=NOW)


# --- drill ---------------------------------------------------------------------------------------


def drill(am: FakeAM, labels: dict[str, str], expected_config=None):
    return run_drill(
        am,
        DrillOptions(labels=labels, annotations={}, timeout=1.0, author="tester"),
        expected_config=expected_config,
        expected_source="test",
        now=lambda: am.now,
        sleep=lambda _s: None,
        drill_id="11111111-2222-3333-4444-555555555555",
    )


def test_drill_passes_and_cleans_up_in_order():
    am = FakeAM(CONFIG, now=NOW)
    report = drill(am, {"alertname": "Drill", "team": "storage"})
    assert report.passed
    assert report.expected_receivers == ["dba", "storage"]
    assert report.actual_receivers == ["dba", "storage"]
    assert report.labels[DRILL_LABEL] == "11111111-2222-3333-4444-555555555555"
    assert [c.check for c in report.checks] == ["receivers", "groups", "silenced", "cleanup"]
    assert all(c.ok for c in report.checks)
    assert report.expected_groups == [
        {"receiver": "dba", "labels": {"alertname": "Drill"}},
        {"receiver": "storage", "labels": {"alertname": "Drill", "team": "storage"}},
    ]
    # The silence exists before the alert is posted; resolve happens before the silence expires.
    assert am.calls.index("create_silence") < am.calls.index("post_alerts")
    last_post = len(am.calls) - 1 - am.calls[::-1].index("post_alerts")
    assert last_post < am.calls.index("expire_silence")
    assert am.active_silences() == []
    assert am.alerts() == []


def test_drill_reports_a_mismatch_without_raising():
    am = FakeAM(CONFIG, now=NOW)
    am.route_override = ["default"]
    report = drill(am, {"alertname": "Drill", "team": "storage"})
    assert not report.passed
    assert report.checks[0].ok is False
    assert report.checks[0].actual == "default"
    assert am.active_silences() == []


def test_drill_refuses_inhibition_sources_before_touching_anything():
    am = FakeAM(CONFIG, now=NOW)
    with pytest.raises(UsageError) as err:
        drill(am, {"alertname": "Drill", "severity": "critical"})
    assert err.value.message.startswith(
        "refusing the drill: its labels match the source side of inhibit rule inhibit_rules[0] "
        '({severity="critical"} inhibits {severity="warning"} equal: cluster)'
    )
    assert am.calls == ["config_text"]


@pytest.mark.parametrize("exc", [BackendError("boom"), KeyboardInterrupt()])
def test_drill_cleans_up_after_a_failure_in_the_middle(exc):
    am = FakeAM(CONFIG, now=NOW)
    am.fail["alerts"] = exc
    with pytest.raises(type(exc)):
        drill(am, {"alertname": "Drill", "team": "db"})
    assert am.active_silences() == []
    assert am.alerts() == []


def test_drill_cleans_up_when_the_post_itself_fails():
    am = FakeAM(CONFIG, now=NOW)
    am.fail["post_alerts"] = BackendError("connection reset")
    with pytest.raises(BackendError):
        drill(am, {"alertname": "Drill", "team": "db"})
    assert am.active_silences() == []


def test_drill_says_loudly_when_the_silence_cannot_be_expired():
    am = FakeAM(CONFIG, now=NOW)
    am.fail["expire_silence"] = BackendError("503")
    with pytest.raises(BackendError) as err:
        drill(am, {"alertname": "Drill", "team": "db"})
    assert "fire drill could not clean up: expiring silence" in err.value.message
    assert err.value.hint.startswith("expire it by hand: obsctl alerts silence expire ")


def test_ctrl_c_during_cleanup_is_held_until_cleanup_is_done():
    hit = None
    with drill_mod._deferred_interrupts() as held:
        os.kill(os.getpid(), signal.SIGINT)
        hit = list(held)
    assert hit == [True]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
