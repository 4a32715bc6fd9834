"""Logic of the live verbs: list alerts, manage silences, fire alerts and run fire drills.

Pure functions over an `AlertmanagerClient` (or anything with its methods): they validate input
(UsageError, exit 2, before any request is sent), talk to the API and return data. They never print
or exit; `commands/` parses flags and `live_render.py` draws the results.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from obsctl.core.errors import UsageError

if TYPE_CHECKING:
    from obsctl.alerts.matchers import Matcher


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
