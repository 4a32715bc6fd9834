"""Logic of `alerts fire`: labels and annotations from arguments, the alert to post, posting it.

Validates input before any request (UsageError, exit 2); never prints or exits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from obsctl.alerts.client import (
    PostableAlert,
)
from obsctl.alerts.live import AlertsAPI
from obsctl.core.errors import UsageError

if TYPE_CHECKING:
    pass


def parse_alert_labels(args: Sequence[str]) -> dict[str, str]:
    """`alerts fire` labels: `k=v` / `k="v w"`, and a first bare word meaning alertname (amtool)."""
    from obsctl.alerts.matchers import parse_label_args

    labels: dict[str, str] = {}
    rest = list(args)
    if rest and "=" not in rest[0]:
        labels["alertname"] = rest.pop(0)
    labels.update(parse_label_args(rest))
    if not labels:
        raise UsageError(
            "an alert needs labels", hint="e.g. obsctl alerts fire alertname=DiskFull severity=warning"
        )
    if not labels.get("alertname"):
        raise UsageError(
            "an alert needs an alertname label",
            hint="e.g. alertname=DiskFull (or the name as the first argument)",
        )
    empty = [k for k, v in labels.items() if v == ""]
    if empty:
        raise UsageError(
            f"label {empty[0]!r} is empty; Alertmanager drops empty labels",
            hint="give it a value or leave it out",
        )
    return labels


def parse_annotations(args: Sequence[str]) -> dict[str, str]:
    """`--annotation k=v` (repeatable); values may hold spaces and `=`."""
    out: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(
                f"invalid --annotation {arg!r}",
                hint='write it as name=value, e.g. --annotation summary="disk full"',
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        out[key] = value
    return out


@dataclass(frozen=True)
class FireSpec:
    """A validated alert to post: fire (ends after `duration`) or resolve (ends now)."""

    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime | None
    ends_at: datetime
    resolve: bool = False
    generator_url: str = ""

    def postable(self) -> PostableAlert:
        return PostableAlert(self.labels, self.annotations, self.starts_at, self.ends_at, self.generator_url)

    def to_json(self) -> dict[str, Any]:
        from obsctl.alerts.client import iso

        return {
            "alertname": self.labels.get("alertname", ""),
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "status": "resolved" if self.resolve else "firing",
        }


def build_fire_spec(
    label_args: Sequence[str],
    *,
    annotations: Sequence[str] = (),
    duration: str = "5m",
    resolve: bool = False,
    now: datetime,
    generator_url: str | None = None,
) -> FireSpec:
    """Validate `alerts fire` input. Firing: startsAt now, endsAt now+duration, so a forgotten test
    alert resolves by itself. Resolving: endsAt now and no startsAt (the server keeps the original)."""
    from obsctl.core.params import duration_flag

    labels = parse_alert_labels(label_args)
    notes = parse_annotations(annotations)
    if resolve:
        return FireSpec(labels, notes, None, now, resolve=True, generator_url=generator_url or "")
    length = timedelta(seconds=duration_flag("--duration", duration, example="5m"))
    return FireSpec(labels, notes, now, now + length, generator_url=generator_url or "")


def fire(api: AlertsAPI, spec: FireSpec) -> None:
    """Post one alert (or its resolution)."""
    api.post_alerts([spec.postable()])
