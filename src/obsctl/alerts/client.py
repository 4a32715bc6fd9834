"""Alertmanager API v2 client: typed reads and writes over the shared `ApiClient`.

Every request goes through `core.http.ApiClient` (auth, TLS, retries, error mapping, `path_prefix`
for Mimir/Grafana); this module only knows the v2 paths and turns their JSON into small frozen
dataclasses with stable `to_json()` shapes, so commands and tests never poke at raw dicts.
Malformed bodies become BackendError (exit 3) naming the endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from obsctl.core.errors import BackendError, UsageError
from obsctl.core.timeparse import parse_time, to_rfc3339, utcnow

if TYPE_CHECKING:
    from obsctl.alerts.matchers import Matcher
    from obsctl.core.http import ApiClient

__all__ = [
    "Alert",
    "AlertGroup",
    "AlertmanagerClient",
    "PostableAlert",
    "Silence",
    "SilenceMatcher",
    "is_silence_id",
    "iso",
]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def is_silence_id(text: str) -> bool:
    """Alertmanager silence IDs are UUIDs; the API answers 422 for anything else."""
    return _UUID.match(text) is not None


def _time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_time(value, utcnow())
    except ValueError:
        return None


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _str_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value)


def iso(value: datetime | None) -> str | None:
    """RFC 3339 UTC with milliseconds, as Alertmanager prints times (`2026-01-02T03:04:05.123Z`)."""
    if value is None:
        return None
    text = to_rfc3339(value.replace(microsecond=value.microsecond // 1000 * 1000))
    return re.sub(r"\.(\d{3})000Z$", r".\1Z", text)


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _bad(endpoint: str, what: str) -> BackendError:
    return BackendError(f"alertmanager {endpoint} returned a malformed response: {what}")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


@dataclass(frozen=True)
class Alert:
    """One alert as `GET /api/v2/alerts` returns it (receivers computed by the live routing tree)."""

    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime | None
    ends_at: datetime | None
    updated_at: datetime | None
    state: str
    receivers: tuple[str, ...]
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    muted_by: tuple[str, ...] = ()
    generator_url: str = ""

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "")

    @classmethod
    def from_api(cls, item: Any, endpoint: str = "/api/v2/alerts") -> Alert:
        if not isinstance(item, Mapping) or not isinstance(item.get("labels"), Mapping):
            raise _bad(endpoint, "an alert without labels")
        status = _obj(item.get("status"))
        receivers = item.get("receivers") or []
        names = tuple(
            str(r.get("name", "")) if isinstance(r, Mapping) else str(r)
            for r in (receivers if isinstance(receivers, list) else [])
        )
        return cls(
            fingerprint=str(item.get("fingerprint") or ""),
            labels=_str_map(item.get("labels")),
            annotations=_str_map(item.get("annotations")),
            starts_at=_time(item.get("startsAt")),
            ends_at=_time(item.get("endsAt")),
            updated_at=_time(item.get("updatedAt")),
            state=str(status.get("state") or "unknown"),
            receivers=names,
            silenced_by=_str_list(status.get("silencedBy")),
            inhibited_by=_str_list(status.get("inhibitedBy")),
            muted_by=_str_list(status.get("mutedBy")),
            generator_url=str(item.get("generatorURL") or ""),
        )

    def to_json(self) -> dict[str, Any]:
        """The documented `-o json` shape of one alert (snake_case, stable keys)."""
        return {
            "fingerprint": self.fingerprint,
            "alertname": self.alertname,
            "state": self.state,
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "receivers": list(self.receivers),
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "updated_at": iso(self.updated_at),
            "silenced_by": list(self.silenced_by),
            "inhibited_by": list(self.inhibited_by),
            "muted_by": list(self.muted_by),
            "generator_url": self.generator_url,
        }


@dataclass(frozen=True)
class AlertGroup:
    """One aggregation group (`GET /api/v2/alerts/groups`): group labels, receiver, alerts."""

    labels: dict[str, str]
    receiver: str
    alerts: tuple[Alert, ...]

    @classmethod
    def from_api(cls, item: Any) -> AlertGroup:
        endpoint = "/api/v2/alerts/groups"
        if not isinstance(item, Mapping):
            raise _bad(endpoint, "a group that is not an object")
        receiver = item.get("receiver")
        name = str(receiver.get("name", "")) if isinstance(receiver, Mapping) else ""
        raw = item.get("alerts")
        alerts: list[Any] = raw if isinstance(raw, list) else []
        return cls(
            labels=_str_map(item.get("labels")),
            receiver=name,
            alerts=tuple(Alert.from_api(a, endpoint) for a in alerts),
        )


@dataclass(frozen=True)
class SilenceMatcher:
    """A matcher inside a silence: name, value, regex or not, equal or negated."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    @property
    def op(self) -> str:
        return ("=~" if self.is_regex else "=") if self.is_equal else ("!~" if self.is_regex else "!=")

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{_escape(self.value)}"'

    @classmethod
    def from_matcher(cls, m: Matcher) -> SilenceMatcher:
        return cls(m.name, m.value, is_regex=m.op in ("=~", "!~"), is_equal=m.op in ("=", "=~"))

    def to_api(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "isRegex": self.is_regex, "isEqual": self.is_equal}


@dataclass(frozen=True)
class Silence:
    """One silence (`GET /api/v2/silences`); `state` is active, pending or expired."""

    id: str
    state: str
    matchers: tuple[SilenceMatcher, ...]
    starts_at: datetime | None
    ends_at: datetime | None
    updated_at: datetime | None
    created_by: str
    comment: str

    @classmethod
    def from_api(cls, item: Any, endpoint: str = "/api/v2/silences") -> Silence:
        if not isinstance(item, Mapping) or not item.get("id"):
            raise _bad(endpoint, "a silence without an id")
        status = _obj(item.get("status"))
        matchers = []
        for m in item.get("matchers") or []:
            if not isinstance(m, Mapping):
                raise _bad(endpoint, "a silence matcher that is not an object")
            matchers.append(
                SilenceMatcher(
                    name=str(m.get("name", "")),
                    value=str(m.get("value", "")),
                    is_regex=bool(m.get("isRegex", False)),
                    # isEqual arrived in 0.22; older servers omit it and mean "equal".
                    is_equal=bool(m.get("isEqual", True)),
                )
            )
        return cls(
            id=str(item["id"]),
            state=str(status.get("state") or "unknown"),
            matchers=tuple(matchers),
            starts_at=_time(item.get("startsAt")),
            ends_at=_time(item.get("endsAt")),
            updated_at=_time(item.get("updatedAt")),
            created_by=str(item.get("createdBy") or ""),
            comment=str(item.get("comment") or ""),
        )

    @property
    def matcher_text(self) -> str:
        """Matchers as one string, e.g. `alertname="X", cluster=~"eu.*"`."""
        return ", ".join(str(m) for m in self.matchers)

    def to_json(self) -> dict[str, Any]:
        """The documented `-o json` shape of one silence."""
        return {
            "id": self.id,
            "state": self.state,
            "matchers": [str(m) for m in self.matchers],
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "updated_at": iso(self.updated_at),
            "created_by": self.created_by,
            "comment": self.comment,
        }


@dataclass(frozen=True)
class PostableAlert:
    """What `POST /api/v2/alerts` takes. No `starts_at` means "now" (or `ends_at` when resolving)."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    generator_url: str = ""

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {"labels": dict(self.labels)}
        if self.annotations:
            body["annotations"] = dict(self.annotations)
        if self.starts_at is not None:
            body["startsAt"] = to_rfc3339(self.starts_at)
        if self.ends_at is not None:
            body["endsAt"] = to_rfc3339(self.ends_at)
        if self.generator_url:
            body["generatorURL"] = self.generator_url
        return body


def _flag(value: bool) -> str:
    return "true" if value else "false"


class AlertmanagerClient:
    """Typed access to one Alertmanager's API v2 (what `actx.client("alertmanager")` reaches)."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    # --- status ---------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        body = self.api.get_json("/api/v2/status")
        if not isinstance(body, dict):
            raise _bad("/api/v2/status", "not an object")
        return body

    def config_text(self) -> str:
        """The running configuration (`config.original`), what amtool routes `--alertmanager.url` on."""
        config = self.status().get("config")
        text = config.get("original") if isinstance(config, Mapping) else None
        if not isinstance(text, str):
            raise _bad("/api/v2/status", "no config.original")
        return text

    # --- alerts ---------------------------------------------------------------------------------
    def alerts(
        self,
        filters: Sequence[str] = (),
        *,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        unprocessed: bool = True,
        receiver: str | None = None,
    ) -> list[Alert]:
        """`GET /api/v2/alerts`; filters are matcher strings (`alertname="X"`), ANDed by the server."""
        params: list[tuple[str, str]] = [("filter", f) for f in filters]
        params += [
            ("active", _flag(active)),
            ("silenced", _flag(silenced)),
            ("inhibited", _flag(inhibited)),
            ("unprocessed", _flag(unprocessed)),
        ]
        if receiver:
            params.append(("receiver", receiver))
        body = self.api.get_json("/api/v2/alerts", params=params)
        if not isinstance(body, list):
            raise _bad("/api/v2/alerts", "not a list")
        return [Alert.from_api(item) for item in body]

    def alert_groups(self, filters: Sequence[str] = ()) -> list[AlertGroup]:
        """`GET /api/v2/alerts/groups` including silenced and inhibited alerts."""
        params = [("filter", f) for f in filters] + [("silenced", "true"), ("inhibited", "true")]
        body = self.api.get_json("/api/v2/alerts/groups", params=params)
        if not isinstance(body, list):
            raise _bad("/api/v2/alerts/groups", "not a list")
        return [AlertGroup.from_api(item) for item in body]

    def post_alerts(self, alerts: Sequence[PostableAlert]) -> None:
        """`POST /api/v2/alerts`. Re-posting the same alert is harmless, so it may be retried."""
        self.api.request("POST", "/api/v2/alerts", json=[a.to_api() for a in alerts], idempotent=True)

    # --- silences -------------------------------------------------------------------------------
    def silences(self, filters: Sequence[str] = ()) -> list[Silence]:
        """`GET /api/v2/silences` (every state; the server sorts active, pending, expired)."""
        body = self.api.get_json("/api/v2/silences", params=[("filter", f) for f in filters])
        if not isinstance(body, list):
            raise _bad("/api/v2/silences", "not a list")
        return [Silence.from_api(item) for item in body]

    def get_silence(self, silence_id: str) -> Silence:
        self._check_id(silence_id)
        endpoint = f"/api/v2/silence/{silence_id}"
        response = self.api.request("GET", endpoint, check=False)
        if response.status_code == 404:
            raise self._not_found(silence_id)
        self.api.raise_for_status(response)
        return Silence.from_api(self.api.decode_json(response), endpoint)

    def create_silence(
        self,
        matchers: Sequence[SilenceMatcher],
        *,
        starts_at: datetime,
        ends_at: datetime,
        created_by: str,
        comment: str,
    ) -> str:
        """`POST /api/v2/silences`; returns the new silence ID. Not retried (a retry could duplicate)."""
        body = {
            "matchers": [m.to_api() for m in matchers],
            "startsAt": to_rfc3339(starts_at),
            "endsAt": to_rfc3339(ends_at),
            "createdBy": created_by,
            "comment": comment,
        }
        answer = self.api.post_json("/api/v2/silences", json=body)
        if not isinstance(answer, Mapping) or not answer.get("silenceID"):
            raise _bad("/api/v2/silences", "no silenceID in the answer")
        return str(answer["silenceID"])

    def expire_silence(self, silence_id: str) -> None:
        """`DELETE /api/v2/silence/{id}`; expiring an expired silence succeeds (0.25 answers 200)."""
        self._check_id(silence_id)
        response = self.api.request("DELETE", f"/api/v2/silence/{silence_id}", check=False)
        if response.status_code == 404 or (
            response.status_code == 500 and "not found" in response.text.lower()
        ):
            raise self._not_found(silence_id)
        self.api.raise_for_status(response)

    @staticmethod
    def _check_id(silence_id: str) -> None:
        if not is_silence_id(silence_id):
            raise UsageError(
                f"{silence_id!r} is not a silence ID (expected a UUID like 0233507a-f18d-4b01-98ae-484dfd0b8527)",
                hint="list IDs with `obsctl alerts silence list -q`",
            )

    def _not_found(self, silence_id: str) -> UsageError:
        return UsageError(
            f"no silence with ID {silence_id} in alertmanager at {self.api.base_url}",
            hint="list IDs with `obsctl alerts silence list --all`",
        )
