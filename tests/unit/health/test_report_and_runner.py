"""Renderers (exact text) and the runner (order, deadlines, selection), plus small helpers."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest

from obsctl.core.timeparse import parse_timestamp
from obsctl.health.config import parse_document
from obsctl.health.model import FAIL, PASS, SKIP, WARN, Assertion, CheckResult, RunReport, worst
from obsctl.health.probes import ProbeEnv, redact_text
from obsctl.health.probes.local import PSEUDO_FS, real_mounts
from obsctl.health.report import format_ms, junit, prometheus, rows, summary_line
from obsctl.health.runner import RunOptions, run, select


def report(*results: CheckResult, strict: bool = False) -> RunReport:
    return RunReport(tuple(results), 1234.5, "2026-01-02T03:04:05Z", strict=strict)


OK = CheckResult(
    "api",
    "http",
    "GET http://h/",
    PASS,
    "200 OK in 12 ms",
    duration_ms=12.0,
    observed={"http_status": 200},
    phases={"dns_ms": 1.0, "connect_ms": 2.0, "total_ms": 12.0},
)
WARNED = CheckResult("system", "system", "memory", WARN, "85.0% used", observed={"value": 85.0})
FAILED = CheckResult(
    "db",
    "tcp",
    'connect "db":5432',
    FAIL,
    "connection refused",
    error="connection refused",
    duration_ms=3.5,
    attempts=3,
)


def test_status_and_exit_code():
    assert worst(PASS, WARN, SKIP) == WARN
    assert report(OK, WARNED).exit_code == 0
    assert report(OK, WARNED, strict=True).exit_code == 1
    assert report(OK, FAILED).exit_code == 1
    assert report().status == PASS


def test_summary_line_and_time_format():
    assert summary_line(report(OK, WARNED, FAILED)) == "1 passed, 1 warned, 1 failed (3 checks in 1.23s)"
    assert (format_ms(0.2), format_ms(12.4), format_ms(1250)) == ("<1ms", "12ms", "1.25s")
    assert rows([FAILED])[0] == {
        "status": "fail",
        "name": "db",
        "check": 'connect "db":5432',
        "summary": "connection refused",
        "time": "4ms",
        "kind": "tcp",
        "target": None,
        "attempts": 3,
        "tags": [],
    }


def test_prometheus_exposition_exact():
    text = prometheus(report(OK, FAILED))
    assert text.splitlines()[:3] == [
        "# HELP obsctl_probe_success 1 if the check passed (or only warned), 0 if it failed.",
        "# TYPE obsctl_probe_success gauge",
        'obsctl_probe_success{probe="api",check="GET http://h/",kind="http"} 1',
    ]
    assert 'obsctl_probe_success{probe="db",check="connect \\"db\\":5432",kind="tcp"} 0' in text
    assert (
        'obsctl_probe_http_phase_seconds{probe="api",check="GET http://h/",kind="http",phase="dns"} 0.001'
        in text
    )
    assert 'obsctl_probe_attempts{probe="db",check="connect \\"db\\":5432",kind="tcp"} 3' in text
    assert "obsctl_health_duration_seconds 1.2345" in text
    assert text.endswith(
        'obsctl_health_checks{status="skip"} 0\n# HELP obsctl_health_duration_seconds Wall time of the whole run.\n# TYPE obsctl_health_duration_seconds gauge\nobsctl_health_duration_seconds 1.2345\n'
    )


def test_junit_warnings_pass_with_system_out():
    root = ET.fromstring(junit(report(OK, WARNED, FAILED)))
    suite = root.find("testsuite")
    assert (
        suite is not None
        and suite.get("time") == "1.234"
        and suite.get("timestamp") == "2026-01-02T03:04:05Z"
    )
    cases = suite.findall("testcase")
    assert cases[1].find("system-out").text == "warning: 85.0% used"  # type: ignore[union-attr]
    failure = cases[2].find("failure")
    assert failure is not None and failure.text == "error: connection refused"


def test_json_document_keys():
    doc = report(OK, FAILED).to_json()
    assert doc["summary"] == {"total": 2, "passed": 1, "warned": 0, "failed": 1, "skipped": 0}
    assert doc["results"][1]["assertions"] == []
    assert CheckResult("a", "b", "c", FAIL, "x", assertions=(Assertion("s", FAIL, "2xx", "500"),)).to_json()[
        "assertions"
    ] == [{"check": "s", "status": "fail", "expected": "2xx", "observed": "500"}]


PROBES = parse_document(
    {
        "probes": [
            {"name": "slow", "timeout": "300ms", "command": "sleep 20", "tags": ["local"]},
            {"name": "fast", "command": "true", "tags": ["local", "quick"]},
            {"name": "web", "http": "http://127.0.0.1:1/", "tags": ["remote"]},
        ]
    },
    "t",
).probes


def test_results_keep_probe_order_and_slow_probes_are_cut():
    results = run(PROBES[:2], ProbeEnv(env=dict(os.environ)), RunOptions(concurrency=4))
    assert [(r.name, r.status) for r in results] == [("slow", FAIL), ("fast", PASS)]
    assert results[0].summary == "timed out after 0.3s (killed)"


def test_select_by_name_kind_tag_and_glob():
    names = lambda ps: [p.name for p in ps]  # noqa: E731
    assert names(select(PROBES, ["quick"], [])) == ["fast"]
    assert names(select(PROBES, ["command"], ["s*"])) == ["fast"]
    assert names(select(PROBES, [], ["local"])) == ["web"]
    assert names(select(PROBES, ["nothing"], [])) == []


def test_redact_text():
    assert (
        redact_text('{"token": "abc", "password":"x y", "ok": 1}')
        == '{"token": "REDACTED", "password":"REDACTED", "ok": 1}'
    )
    assert redact_text("api_key=123&user=bob") == "api_key=REDACTED&user=bob"
    assert redact_text("echo s3cr3t back", ["s3cr3t"]) == "echo REDACTED back"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-06-15T10:12:52.382719622Z", datetime(2022, 6, 15, 10, 12, 52, 382719, tzinfo=timezone.utc)),
        ("2022-06-15T10:12:52+02:00", datetime(2022, 6, 15, 8, 12, 52, tzinfo=timezone.utc)),
        (1655287972382, datetime(2022, 6, 15, 10, 12, 52, 382000, tzinfo=timezone.utc)),
        ("1710273641123.456789", datetime(2024, 3, 12, 20, 0, 41, 123457, tzinfo=timezone.utc)),
        ("yesterday", None),
        (None, None),
    ],
)
def test_parse_timestamp(value, expected):
    assert parse_timestamp(value) == expected


def test_real_mounts_have_no_pseudo_filesystems_or_duplicates():
    mounts = real_mounts()
    assert all(m.fstype not in PSEUDO_FS and m.fstype not in ("tmpfs", "devtmpfs") for m in mounts)
    devices = [os.stat(m.mountpoint).st_dev for m in mounts]
    assert len(devices) == len(set(devices))
    assert os.stat("/").st_dev in devices


def test_prometheus_tls_expiry_is_a_timestamp_in_seconds_and_passes_promtool():
    import shutil
    import subprocess

    tls = CheckResult(
        "tls",
        "http",
        "GET https://h/",
        PASS,
        "200 OK",
        observed={"http_status": 200, "cert_not_after": "2027-03-04T05:06:07Z", "cert_days_left": 91.2},
    )
    text = prometheus(report(OK, tls, WARNED, FAILED))
    expected = datetime(2027, 3, 4, 5, 6, 7, tzinfo=timezone.utc).timestamp()
    assert (
        f'obsctl_probe_tls_cert_expiry_timestamp_seconds{{probe="tls",check="GET https://h/",kind="http"}} {int(expected)}'
        in text.splitlines()
    )
    assert "days" not in text
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is needed for this test"
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_thousands_of_failures_are_summarised_in_one_short_line():
    # Issue 9.13: 3,000 failing probes printed one error line listing every name.
    from obsctl.core.errors import CheckFailed
    from obsctl.health.service import outcome

    failed = [
        CheckResult(f"probe-{i:04d}", "tcp", "connect", FAIL, "refused", error="refused") for i in range(3000)
    ]
    with pytest.raises(CheckFailed) as err:
        outcome(report(OK, *failed))
    message = str(err.value.message)
    shown = ", ".join(f"probe-{i:04d}" for i in range(10))
    assert message == f"3,000 checks failed: {shown} and 2,990 more"
    with pytest.raises(CheckFailed) as err:
        outcome(report(*failed[:11]))
    assert err.value.message.endswith("probe-0009, probe-0010")  # all 11: "and 1 more" saves nothing


def test_redaction_masks_fields_in_what_probes_show_but_not_obsctls_own_words():
    from obsctl.health.probes import redact_result

    r = CheckResult(
        "auth",
        "command",
        "run deploy --token=Tok1234 http://u:Pw9876@h/x?api_key=Key5555",
        FAIL,
        "auth.http.headers.Authorization: environment variable NOPE is not set",
        target="http://h/?token=Tok1234",
        error="cannot reach http://u:Pw9876@h/: refused",
        body_excerpt='{"password": "Pw9876"}',
    )
    out = redact_result(r)
    assert out.check == "run deploy --token=REDACTED http://u:REDACTED@h/x?api_key=REDACTED"
    assert out.target == "http://h/?token=REDACTED"
    assert out.summary == r.summary
    assert out.error == "cannot reach http://u:REDACTED@h/: refused"
    assert out.body_excerpt == '{"password": "REDACTED"}'
