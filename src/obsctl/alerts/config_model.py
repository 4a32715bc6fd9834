"""The data model of a loaded alertmanager.yml, and Alertmanager's own duration syntax.

Kept apart from the decoder so that routing (which only needs these types) imports no YAML code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from typing import Any

    from obsctl.alerts.inhibit import InhibitRule
    from obsctl.alerts.matchers import Matcher
    from obsctl.alerts.timeintervals import TimeIntervalSpec

DEFAULT_GROUP_WAIT = "30s"
DEFAULT_GROUP_INTERVAL = "5m"
DEFAULT_REPEAT_INTERVAL = "4h"

_DURATION_RE = re.compile(
    r"^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?\Z"
)
_DURATION_UNITS = (
    (2, 365 * 86400.0),
    (4, 7 * 86400.0),
    (6, 86400.0),
    (8, 3600.0),
    (10, 60.0),
    (12, 1.0),
    (14, 0.001),
)


def parse_model_duration(text: str) -> float:
    """model.ParseDuration (`1h30m`, `1d`, `500ms`, `0`) -> seconds; ValueError with Prometheus' wording."""
    if text == "0":
        return 0.0
    if text == "":
        raise ValueError("empty duration string")
    m = _DURATION_RE.match(text)
    if m is None:
        raise ValueError(f'not a valid duration string: "{text}"')
    total = 0.0
    for group, mult in _DURATION_UNITS:
        if m.group(group):
            total += int(m.group(group)) * mult
    if total > 292 * 365 * 86400:  # Go's time.Duration is int64 nanoseconds
        raise ValueError(f'duration out of range: "{text}"')
    return total


@dataclass
class Finding:
    """One problem or warning about a config: where (file, line, key path) and what."""

    severity: str  # "error" | "warning"
    code: str  # short stable id, e.g. "undefined-receiver"
    message: str
    source: str
    line: int | None = None
    path: str = ""

    def location(self) -> str:
        """`file:line` (or just `file`)."""
        return f"{self.source}:{self.line}" if self.line else self.source

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.location()}: {self.message}{where}"

    def to_json(self) -> dict[str, Any]:
        """Stable keys for `alerts check -o json`."""
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.source,
            "line": self.line,
            "path": self.path,
        }


@dataclass
class Route:
    """One node of the routing tree, as written (inheritance is resolved in routing.py)."""

    path: str
    line: int
    receiver: str | None = None
    group_by: list[str] | None = None  # None: inherit; group_by: [] also inherits, as in Alertmanager
    group_by_all: bool = False
    match: dict[str, str] = field(default_factory=dict)
    match_re: dict[str, str] = field(default_factory=dict)
    matchers: list[Matcher] = field(default_factory=list)  # from `matchers:` only
    matcher_lines: list[str] = field(default_factory=list)  # `matchers:` entries as written
    mute_time_intervals: list[str] = field(default_factory=list)
    active_time_intervals: list[str] = field(default_factory=list)
    continue_: bool = False
    routes: list[Route] = field(default_factory=list)
    group_wait: str | None = None
    group_interval: str | None = None
    repeat_interval: str | None = None
    compiled: list[Matcher] = field(default_factory=list)  # match + match_re + matchers, sorted

    def walk(self) -> Iterator[Route]:
        """This node and all descendants, depth first."""
        yield self
        for child in self.routes:
            yield from child.walk()


@dataclass
class Receiver:
    """A receiver and how many integrations of each kind it has."""

    name: str
    line: int
    integrations: dict[str, int] = field(default_factory=dict)


@dataclass
class AlertmanagerConfig:
    """A loaded, validated Alertmanager configuration."""

    source: str
    text: str
    route: Route
    receivers: list[Receiver]
    inhibit_rules: list[InhibitRule]
    time_intervals: dict[str, list[TimeIntervalSpec]]
    templates: list[str] = field(default_factory=list)
    time_interval_lines: dict[str, int] = field(default_factory=dict)
    deprecated_mute_time_intervals: bool = False
    findings: list[Finding] = field(default_factory=list)  # warnings noticed while loading
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
