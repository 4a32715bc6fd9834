"""Turning --time/--since/--from/--to/--step into an instant or a range, validated before any request.

Everything here is pure: `now` is a parameter, errors are UsageError (exit 2), nothing is sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from obsctl.core.errors import UsageError
from obsctl.core.params import duration_flag, time_flag, time_range
from obsctl.core.timeparse import format_duration, to_rfc3339

MAX_POINTS = 11_000  # Prometheus rejects (end-start)/step above this (web/api/v1/api.go)
TARGET_POINTS = 250
DEFAULT_RANGE = timedelta(hours=1)


@dataclass(frozen=True)
class Window:
    """An instant (`step is None`, evaluated at `end`) or a range [start, end] every `step` seconds."""

    start: datetime
    end: datetime
    step: float | None = None

    @property
    def is_range(self) -> bool:
        return self.step is not None

    @property
    def start_s(self) -> float:
        return self.start.timestamp()

    @property
    def end_s(self) -> float:
        return self.end.timestamp()

    @property
    def points(self) -> int:
        """Samples per series the server will return at most."""
        if self.step is None:
            return 1
        return int((self.end_s - self.start_s) // self.step) + 1

    def describe(self) -> dict[str, object]:
        """The resolved window, as `-o json` reports it."""
        if self.step is None:
            return {"time": to_rfc3339(self.end)}
        return {
            "start": to_rfc3339(self.start),
            "end": to_rfc3339(self.end),
            "step": format_duration(self.step),
            "step_seconds": self.step,
            "points": self.points,
        }


def _ms(at: datetime) -> datetime:
    """Millisecond precision: what Prometheus keeps, so the reported window is what was sent."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def parse_seconds(flag: str, text: str) -> float:
    """A positive duration (`30s`, `1h30m`) or number of seconds for `flag`; UsageError otherwise."""
    return duration_flag(flag, text, numbers=True)


def auto_step(range_seconds: float) -> float:
    """About TARGET_POINTS points, whole seconds, at least 1 s (promtool's rule), never over MAX_POINTS."""
    step = max(1.0, math.floor(range_seconds / TARGET_POINTS))
    while range_seconds / step > MAX_POINTS:
        step += 1.0
    return step


def resolve_window(
    now: datetime,
    *,
    time: str | None = None,
    since: str | None = None,
    start: str | None = None,
    end: str | None = None,
    step: str | None = None,
    max_points: int = MAX_POINTS,
) -> Window:
    """Validate the time flags together: exit 2 on contradictions, reversed windows, bad steps and
    windows the server would refuse for having too many points."""
    is_range = any(v is not None for v in (since, start, end, step))
    if time is not None and is_range:
        raise UsageError(
            "--time is for an instant query; it cannot be combined with --since, --from, --to or --step",
            hint="use --to to end a range at a given time",
        )
    if since is not None and start is not None:
        raise UsageError("--since and --from both set the start of the range; give one of them")
    if not is_range:
        at = _ms(time_flag("--time", time, now)) if time is not None else _ms(now)
        return Window(at, at, None)
    span = time_range(_ms(now), since=since, start=start, end=end, default=DEFAULT_RANGE)
    start_at, end_at = _ms(span.start), _ms(span.end)
    span_s = (end_at - start_at).total_seconds()
    step_s = parse_seconds("--step", step) if step is not None else auto_step(span_s)
    limit = max_points
    if span_s / step_s > limit:
        need = math.ceil(span_s / limit)
        raise UsageError(
            f"--step {format_duration(step_s)} over {format_duration(span_s)} gives "
            f"{int(span_s // step_s) + 1:,} points per series; the limit is {limit:,}",
            hint=f"use --step {format_duration(need)} or more, or a shorter window",
        )
    return Window(start_at, end_at, step_s)
