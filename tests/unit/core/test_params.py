"""Shared flags: one duration rule, one window rule, errors and hints that name the flag."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import typer

from obsctl.core.errors import UsageError
from obsctl.core.params import check_url_flag, duration_flag, time_flag, time_range
from obsctl.core.timeparse import age, duration_seconds, parse_rfc3339, to_rfc3339

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
AM = str(Path(__file__).resolve().parents[2] / "fixtures" / "alertmanager" / "amtool_conf.routing.yml")


def test_duration_flag_messages_name_the_flag():
    with pytest.raises(UsageError) as err:
        duration_flag("--since", "0s", example="15m")
    assert err.value.message == "--since: must be positive, got '0s'"
    assert err.value.hint == "e.g. --since 15m"
    with pytest.raises(UsageError) as err:
        duration_flag("--watch", "100ms", minimum=1.0)
    assert err.value.message == "--watch: must be at least 1s, got '100ms'"
    with pytest.raises(UsageError, match=r"^--step: invalid duration 'x' \(expected e\.g\. 30s"):
        duration_flag("--step", "x")


def test_numbers_only_where_asked():
    assert duration_flag("--step", "30", numbers=True) == 30.0
    with pytest.raises(UsageError, match="invalid duration '30'"):
        duration_flag("--timeout", "30")


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [(5, {}, 5.0), (0.5, {}, 0.5), ("1h30m", {}, 5400.0), (0, {"allow_zero": True}, 0.0)],
)
def test_duration_seconds_accepts(value, kwargs, expected):
    assert duration_seconds(value, "x", **kwargs) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "k: invalid duration True"),
        (None, "k: invalid duration None"),
        (-1, "k: must be positive, got -1"),
        (0, "k: must be positive, got 0"),
        ("1e400", "k: invalid duration '1e400'"),
        ("99999999999999y", "k: duration '99999999999999y' is too large"),
        (float("inf"), "k: duration inf is too large"),
    ],
)
def test_duration_seconds_rejects(value, message):
    with pytest.raises(ValueError) as err:
        duration_seconds(value, "k")
    assert str(err.value).startswith(message)


def test_time_range_defaults_and_since():
    r = time_range(NOW)
    assert (r.start, r.end) == (NOW - timedelta(hours=1), NOW)
    r = time_range(NOW, since="15m", end="now-5m")
    assert r.end == NOW - timedelta(minutes=5) and r.seconds == 900
    assert r.start.tzinfo is not None
    r = time_range(NOW, start="2026-01-01", default=timedelta(days=1))
    assert r.start == datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"since": "1000y"}, "--since: the window would start at 1026-"),
        ({"start": "1960-01-01"}, "--from: the window would start at 1960-01-01T00:00:00Z, before 1970"),
        ({"since": "1h", "start": "now-2h"}, "--since and --from both set the start"),
        ({"start": "now", "end": "now-1h"}, "is after --to"),
        ({"end": "10000-01-01"}, "--to: invalid time"),
        ({"start": "9" * 20}, "--from: time '99999999999999999999' is out of range"),
        ({"since": "3000y"}, "--since 3000y reaches back before the year 1"),
    ],
)
def test_impossible_windows_are_usage_errors(flags, message):
    with pytest.raises(UsageError) as err:
        time_range(NOW, **flags)
    assert message in err.value.message
    assert err.value.exit_code == 2


def test_time_flag_names_flag():
    assert time_flag("--at", "now-1h", NOW) == NOW - timedelta(hours=1)
    with pytest.raises(UsageError, match="^--at: invalid time 'later'"):
        time_flag("--at", "later", NOW)


@pytest.mark.parametrize(
    ("delta", "exact", "text"),
    [
        (timedelta(seconds=45), False, "45s"),
        (timedelta(minutes=12, seconds=5), False, "12m"),
        (timedelta(hours=3, minutes=5), False, "3h5m"),
        (timedelta(days=2, hours=4, minutes=1), False, "2d4h"),
        (timedelta(days=800), False, "2y"),
        (timedelta(seconds=-300), False, "in 5m"),
        (timedelta(hours=1, minutes=2, seconds=3.4), True, "1h2m3s"),
        (timedelta(seconds=0.44), True, "400ms"),
    ],
)
def test_one_age(delta, exact, text):
    assert age(NOW - delta, NOW, exact=exact) == text
    assert age(None, NOW) == ""


def test_rfc3339_round_trip_and_naive_is_utc():
    assert to_rfc3339(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"
    assert parse_rfc3339("2026-01-02T04:04:05.123456789+01:00") == datetime(
        2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc
    )
    assert parse_rfc3339("0001-01-01T00:00:00Z") is None
    assert parse_rfc3339(42) is None


@pytest.mark.parametrize(
    ("args", "flag", "problem"),
    [
        (["metrics", "query", "up", "--url", "http://[::1"], "--url", "not a URL: 'http://[::1': unbalanced"),
        (["metrics", "--url", "prom:9090", "labels"], "--url", "not a URL: 'prom:9090' (expected e.g. http://"),
        (["alerts", "silence", "list", "--url", "ftp://am"], "--url", "not an http(s) URL: 'ftp://am'"),
        (["config", "set-context", "x", "--jaeger-url", "http://h:99999"], "--jaeger-url", "not a URL: 'http://h:99999': port"),
        (["alerts", "coverage", "--from-prometheus", "--prometheus-url", "x"], "--prometheus-url", "not a URL: 'x'"),
    ],
)
def test_url_flags_are_named_once(run_cli, args, flag, problem):
    # Issue 9: "Invalid value for '--url': --url: not a URL ..." named the flag twice.
    result = run_cli(args, transport=httpx.MockTransport(lambda r: pytest.fail(f"request sent: {r.url}")))
    assert result.exit_code == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error[0].startswith(f"Error: Invalid value for '{flag}': {problem}")
    assert result.stderr.count(flag) == 1


def test_check_url_flag_passes_good_urls_and_none():
    assert check_url_flag(None) is None
    assert check_url_flag("http://127.0.0.1:9090/prom?tenant=a") == "http://127.0.0.1:9090/prom?tenant=a"
    with pytest.raises(typer.BadParameter, match=r"^empty URL \(expected e\.g\."):
        check_url_flag("  ")


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["metrics", "query", "up", "--url", "http://127.0.0.1:1"], "--url"),
        (["alerts", "silence", "list", "--url", "http://127.0.0.1:1"], "--url"),
        (["alerts", "coverage", "--from-prometheus", "--prometheus-url", "http://127.0.0.1:1", "--am-config", AM], "--prometheus-url"),
    ],
)
def test_unreachable_hint_names_the_flag_that_was_used(run_cli, args, flag):
    # It said "the URL comes from --prometheus-url" after `metrics query --url`, a flag that command lacks.
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    result = run_cli(args, transport=httpx.MockTransport(refuse))
    assert result.exit_code == 5, result.output
    assert result.stderr.splitlines()[-1].endswith(f"the URL comes from {flag}")


@pytest.mark.parametrize(
    "verb",
    [["query", "up"], ["labels"], ["label-values", "job"], ["series", "up"], ["metadata"], ["targets"],
     ["rules"], ["alerts"], ["exemplars", "up"], ["buildinfo"], ["export", "up"]],
)
def test_every_metrics_url_flag_is_checked_by_its_callback(run_cli, verb):
    # AppContext.with_url no longer checks the URL: the option callback must reject it for every verb.
    for args in (["metrics", *verb, "--url", "http://[::1"], ["metrics", "--url", "http://[::1", *verb]):
        result = run_cli(args, transport=httpx.MockTransport(lambda r: pytest.fail(f"request sent: {r.url}")))
        assert result.exit_code == 2, (args, result.output)
        assert "Invalid value for '--url': not a URL: 'http://[::1'" in result.stderr, args
