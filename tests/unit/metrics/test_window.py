"""Window resolution: instant vs range, automatic step, and every rejection before a request."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from obsctl.core.errors import UsageError
from obsctl.metrics.window import MAX_POINTS, auto_step, resolve_window

NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)


def test_no_flags_is_an_instant_at_now_to_the_millisecond():
    w = resolve_window(NOW)
    assert not w.is_range
    assert w.end == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    assert w.describe() == {"time": "2026-01-02T03:04:05.678000Z"}


def test_time_flag_sets_the_instant():
    w = resolve_window(NOW, time="2026-01-01T00:00:00Z")
    assert w.end_s == datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()
    assert w.step is None


def test_since_gives_a_range_ending_now_with_about_250_points():
    w = resolve_window(NOW, since="1h")
    assert w.is_range
    assert w.end_s - w.start_s == 3600
    assert w.step == 14.0  # floor(3600 / 250)
    assert w.points == 258
    assert w.describe()["step"] == "14s"


def test_from_to_and_explicit_step():
    w = resolve_window(NOW, start="2026-01-02T00:00:00Z", end="2026-01-02T01:00:00Z", step="1m")
    assert (w.start_s, w.end_s, w.step, w.points) == (1767312000.0, 1767315600.0, 60.0, 61)


def test_step_alone_means_the_last_hour():
    w = resolve_window(NOW, step="30s")
    assert w.end_s - w.start_s == 3600
    assert w.step == 30


def test_step_accepts_plain_seconds():
    assert resolve_window(NOW, since="10m", step="15").step == 15.0


def test_short_range_never_steps_below_one_second():
    assert resolve_window(NOW, since="30s").step == 1.0


@pytest.mark.parametrize("seconds", [60, 3600, 86400 * 30, 86400 * 365 * 10])
def test_auto_step_stays_under_the_server_limit(seconds):
    step = auto_step(seconds)
    assert step >= 1
    assert seconds / step <= MAX_POINTS


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"start": "now", "end": "now-1h"}, "is after --to"),
        ({"since": "1h", "step": "0"}, "--step: must be positive, got '0'"),
        ({"since": "1h", "step": "-5s"}, "--step: invalid duration '-5s'"),
        ({"since": "1h", "step": "-5"}, "--step: must be positive, got '-5'"),
        ({"since": "30d", "step": "1s"}, "gives 2,592,001 points per series; the limit is 11,000"),
        ({"time": "now", "since": "1h"}, "--time is for an instant query"),
        ({"since": "1h", "start": "now-2h"}, "--since and --from both set the start"),
        ({"since": "soon"}, "--since: invalid duration 'soon'"),
        ({"start": "yesterday-ish"}, "--from: invalid time 'yesterday-ish'"),
    ],
)
def test_bad_windows_are_usage_errors(flags, message):
    with pytest.raises(UsageError) as err:
        resolve_window(NOW, **flags)
    assert message in err.value.message
    assert err.value.exit_code == 2


def test_too_many_points_suggests_a_step_that_fits():
    with pytest.raises(UsageError) as err:
        resolve_window(NOW, since="30d", step="1s")
    assert err.value.hint == "use --step 3m56s or more, or a shorter window"
    fitted = resolve_window(NOW, since="30d", step="3m56s")
    assert fitted.points <= MAX_POINTS + 1
