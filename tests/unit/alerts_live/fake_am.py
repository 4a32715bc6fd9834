"""An in-memory Alertmanager implementing the AlertsAPI Protocol, for failure-path unit tests.

The real server is used in tests/integration/alerts_live; this fake exists to inject failures at
exact steps of a drill (an error or Ctrl-C after the alert is posted, a silence that will not
expire) and to record the order of calls.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timezone

from obsctl.alerts.client import Alert, AlertGroup, PostableAlert, Silence, SilenceMatcher
from obsctl.alerts.config import load_config_text
from obsctl.alerts.drill import expected_groups
from obsctl.alerts.matchers import parse_matcher
from obsctl.alerts.routing import receivers_for


class FakeAM:
    def __init__(self, config_text: str, *, now: datetime | None = None) -> None:
        self.config_text_value = config_text
        self.config = load_config_text(config_text, "fake")
        self.now = now or datetime(2026, 1, 2, 3, 0, tzinfo=timezone.utc)
        self.alerts_by_labels: dict[tuple[tuple[str, str], ...], PostableAlert] = {}
        self.silences_by_id: dict[str, Silence] = {}
        self.calls: list[str] = []
        self.fail: dict[str, BaseException] = {}
        self.route_override: list[str] | None = None  # pretend the running tree routes differently

    def _maybe_fail(self, name: str) -> None:
        self.calls.append(name)
        exc = self.fail.pop(name, None)
        if exc is not None:
            raise exc

    def config_text(self) -> str:
        self._maybe_fail("config_text")
        return self.config_text_value

    def _firing(self) -> list[PostableAlert]:
        return [a for a in self.alerts_by_labels.values() if a.ends_at is None or a.ends_at > self.now]

    def _silenced_by(self, labels: dict[str, str]) -> list[str]:
        out = []
        for s in self.silences_by_id.values():
            if s.state != "active":
                continue
            if all(parse_matcher(str(m)).matches(labels.get(m.name, "")) for m in s.matchers):
                out.append(s.id)
        return out

    def alerts(self, filters: Sequence[str] = (), **_: object) -> list[Alert]:
        self._maybe_fail("alerts")
        matchers = [parse_matcher(f) for f in filters]
        out = []
        for a in self._firing():
            labels = dict(a.labels)
            if not all(m.matches(labels.get(m.name, "")) for m in matchers):
                continue
            silenced = self._silenced_by(labels)
            out.append(
                Alert(
                    fingerprint="f",
                    labels=labels,
                    annotations=dict(a.annotations),
                    starts_at=a.starts_at,
                    ends_at=a.ends_at,
                    updated_at=self.now,
                    state="suppressed" if silenced else "active",
                    receivers=tuple(self.route_override or receivers_for(self.config, labels)),
                    silenced_by=tuple(silenced),
                )
            )
        return out

    def alert_groups(self, filters: Sequence[str] = ()) -> list[AlertGroup]:
        self._maybe_fail("alert_groups")
        groups = []
        for a in self.alerts(filters):
            for g in expected_groups(self.config, a.labels):
                groups.append(AlertGroup(g["labels"], g["receiver"], (a,)))
        return groups

    def post_alerts(self, alerts: Sequence[PostableAlert]) -> None:
        self._maybe_fail("post_alerts")
        for a in alerts:
            self.alerts_by_labels[tuple(sorted(a.labels.items()))] = a

    def silences(self, filters: Sequence[str] = ()) -> list[Silence]:
        self._maybe_fail("silences")
        return list(self.silences_by_id.values())

    def get_silence(self, silence_id: str) -> Silence:
        self._maybe_fail("get_silence")
        return self.silences_by_id[silence_id]

    def create_silence(
        self,
        matchers: Sequence[SilenceMatcher],
        *,
        starts_at: datetime,
        ends_at: datetime,
        created_by: str,
        comment: str,
    ) -> str:
        self._maybe_fail("create_silence")
        sid = str(uuid.uuid4())
        self.silences_by_id[sid] = Silence(
            sid, "active", tuple(matchers), starts_at, ends_at, starts_at, created_by, comment
        )
        return sid

    def expire_silence(self, silence_id: str) -> None:
        self._maybe_fail("expire_silence")
        s = self.silences_by_id[silence_id]
        self.silences_by_id[silence_id] = Silence(
            s.id, "expired", s.matchers, s.starts_at, self.now, self.now, s.created_by, s.comment
        )

    def active_silences(self) -> list[Silence]:
        return [s for s in self.silences_by_id.values() if s.state != "expired"]
