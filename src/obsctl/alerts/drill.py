"""Fire drill (`alerts fire --drill`): prove the running Alertmanager routes as a config says.

Silences a unique label, posts the alert, reads back receivers and groups, then always resolves the
alert and expires the silence (also on errors and Ctrl-C, which is held until cleanup is done).
Returns a DrillReport; never prints or exits.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from obsctl.alerts.client import (
    PostableAlert,
    SilenceMatcher,
)
from obsctl.alerts.live import AlertsAPI
from obsctl.core.errors import BackendError, ObsctlError, UsageError

if TYPE_CHECKING:
    from obsctl.alerts.config import AlertmanagerConfig

DRILL_LABEL = "obsctl_drill"
RESOLVE_GRACE = 5.0  # seconds to wait for a resolved drill alert to leave /api/v2/alerts


@dataclass
class DrillCheck:
    """One line of the drill verdict."""

    check: str
    expected: str
    actual: str
    ok: bool | None  # None: not observed

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "expected": self.expected, "actual": self.actual, "ok": self.ok}


@dataclass
class DrillReport:
    """What a drill did and saw; `passed` decides the exit code."""

    drill_id: str
    labels: dict[str, str]
    expected_source: str
    expected_receivers: list[str]
    actual_receivers: list[str] | None = None
    state: str | None = None
    silence_id: str | None = None
    silenced_by: list[str] = field(default_factory=list)
    expected_groups: list[dict[str, Any]] = field(default_factory=list)
    actual_groups: list[dict[str, Any]] | None = None
    checks: list[DrillCheck] = field(default_factory=list)
    alert_resolved: bool = False
    silence_expired: bool = False
    cleanup_errors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.ok is not False for c in self.checks) and self.actual_receivers is not None

    def to_json(self) -> dict[str, Any]:
        """The documented `-o json` shape of `alerts fire --drill`."""
        return {
            "drill_id": self.drill_id,
            "labels": dict(self.labels),
            "passed": self.passed,
            "expected": {
                "source": self.expected_source,
                "receivers": list(self.expected_receivers),
                "groups": list(self.expected_groups),
            },
            "actual": {
                "receivers": None if self.actual_receivers is None else list(self.actual_receivers),
                "state": self.state,
                "silenced_by": list(self.silenced_by),
                "groups": self.actual_groups,
            },
            "checks": [c.to_json() for c in self.checks],
            "cleanup": {
                "silence_id": self.silence_id,
                "alert_resolved": self.alert_resolved,
                "silence_expired": self.silence_expired,
                "errors": list(self.cleanup_errors),
            },
        }


@dataclass(frozen=True)
class DrillOptions:
    """Validated `alerts fire --drill` input."""

    labels: dict[str, str]
    annotations: dict[str, str]
    timeout: float = 10.0
    author: str = "obsctl"
    poll_interval: float = 0.1


def drill_inhibition_risk(config: AlertmanagerConfig, labels: Mapping[str, str]) -> str | None:
    """Why a drill alert with `labels` could mute real alerts (it matches an inhibit rule's source
    side), or None. A silenced alert still inhibits, so such a drill must not be fired."""
    from obsctl.alerts.matchers import matches_all

    for rule in config.inhibit_rules:
        if matches_all(rule.source_matchers, labels):
            return f"{rule.label} ({rule.describe()})"
    return None


def _group_key(labels: Mapping[str, str], receiver: str) -> dict[str, Any]:
    return {"receiver": receiver, "labels": dict(sorted(labels.items()))}


def expected_groups(config: AlertmanagerConfig, labels: Mapping[str, str]) -> list[dict[str, Any]]:
    """The aggregation groups the alert should land in: one per matched route, keyed by the route's
    group_by labels present on the alert (all labels for `...`), as dispatch.getGroupLabels does."""
    from obsctl.alerts.routing import match_routes

    out = []
    for route in match_routes(config, labels):
        if route.group_by == ["..."]:
            group = dict(labels)
        else:
            group = {k: labels[k] for k in route.group_by if k in labels}
        out.append(_group_key(group, route.receiver))
    return out


@contextlib.contextmanager
def _deferred_interrupts() -> Iterator[list[bool]]:
    """Hold Ctrl-C while cleaning up (re-raised afterwards), so a second Ctrl-C cannot leave a
    silence or a firing alert behind. Only possible in the main thread."""
    hit: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield hit
        return
    previous = signal.getsignal(signal.SIGINT)

    def _hold(_sig: int, _frame: Any) -> None:
        hit.append(True)

    try:
        signal.signal(signal.SIGINT, _hold)
    except ValueError:  # pragma: no cover - not the main interpreter
        yield hit
        return
    try:
        yield hit
    finally:
        signal.signal(signal.SIGINT, previous)


def _sort_groups(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(groups, key=lambda g: (g["receiver"], sorted(g["labels"].items())))


def run_drill(
    api: AlertsAPI,
    opts: DrillOptions,
    *,
    expected_config: AlertmanagerConfig | None,
    expected_source: str,
    now: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
    drill_id: str | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> DrillReport:
    """Fire a silenced test alert and compare where the running Alertmanager routes it with where
    `expected_config` (default: the running config) says it should go.

    Order: refuse labels that could inhibit real alerts; silence `obsctl_drill="<id>"` first so no
    one is paged; post the alert; poll until the server shows it; then ALWAYS resolve the alert and
    expire the silence (also on errors and Ctrl-C), verifying both.
    """
    from obsctl.alerts.config import load_config_text
    from obsctl.alerts.routing import receivers_for

    running = load_config_text(api.config_text(), "running Alertmanager (/api/v2/status config.original)")
    drill_id = drill_id or str(uuid.uuid4())
    labels = {**opts.labels, DRILL_LABEL: drill_id}
    risk = drill_inhibition_risk(running, labels)
    if risk is not None:
        raise UsageError(
            f"refusing the drill: its labels match the source side of inhibit rule {risk}, so even silenced it could mute real alerts",
            hint="pick labels no inhibit rule uses as a source (e.g. another severity), or test this route offline with `obsctl alerts test`",
        )
    config = expected_config or running
    report = DrillReport(
        drill_id=drill_id,
        labels=labels,
        expected_source=expected_source,
        expected_receivers=receivers_for(config, labels),
        expected_groups=_sort_groups(expected_groups(config, labels)),
    )
    start = now()
    # Both end by themselves shortly after the drill even if this process is killed outright.
    lifetime = timedelta(seconds=opts.timeout) + timedelta(minutes=5)
    report.silence_id = api.create_silence(
        [SilenceMatcher(DRILL_LABEL, drill_id)]
        + [SilenceMatcher(k, v) for k, v in sorted(opts.labels.items())],
        starts_at=start,
        ends_at=start + lifetime,
        created_by=opts.author,
        comment=f"obsctl fire drill {drill_id}: silences its own test alert so no one is paged",
    )
    posted = False
    alert = PostableAlert(
        labels=labels,
        annotations={"summary": f"obsctl fire drill {drill_id}", **opts.annotations},
        starts_at=start,
        ends_at=start + lifetime,
    )
    try:
        posted = True
        api.post_alerts([alert])
        _observe(api, report, opts, sleep, monotonic)
    finally:
        with _deferred_interrupts() as held:
            _cleanup(api, report, alert, posted, now, sleep, monotonic)
        if held:
            raise KeyboardInterrupt
    _verdict(report)
    if report.cleanup_errors:
        raise BackendError(
            "fire drill could not clean up: " + "; ".join(report.cleanup_errors),
            hint=f"expire it by hand: obsctl alerts silence expire {report.silence_id}",
        )
    return report


def _observe(
    api: AlertsAPI,
    report: DrillReport,
    opts: DrillOptions,
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
) -> None:
    """Poll until the alert shows (receivers are computed by the live tree) and its groups form."""
    filters = [f'{DRILL_LABEL}="{report.drill_id}"']
    deadline = monotonic() + opts.timeout
    want_groups = len(report.expected_groups)
    while True:
        if report.actual_receivers is None:
            found = api.alerts(filters)
            if found:
                a = found[0]
                report.actual_receivers = list(a.receivers)
                report.state = a.state
                report.silenced_by = list(a.silenced_by)
        if report.actual_receivers is not None:
            groups = [_group_key(g.labels, g.receiver) for g in api.alert_groups(filters)]
            if len(groups) >= max(want_groups, len(report.actual_receivers)) or monotonic() >= deadline:
                report.actual_groups = _sort_groups(groups) if groups else None
                return
        if monotonic() >= deadline:
            return
        sleep(opts.poll_interval)


def _cleanup(
    api: AlertsAPI,
    report: DrillReport,
    alert: PostableAlert,
    posted: bool,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
) -> None:
    """Resolve the alert, expire the silence, and check both took (errors are collected, not raised)."""
    filters = [f'{DRILL_LABEL}="{report.drill_id}"']
    if posted:
        try:
            api.post_alerts([PostableAlert(alert.labels, alert.annotations, None, now())])
            # A resolved alert disappears from /api/v2/alerts once its endsAt has passed on the
            # server's clock; allow a little clock skew.
            deadline = monotonic() + RESOLVE_GRACE
            while True:
                report.alert_resolved = not api.alerts(filters)
                if report.alert_resolved or monotonic() >= deadline:
                    break
                sleep(0.2)
            if not report.alert_resolved:
                report.cleanup_errors.append(
                    f"alert {DRILL_LABEL}={report.drill_id} still shows after resolving"
                )
        except ObsctlError as exc:
            report.cleanup_errors.append(f"resolving the drill alert failed: {exc.message}")
    else:
        report.alert_resolved = True
    if report.silence_id:
        try:
            api.expire_silence(report.silence_id)
            report.silence_expired = api.get_silence(report.silence_id).state == "expired"
            if not report.silence_expired:
                report.cleanup_errors.append(f"silence {report.silence_id} is not expired")
        except ObsctlError as exc:
            report.cleanup_errors.append(f"expiring silence {report.silence_id} failed: {exc.message}")


def _fmt_groups(groups: Sequence[Mapping[str, Any]] | None) -> str:
    if groups is None:
        return "(not seen)"
    return "; ".join(
        g["receiver"] + "{" + ",".join(f'{k}="{v}"' for k, v in g["labels"].items()) + "}" for g in groups
    )


def _verdict(report: DrillReport) -> None:
    expected = ",".join(report.expected_receivers)
    if report.actual_receivers is None:
        report.checks.append(DrillCheck("receivers", expected, "(alert not seen before --timeout)", False))
        return
    actual = ",".join(report.actual_receivers)
    report.checks.append(
        DrillCheck("receivers", expected, actual, report.actual_receivers == report.expected_receivers)
    )
    if report.actual_groups is None:
        report.checks.append(DrillCheck("groups", _fmt_groups(report.expected_groups), "(not seen)", None))
    else:
        report.checks.append(
            DrillCheck(
                "groups",
                _fmt_groups(report.expected_groups),
                _fmt_groups(report.actual_groups),
                report.actual_groups == report.expected_groups,
            )
        )
    silenced = bool(report.silence_id and report.silence_id in report.silenced_by)
    report.checks.append(
        DrillCheck(
            "silenced",
            f"by {report.silence_id}",
            "yes" if silenced else f"no (state {report.state}): receivers may have been notified",
            silenced,
        )
    )
    report.checks.append(
        DrillCheck(
            "cleanup",
            "alert resolved, silence expired",
            ("alert resolved" if report.alert_resolved else "alert NOT resolved")
            + ", "
            + ("silence expired" if report.silence_expired else "silence NOT expired"),
            report.alert_resolved and report.silence_expired,
        )
    )
