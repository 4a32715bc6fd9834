"""One time and duration parser for every command, so `--since 15m` means the same everywhere.

Accepted times: `now`, `now-15m`, `now+1h`, a bare duration (`15m`, meaning that long ago),
RFC 3339 (`2026-01-02T03:04:05Z`, offsets, fractions), dates (`2026-01-02`, midnight UTC),
unix seconds (`1767322800`, `1767322800.5`) and unix milliseconds (13 digits).

Durations everywhere (flags, contexts files, probes files) go through `parse_duration` /
`duration_seconds`, so there is one grammar and one error message. Alertmanager's own duration
grammar (Go's model.Duration, `0` allowed) is a different language and lives in alerts/.
"""

from __future__ import annotations

import itertools
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

_UNITS: dict[str, float] = {
    "y": 365 * 86400,
    "w": 7 * 86400,
    "d": 86400,
    "h": 3600,
    "m": 60,
    "s": 1,
    "ms": 0.001,
}
_ORDER = list(_UNITS)
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|[ywdhms])")
_RELATIVE = re.compile(r"^now\s*(?:([+-])\s*(.+))?$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def parse_duration(text: str) -> timedelta:
    """Parse a Prometheus-style duration: `15m`, `1h30m`, `2d`, `500ms`, `1.5h`.

    Units run from largest to smallest, each at most once, as Prometheus requires.
    """
    raw = text.strip()
    parts = _PART.findall(raw)
    if not parts or "".join(n + u for n, u in parts) != raw:
        raise ValueError(f"invalid duration {text!r} ({DURATION_EXAMPLES})")
    idx = [_ORDER.index(u) for _, u in parts]
    if any(a >= b for a, b in itertools.pairwise(idx)):
        raise ValueError(f"invalid duration {text!r}: units must go from largest to smallest, once each")
    try:
        return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))
    except OverflowError:
        raise ValueError(f"duration {text!r} is too large") from None


DURATION_EXAMPLES = "expected e.g. 30s, 15m, 1h30m, 2d"


def duration_seconds(
    value: Any,
    where: str,
    *,
    allow_zero: bool = False,
    minimum: float | None = None,
    numbers: bool = False,
) -> float:
    """The one checked duration -> seconds for flags and files; ValueError `"{where}: problem"`.

    YAML numbers are seconds; numeric strings are too when `numbers` (e.g. `--step 30`).
    Callers wrap the message in their error kind (UsageError for flags, ConfigError for files).
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{where}: invalid duration {value!r} ({DURATION_EXAMPLES})")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = parse_duration(text).total_seconds()
        except ValueError as exc:
            if not (numbers and _SIGNED_NUMBER.match(text)):
                raise ValueError(f"{where}: {exc}") from None
            seconds = float(text)
    if not math.isfinite(seconds) or seconds > _MAX_SECONDS:
        raise ValueError(f"{where}: duration {value!r} is too large")
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise ValueError(f"{where}: must be positive, got {value!r}")
    if minimum is not None and seconds < minimum:
        raise ValueError(f"{where}: must be at least {format_duration(minimum)}, got {value!r}")
    return seconds


_SIGNED_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_MAX_SECONDS = 10_000 * 365 * 86400.0  # beyond any datetime; larger values are typos


def format_duration(value: timedelta | float) -> str:
    """Render seconds the way Prometheus does (`1h30m`, `5m`, `250ms`), for stable output."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    ms_total = round(abs(seconds) * 1000)
    out = []
    for unit in ("y", "w", "d", "h", "m", "s"):
        size = int(_UNITS[unit] * 1000)
        count, ms_total = divmod(ms_total, size)
        if count:
            out.append(f"{count}{unit}")
    if ms_total:
        out.append(f"{ms_total}ms")
    return sign + "".join(out)


def parse_time(text: str, now: datetime) -> datetime:
    """Parse a point in time relative to `now` (an aware datetime); always returns aware UTC."""
    raw = text.strip()
    if not raw:
        raise ValueError("empty time (expected now, now-15m, 15m, RFC 3339 or unix seconds)")
    now = now.astimezone(timezone.utc)
    try:
        return _parse_time(raw, text, now)
    except (OverflowError, OSError):
        raise ValueError(f"time {text!r} is out of range (years 1 to 9999)") from None


def _parse_time(raw: str, text: str, now: datetime) -> datetime:
    rel = _RELATIVE.match(raw.lower())
    if rel:
        sign, amount = rel.groups()
        if not sign:
            return now
        delta = parse_duration(amount.strip())
        return now - delta if sign == "-" else now + delta
    if _NUMBER.match(raw):
        number = float(raw)
        # 13+ integer digits: milliseconds (1e12 s would be the year 33658).
        if len(raw.split(".")[0]) >= 13:
            number /= 1000.0
        try:
            return datetime.fromtimestamp(number, tz=timezone.utc)
        except ValueError:
            raise OverflowError from None
    if _PART.match(raw):
        try:
            delta = parse_duration(raw)
        except ValueError:
            pass
        else:
            return now - delta
    parsed = _parse_iso(raw)
    if parsed is None:
        raise ValueError(
            f"invalid time {text!r} (expected now, now-15m, 15m, 2026-01-02T03:04:05Z, 2026-01-02 or unix seconds)"
        )
    return parsed


def parse_rfc3339(text: Any) -> datetime | None:
    """An RFC 3339 / ISO 8601 timestamp from an API body -> aware UTC; None if absent or not one.

    Go's zero time (`0001-01-01T00:00:00Z`, "never") is None too.
    """
    if not text or not isinstance(text, str) or text.startswith("0001-01-01"):
        return None
    return _parse_iso(text.strip())


def _parse_iso(raw: str) -> datetime | None:
    candidate = raw
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    # Python 3.10's fromisoformat takes at most 6 fractional digits; RFC 3339 allows nanoseconds.
    candidate = re.sub(r"(\.\d{6})\d+", r"\1", candidate)
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def to_rfc3339(value: datetime) -> str:
    """Format a datetime as RFC 3339 UTC with a `Z`, as every backend API accepts: the one formatter.

    Naive datetimes are taken as UTC (API values), never as local time.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    text = value.astimezone(timezone.utc).isoformat()
    return text.replace("+00:00", "Z")


def age(then: datetime | None, now: datetime, *, exact: bool = False) -> str:
    """How long ago `then` was, for people: the one humanised age.

    Coarse by default (`45s`, `12m`, `3h5m`, `2d4h`, `3y`; future times get `in `), or `exact`
    (`1h2m3s`, `0.4s`: Prometheus' duration form, for scrape ages). None is the empty string.
    """
    if then is None:
        return ""
    seconds = (now - then).total_seconds()
    prefix = ""
    if seconds < 0:
        prefix, seconds = "in ", -seconds
    if exact:
        return prefix + format_duration(round(seconds) if seconds >= 1 else round(seconds, 1))
    whole = int(seconds)
    if whole < 60:
        text = f"{whole}s"
    elif whole < 3600:
        text = f"{whole // 60}m"
    elif whole < 86400:
        h, m = divmod(whole // 60, 60)
        text = f"{h}h{m}m" if m else f"{h}h"
    elif whole < 365 * 86400:
        d, h = divmod(whole // 3600, 24)
        text = f"{d}d{h}h" if h else f"{d}d"
    else:
        text = f"{whole // (365 * 86400)}y"
    return prefix + text


def utcnow() -> datetime:
    """The current time, aware UTC (the default `now` seam)."""
    return datetime.now(timezone.utc)


def parse_timestamp(value: object) -> datetime | None:
    """A timestamp as a log backend stores it: ISO 8601 (nanoseconds allowed, naive means UTC)
    or epoch seconds/milliseconds/nanoseconds (number or numeric string, fraction allowed).

    Lenient on purpose: log documents carry whatever their shipper wrote; None when unparsable.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.match(value.strip())):
        number = float(value)
        if number > 1e17:  # nanoseconds
            number /= 1e9
        elif number > 1e11:  # milliseconds
            number /= 1e3
        try:
            return datetime.fromtimestamp(number, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) < 10:
        return None
    if " " in text[10:11]:
        text = text[:10] + "T" + text[11:]
    return _parse_iso(text.replace(",", ".", 1) if "," in text[19:20] else text)
