"""The one time parser: relative, absolute, unix; and Prometheus durations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obsctl.core.timeparse import format_duration, parse_duration, parse_time, to_rfc3339

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("now-15m", NOW - timedelta(minutes=15)),
        ("now - 1h30m", NOW - timedelta(hours=1, minutes=30)),
        ("now+1d", NOW + timedelta(days=1)),
        ("15m", NOW - timedelta(minutes=15)),
        ("2026-01-02T03:04:05Z", NOW),
        ("2026-01-02T04:04:05+01:00", NOW),
        ("2026-01-02T03:04:05.123456789Z", NOW + timedelta(microseconds=123456)),
        ("2026-01-02", datetime(2026, 1, 2, tzinfo=timezone.utc)),
        ("1767323045", NOW),
        ("1767323045.5", NOW + timedelta(milliseconds=500)),
        ("1767323045000", NOW),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "now-", "now-15x", "2026-13-45", "15mm", "1h1h"])
def test_parse_time_rejects_with_a_message_naming_the_forms(text):
    with pytest.raises(ValueError, match="invalid|empty"):
        parse_time(text, NOW)


def test_parse_time_returns_utc_for_naive_iso():
    assert parse_time("2026-01-02T03:04:05", NOW).tzinfo == timezone.utc


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("15m", 900),
        ("1h30m", 5400),
        ("2d", 172800),
        ("500ms", 0.5),
        ("1w", 604800),
        ("1.5h", 5400),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "m", "15", "1m1h", "1h1h", "-5m", "5 m", "5M"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=10**9))
def test_format_duration_round_trips(ms):
    td = timedelta(milliseconds=ms)
    assert parse_duration(format_duration(td)) == td


def test_format_duration_shapes():
    assert format_duration(5400) == "1h30m"
    assert format_duration(0) == "0s"
    assert format_duration(0.25) == "250ms"


def test_rfc3339():
    assert to_rfc3339(NOW) == "2026-01-02T03:04:05Z"
