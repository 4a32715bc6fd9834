"""Shared command-line flags and their checks, so `--since`, `--url`, `-o`, `--timeout` and
matchers read and fail the same way in every signal.

Option factories return `typer.Option(...)` objects for `Annotated[...]`; the ready-made aliases
(`SinceOpt`, `FromOpt`, `ToOpt`) cover the common wording. Checks raise UsageError (exit 2) whose
message and hint name the flag that was wrong, before any request is sent. Imported on every start:
typer and core's pure modules only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import typer

from obsctl.core.backends import backend_spec
from obsctl.core.errors import UsageError
from obsctl.core.timeparse import duration_seconds, format_duration, parse_time, to_rfc3339

# Nothing any backend stores is older than the unix epoch; a window reaching before it is a typo
# (`--since 1000y`) that servers answer with opaque errors (Prometheus: "makeslice: cap out of range").
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
DEFAULT_SPAN = timedelta(hours=1)
PIPED_DEFAULT = "table on a terminal, TSV when piped"


def url_option(backend: str) -> Any:
    """`--url URL` for a command that talks to `backend` (a name from core/backends.py)."""
    spec = backend_spec(backend)
    return typer.Option(
        "--url",
        help=f"{spec.label} URL for this command, overriding the context (env {spec.env_prefix}URL).",
        metavar="URL",
        callback=url_flag_callback(backend),
    )


def url_flag_callback(backend: str) -> Callable[[str | None], str | None]:
    """The typer `callback=` that checks a URL flag for `backend` (its example URL in the hint)."""
    example = backend_spec(backend).example_url

    def check(value: str | None) -> str | None:
        return check_url_flag(value, example)

    return check


def check_url_flag(value: str | None, example: str = "http://127.0.0.1:9090") -> str | None:
    """Check a URL flag as typer parses it: exit 2 before any request, naming the flag once.

    click prefixes the message with "Invalid value for '--url'", so the message is only the problem
    and its hint: `Invalid value for '--url': not a URL: 'prom:9090' (expected e.g. http://...)`.
    """
    if value is None:
        return None
    from obsctl.core.urls import validate_url

    try:
        validate_url(value, "", example=example)
    except UsageError as exc:
        raise typer.BadParameter(f"{exc.message} ({exc.hint})" if exc.hint else exc.message) from None
    return value


def output_option(formats: Sequence[str], default: str = PIPED_DEFAULT) -> Any:
    """`-o/--output FORMAT` listing this command's formats; check the value with output.check_format."""
    return typer.Option(
        "-o",
        "--output",
        help=f"Output format: {', '.join(formats)}. Default: {default}.",
        metavar="FORMAT",
    )


def timeout_option(help: str) -> Any:
    """`--timeout DURATION`; the meaning differs per command (server limit, wait), so help is given."""
    return typer.Option("--timeout", help=help, metavar="DURATION")


def match_option(help: str, metavar: str = "MATCHER") -> Any:
    """Repeatable `--match/-m`: label matchers, selectors or regexes depending on the command."""
    return typer.Option("--match", "-m", help=help, metavar=metavar)


def since_option(help: str = "Range: this long before --to (e.g. 15m, 1h, 7d).") -> Any:
    return typer.Option("--since", help=help, metavar="DURATION")


def from_option(help: str = "Range start: now-1h, 2026-01-02T03:04:05Z, unix seconds.") -> Any:
    return typer.Option("--from", help=help, metavar="TIME")


def to_option(help: str = "Range end (default now).") -> Any:
    return typer.Option("--to", help=help, metavar="TIME")


SinceOpt = Annotated[str | None, since_option()]
FromOpt = Annotated[str | None, from_option()]
ToOpt = Annotated[str | None, to_option()]


def duration_flag(
    flag: str,
    text: str,
    *,
    allow_zero: bool = False,
    minimum: float | None = None,
    numbers: bool = False,
    example: str = "30s",
) -> float:
    """Seconds for a duration flag; UsageError naming `flag`, with a hint that uses `flag` too."""
    try:
        return duration_seconds(text, flag, allow_zero=allow_zero, minimum=minimum, numbers=numbers)
    except ValueError as exc:
        raise UsageError(str(exc), hint=f"e.g. {flag} {example}") from None


def time_flag(flag: str, text: str, now: datetime) -> datetime:
    """An aware UTC time for a time flag (`now-1h`, RFC 3339, unix seconds); UsageError naming `flag`."""
    try:
        return parse_time(text, now)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


@dataclass(frozen=True)
class TimeRange:
    """A checked [start, end] window: both aware UTC, start <= end, start not before 1970."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def time_range(
    now: datetime,
    *,
    since: str | None = None,
    start: str | None = None,
    end: str | None = None,
    default: timedelta = DEFAULT_SPAN,
) -> TimeRange:
    """Resolve `--since/--from/--to` together and reject impossible windows (exit 2, no request).

    `--since` counts back from `--to` (default now); without either start flag the window is
    `default` long. A window that ends before it starts, or starts before 1970, is an error.
    """
    if since is not None and start is not None:
        raise UsageError("--since and --from both set the start of the range; give one of them")
    end_at = time_flag("--to", end, now) if end is not None else now.astimezone(timezone.utc)
    if since is not None:
        span = duration_flag("--since", since, example="15m")
        start_at = _minus(end_at, span, f"--since {since}")
        flag = "--since"
    elif start is not None:
        start_at = time_flag("--from", start, now)
        flag = "--from"
    else:
        start_at = _minus(end_at, default.total_seconds(), "the default window")
        flag = "--from"
    if start_at > end_at:
        raise UsageError(
            f"--from ({to_rfc3339(start_at)}) is after --to ({to_rfc3339(end_at)})",
            hint="swap them, or use --since 1h for the last hour",
        )
    if start_at < EPOCH:
        raise UsageError(
            f"{flag}: the window would start at {to_rfc3339(start_at)}, before 1970-01-01 (unix time 0)",
            hint=f"no backend holds data that old; use e.g. {flag} {'30d' if flag == '--since' else 'now-30d'}",
        )
    return TimeRange(start_at, end_at)


def _minus(end: datetime, seconds: float, what: str) -> datetime:
    try:
        return end - timedelta(seconds=seconds)
    except OverflowError:
        raise UsageError(
            f"{what} reaches back before the year 1 ({format_duration(seconds)})",
            hint="no backend holds data that old; use e.g. --since 30d",
        ) from None


def check_choice(value: str | None, choices: Sequence[str], flag: str) -> None:
    """A flag that takes one of a few words: anything else is `'x': choose a, b or c` (exit 2)."""
    if value is not None and value not in choices:
        listed = f"{', '.join(choices[:-1])} or {choices[-1]}" if len(choices) > 1 else choices[0]
        raise typer.BadParameter(f"{value!r}: choose {listed}", param_hint=f"'{flag}'")
