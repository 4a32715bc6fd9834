"""Logic of the live verbs: list alerts, manage silences, fire alerts and run fire drills.

Pure functions over an `AlertmanagerClient` (or anything with its methods): they validate input
(UsageError, exit 2, before any request is sent), talk to the API and return data. They never print
or exit; `live_commands.py` parses flags and `live_render.py` draws the results.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from obsctl.alerts.client import (
    Alert,
    AlertGroup,
    PostableAlert,
    Silence,
    SilenceMatcher,
    is_silence_id,
)
from obsctl.core.errors import BackendError, ObsctlError, UsageError

if TYPE_CHECKING:
    from obsctl.alerts.config import AlertmanagerConfig
    from obsctl.alerts.matchers import Matcher

DRILL_LABEL = "obsctl_drill"
RESOLVE_GRACE = 5.0  # seconds to wait for a resolved drill alert to leave /api/v2/alerts


class AlertsAPI(Protocol):
    """What the live logic needs from an Alertmanager (AlertmanagerClient implements it)."""

    def config_text(self) -> str: ...

    def alerts(
        self,
        filters: Sequence[str] = (),
        *,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        unprocessed: bool = True,
        receiver: str | None = None,
    ) -> list[Alert]: ...

    def alert_groups(self, filters: Sequence[str] = ()) -> list[AlertGroup]: ...

    def post_alerts(self, alerts: Sequence[PostableAlert]) -> None: ...

    def silences(self, filters: Sequence[str] = ()) -> list[Silence]: ...

    def get_silence(self, silence_id: str) -> Silence: ...

    def create_silence(
        self,
        matchers: Sequence[SilenceMatcher],
        *,
        starts_at: datetime,
        ends_at: datetime,
        created_by: str,
        comment: str,
    ) -> str: ...

    def expire_silence(self, silence_id: str) -> None: ...


# --- matcher arguments -------------------------------------------------------------------------


def parse_filter_args(args: Sequence[str], *, what: str = "filter") -> list[Matcher]:
    """Matcher arguments as amtool takes them: `alertname=~"Node.*"`, `{a="b",c!="d"}`, and a
    first bare word meaning `alertname=WORD`. Invalid matchers and regexes -> UsageError (exit 2)."""
    from obsctl.alerts.matchers import Matcher, MatcherError, parse_matchers

    out: list[Matcher] = []
    for i, arg in enumerate(args):
        text = arg.strip()
        if i == 0 and text and not any(op in text for op in ("=", "!", "~", "{")):
            try:
                out.append(Matcher("alertname", "=", text))
            except MatcherError as exc:  # pragma: no cover - '=' never compiles a regex
                raise UsageError(f"{what} {arg!r}: {exc.message}") from None
            continue
        try:
            matchers = parse_matchers(text)
        except MatcherError as exc:
            raise UsageError(
                f"invalid {what} {arg!r}: {exc.message}",
                hint='write matchers as name="value", name!="value", name=~"regex" or name!~"regex"',
            ) from None
        if not matchers:
            raise UsageError(f"invalid {what} {arg!r}: no matcher in it", hint='e.g. alertname="HighLatency"')
        out.extend(matchers)
    return out


def check_receiver_regex(pattern: str | None) -> str | None:
    """Validate `--receiver` as Alertmanager will (Go RE2, anchored) so a typo is exit 2, not 3."""
    if pattern is None:
        return None
    from obsctl.alerts.matchers import MatcherError, compile_go_regex

    try:
        compile_go_regex(pattern)
    except MatcherError as exc:
        raise UsageError(f"--receiver {pattern!r}: {exc.message}") from None
    return pattern


# --- alerts list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListOptions:
    """What `alerts list` asks for. With no state flag, only active alerts (amtool's default)."""

    filters: tuple[str, ...] = ()
    active: bool = True
    silenced: bool = False
    inhibited: bool = False
    unprocessed: bool = False
    receiver: str | None = None

    @classmethod
    def build(
        cls,
        args: Sequence[str],
        *,
        active: bool = False,
        silenced: bool = False,
        inhibited: bool = False,
        unprocessed: bool = False,
        all_states: bool = False,
        receiver: str | None = None,
    ) -> ListOptions:
        filters = tuple(str(m) for m in parse_filter_args(args))
        if all_states:
            active = silenced = inhibited = unprocessed = True
        elif not (active or silenced or inhibited or unprocessed):
            active = True
        return cls(filters, active, silenced, inhibited, unprocessed, check_receiver_regex(receiver))


def list_alerts(api: AlertsAPI, opts: ListOptions) -> list[Alert]:
    """Alerts the server selects, oldest first (then by alertname and fingerprint) for a stable order."""
    alerts = api.alerts(
        opts.filters,
        active=opts.active,
        silenced=opts.silenced,
        inhibited=opts.inhibited,
        unprocessed=opts.unprocessed,
        receiver=opts.receiver,
    )
    return sorted(
        alerts,
        key=lambda a: (a.starts_at.timestamp() if a.starts_at else 0.0, a.alertname, a.fingerprint),
    )


# --- silences ----------------------------------------------------------------------------------


def default_author(env: Mapping[str, str]) -> str:
    """`$USER@hostname`, so a silence says who to ask about it."""
    user = env.get("USER") or env.get("LOGNAME") or env.get("USERNAME") or "obsctl"
    try:
        host = socket.gethostname()
    except OSError:
        host = ""
    return f"{user}@{host}" if host else user


@dataclass(frozen=True)
class SilenceSpec:
    """A validated silence, ready to post."""

    matchers: tuple[SilenceMatcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str

    def to_json(self) -> dict[str, Any]:
        from obsctl.alerts.client import iso

        return {
            "matchers": [str(m) for m in self.matchers],
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "created_by": self.created_by,
            "comment": self.comment,
        }


def build_silence_spec(
    matcher_args: Sequence[str],
    *,
    now: datetime,
    duration: str | None,
    start: str | None,
    end: str | None,
    comment: str | None,
    author: str | None,
    env: Mapping[str, str],
) -> SilenceSpec:
    """Check a silence as Alertmanager will (matchers, at least one not matching "", end after
    start) and as people should (a comment), before anything is sent."""
    from obsctl.core.params import duration_flag, time_flag

    if not matcher_args:
        raise UsageError(
            "a silence needs at least one matcher", hint='e.g. alertname="NodeDown" instance=~"db.*"'
        )
    matchers = parse_filter_args(matcher_args, what="matcher")
    if all(m.matches("") for m in matchers):
        raise UsageError(
            "at least one matcher must not match the empty string (Alertmanager refuses silences that match everything)",
            hint='add a specific matcher such as alertname="NodeDown"',
        )
    if not comment or not comment.strip():
        raise UsageError(
            "a silence needs --comment saying why", hint='e.g. --comment "db maintenance, JIRA-123"'
        )
    starts = time_flag("--start", start, now) if start else now
    if end and duration:
        raise UsageError("give --duration or --end, not both")
    if end:
        ends = time_flag("--end", end, now)
    else:
        ends = starts + timedelta(seconds=duration_flag("--duration", duration or "1h", example="2h"))
    if ends <= starts:
        raise UsageError("the silence would end before it starts", hint="check --start, --end and --duration")
    if ends <= now:
        raise UsageError("the silence would already be over", hint="give an --end in the future")
    return SilenceSpec(
        matchers=tuple(SilenceMatcher.from_matcher(m) for m in matchers),
        starts_at=starts,
        ends_at=ends,
        created_by=(author or "").strip() or default_author(env),
        comment=comment.strip(),
    )


def add_silence(api: AlertsAPI, spec: SilenceSpec) -> Silence:
    """Create the silence and read it back (so the caller shows what the server stored)."""
    silence_id = api.create_silence(
        spec.matchers,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        created_by=spec.created_by,
        comment=spec.comment,
    )
    return api.get_silence(silence_id)


SILENCE_STATES = ("current", "expired", "all")


def list_silences(
    api: AlertsAPI,
    filter_args: Sequence[str] = (),
    *,
    which: str = "current",
    created_by: str | None = None,
    within: timedelta | None = None,
    now: datetime | None = None,
) -> list[Silence]:
    """Silences the filter selects: `current` = active and pending (amtool's default), `expired`,
    or `all`; `within` keeps those ending (or, with expired, ended) within that time of now."""
    if which not in SILENCE_STATES:
        raise UsageError(
            f"unknown silence state {which!r}", hint=f"choose one of {', '.join(SILENCE_STATES)}"
        )
    filters = [str(m) for m in parse_filter_args(filter_args)]
    out = []
    for s in api.silences(filters):
        if which == "current" and s.state == "expired":
            continue
        if which == "expired" and s.state != "expired":
            continue
        if created_by is not None and s.created_by != created_by:
            continue
        if within is not None and now is not None and s.ends_at is not None:
            if s.state == "expired":
                if s.ends_at < now - within:
                    continue
            elif s.ends_at > now + within:
                continue
        out.append(s)
    return out


@dataclass(frozen=True)
class ExpireResult:
    """One silence `silence expire` acted on."""

    id: str
    matchers: str
    previous_state: str
    expired: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "matchers": self.matchers,
            "previous_state": self.previous_state,
            "expired": self.expired,
        }


def expire_silences(
    api: AlertsAPI, ids: Sequence[str], *, all_matching: Sequence[str] = ()
) -> list[ExpireResult]:
    """Expire silences by ID and/or every current silence matching `all_matching` filters.

    IDs are checked before any request; an unknown ID stops with exit 2 after the ones before it.
    """
    bad = [i for i in ids if not is_silence_id(i)]
    if bad:
        raise UsageError(
            f"{bad[0]!r} is not a silence ID (expected a UUID)",
            hint="list IDs with `obsctl alerts silence list -q`",
        )
    if not ids and not all_matching:
        raise UsageError(
            "give silence IDs or --all-matching MATCHER", hint="list IDs with `obsctl alerts silence list -q`"
        )
    targets: dict[str, Silence | None] = {i: None for i in ids}
    if all_matching:
        for s in list_silences(api, all_matching, which="current"):
            targets.setdefault(s.id, s)
    results = []
    for silence_id, known in targets.items():
        silence = known or api.get_silence(silence_id)
        if silence.state != "expired":
            api.expire_silence(silence_id)
        results.append(
            ExpireResult(silence_id, silence.matcher_text, silence.state, expired=silence.state != "expired")
        )
    return results


# --- fire ----------------------------------------------------------------------------------------


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


# --- fire drill ----------------------------------------------------------------------------------


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
