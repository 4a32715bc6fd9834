"""Time intervals (`time_intervals` / deprecated `mute_time_intervals`) and route muting at an instant.

Parsing and `contains` follow Alertmanager's timeinterval/timeinterval.go, including its clamping
of negative days of the month and its validation messages, so `alerts check` reports what
Alertmanager would and `alerts test --at` answers what the dispatcher would.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from obsctl.alerts.config import AlertmanagerConfig

__all__ = ["TimeIntervalSpec", "TimeRangeError", "interval_contains", "is_muted", "parse_time_interval"]

DAYS_OF_WEEK = {
    "sunday": 0,
    "monday": 1,
    "tuesday": 2,
    "wednesday": 3,
    "thursday": 4,
    "friday": 5,
    "saturday": 6,
}
MONTHS = {
    name: i
    for i, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_MONTHS_INV = {v: k for k, v in MONTHS.items()}
_VALID_TIME = re.compile(r"^((([01][0-9])|(2[0-3])):[0-5][0-9])\Z|(^24:00\Z)")
_GO_ATOI = re.compile(r"^[+-]?[0-9]+\Z")


class TimeRangeError(ValueError):
    """An invalid time interval component; the message is Alertmanager's."""


@dataclass(frozen=True)
class TimeIntervalSpec:
    """One entry of a named time interval; None means "no restriction" for that component."""

    times: tuple[tuple[int, int], ...] | None = None  # [start_minute, end_minute)
    weekdays: tuple[tuple[int, int], ...] | None = None  # 0 = Sunday
    days_of_month: tuple[tuple[int, int], ...] | None = None  # may be negative
    months: tuple[tuple[int, int], ...] | None = None
    years: tuple[tuple[int, int], ...] | None = None
    location: str | None = None


def _atoi(s: str) -> int:
    if not _GO_ATOI.match(s):
        raise TimeRangeError(f'strconv.Atoi: parsing "{s}": invalid syntax')
    return int(s)


def _range(text: str, member: Any) -> tuple[int, int]:
    text = text.lower()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 2:
            raise TimeRangeError(f"couldn't parse range {text}, invalid format")
        return member(parts[0]), member(parts[1])
    v = member(text)
    return v, v


def _weekday(s: str) -> int:
    if s not in DAYS_OF_WEEK:
        raise TimeRangeError(f"{s} is not a valid weekday")
    return DAYS_OF_WEEK[s]


def _month(s: str) -> int:
    if s in MONTHS:
        return MONTHS[s]
    if not _GO_ATOI.match(s):
        raise TimeRangeError(f"{s} is not a valid month")
    return int(s)


def parse_weekdays(text: str) -> tuple[int, int]:
    """`monday:friday` or `saturday` (case-insensitive)."""
    b, e = _range(text, _weekday)
    if b > e:
        raise TimeRangeError("start day cannot be before end day")
    return b, e


def parse_days_of_month(text: str) -> tuple[int, int]:
    """`1:5`, `-3:-1`, `15`; negative counts from the end of the month."""
    b, e = _range(text, _atoi)
    if b == 0 or b < -31 or b > 31:
        raise TimeRangeError(f"{b} is not a valid day of the month: out of range")
    if e == 0 or e < -31 or e > 31:
        raise TimeRangeError(f"{e} is not a valid day of the month: out of range")
    if b < 0 and e > 0:
        raise TimeRangeError("end day must be negative if start day is negative")
    cb = 28 + b if b < 0 else b
    ce = 28 + e if e < 0 else e
    if cb > ce:
        raise TimeRangeError(f"end day {e} is always before start day {b}")
    return b, e


def parse_months(text: str) -> tuple[int, int]:
    """`january:march`, `1:3`, `may`."""
    b, e = _range(text, _month)
    if b > e:
        raise TimeRangeError(
            f"end month {_MONTHS_INV.get(e, e)} is before start month {_MONTHS_INV.get(b, b)}"
        )
    return b, e


def parse_years(text: str) -> tuple[int, int]:
    """`2024:2026` or `2025`."""
    b, e = _range(text, _atoi)
    if b > e:
        raise TimeRangeError(f"end year {e} is before start year {b}")
    return b, e


def parse_clock(text: str) -> int:
    """`HH:MM` (00:00 to 24:00) -> minutes since midnight."""
    if not _VALID_TIME.match(text):
        raise TimeRangeError(f"couldn't parse timestamp {text}, invalid format")
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def parse_times(start: str, end: str) -> tuple[int, int]:
    """A `times:` entry; end is exclusive and must be after start."""
    if not start or not end:
        raise TimeRangeError("both start and end times must be provided")
    s, e = parse_clock(start), parse_clock(end)
    if s >= e:
        raise TimeRangeError("start time cannot be equal or greater than end time")
    return s, e


def load_location(name: str) -> tzinfo:
    """time.LoadLocation: "" and "UTC" are UTC, "Local" is the machine zone, else IANA via zoneinfo."""
    if name in ("", "UTC"):
        return timezone.utc
    if name == "Local":
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeRangeError(f"unknown time zone {name}") from None


def parse_time_interval(raw: dict[str, Any]) -> TimeIntervalSpec:
    """Build a spec from already-decoded YAML (lists of strings / dicts); raises TimeRangeError."""
    times = raw.get("times")
    loc = raw.get("location")
    if loc is not None:
        load_location(loc)
    return TimeIntervalSpec(
        times=None
        if times is None
        else tuple(parse_times(t.get("start_time", ""), t.get("end_time", "")) for t in times),
        weekdays=_opt(raw.get("weekdays"), parse_weekdays),
        days_of_month=_opt(raw.get("days_of_month"), parse_days_of_month),
        months=_opt(raw.get("months"), parse_months),
        years=_opt(raw.get("years"), parse_years),
        location=loc,
    )


def _opt(values: Sequence[str] | None, fn: Any) -> tuple[tuple[int, int], ...] | None:
    return None if values is None else tuple(fn(v) for v in values)


def interval_contains(spec: TimeIntervalSpec, at: datetime) -> bool:
    """TimeInterval.ContainsTime: every given component must contain `at` (in the spec's location)."""
    t = (
        at.astimezone(load_location(spec.location))
        if spec.location is not None
        else at.astimezone(timezone.utc)
    )
    if spec.times is not None:
        minute = t.hour * 60 + t.minute
        if not any(s <= minute < e for s, e in spec.times):
            return False
    if spec.days_of_month is not None:
        dim = calendar.monthrange(t.year, t.month)[1]
        ok = False
        for b, e in spec.days_of_month:
            begin = dim + b + 1 if b < 0 else b
            end = dim + e + 1 if e < 0 else e
            if begin > dim:
                continue
            begin = max(min(begin, dim), -dim)
            end = max(min(end, dim), -dim)
            if begin <= t.day <= end:
                ok = True
                break
        if not ok:
            return False
    if spec.months is not None and not any(b <= t.month <= e for b, e in spec.months):
        return False
    if spec.weekdays is not None:
        wd = (t.weekday() + 1) % 7  # Python Monday=0 -> Go Sunday=0
        if not any(b <= wd <= e for b, e in spec.weekdays):
            return False
    return not (spec.years is not None and not any(b <= t.year <= e for b, e in spec.years))


def named_interval_contains(config: AlertmanagerConfig, name: str, at: datetime) -> bool:
    """A named interval is active when any of its entries contains `at`."""
    return any(interval_contains(spec, at) for spec in config.time_intervals.get(name, ()))


def is_muted(config: AlertmanagerConfig, route: Any, at: datetime) -> tuple[bool, str | None]:
    """Would notifications of this matched route be suppressed at `at`?

    `route` is a MatchedRoute (or anything with mute_time_intervals / active_time_intervals).
    Returns (muted, reason) with reason `mute_time_interval:NAME` or `outside active_time_intervals:A,B`.
    As in the dispatcher, mute intervals win first; then, if active intervals are set, at least one
    must contain `at`.
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    for name in route.mute_time_intervals:
        if named_interval_contains(config, name, at):
            return True, f"mute_time_interval:{name}"
    active = list(route.active_time_intervals)
    if active and not any(named_interval_contains(config, name, at) for name in active):
        return True, "outside active_time_intervals:" + ",".join(active)
    return False, None
