"""The one in-memory Alertmanager of the test suite (API v2), with two faces over the same state.

- As an HTTP server: `fake.transport()` is an httpx.MockTransport that answers `/api/v2/status`,
  `/alerts` (GET/POST), `/alerts/groups`, `/silences` (GET/POST) and `/silence/{id}` (GET/DELETE)
  the way Alertmanager does, including its error shapes (GET of an unknown silence is an empty
  404, DELETE a 500 "silence not found"). CLI tests hand it to `run_cli(transport=...)`.
- As the `AlertsAPI` Protocol of `obsctl.alerts.live` (config_text, alerts, post_alerts, ...): for
  logic tests that inject a failure at an exact step (`fake.fail["post_alerts"] = exc`) and check
  the order of calls (`fake.calls`).

State is kept in Alertmanager's wire format, and the Protocol face parses it with the real
client's `from_api`, so both faces agree. `FakeAlertmanager.from_captures()` seeds it with the
real Alertmanager 0.31/0.27 responses in tests/fixtures/alertmanager (provenance in PROVENANCE.tsv).
The real server is exercised in tests/integration/alerts.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from obsctl.alerts.client import Alert, AlertGroup, PostableAlert, Silence, SilenceMatcher, iso
from obsctl.alerts.config import load_config_text
from obsctl.alerts.drill import expected_groups
from obsctl.alerts.matchers import parse_matcher
from obsctl.alerts.routing import receivers_for

FIXTURES = Path(__file__).parents[1] / "fixtures" / "alertmanager"
URL = "http://am.test:9093"
# The captures were taken at 2026-03-11T12:48-12:49Z; "now" a little later.
CAPTURE_NOW = datetime(2026, 3, 11, 12, 58, 38, 413000, tzinfo=timezone.utc)


def fixture_json(name: str) -> Any:
    """A captured Alertmanager response body from tests/fixtures/alertmanager."""
    return json.loads((FIXTURES / name).read_text())


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) and value else None


class FakeAlertmanager:
    """Alertmanager's v2 API over in-memory alerts and silences (see the module docstring)."""

    def __init__(
        self,
        config_text: str | None = None,
        *,
        now: datetime | None = None,
        status: dict[str, Any] | None = None,
        alerts: Iterable[dict[str, Any]] = (),
        silences: Iterable[dict[str, Any]] = (),
        silence_ids: Iterable[str] = (),
    ) -> None:
        if status is None:
            status = {"config": {"original": config_text or ""}, "cluster": {"status": "ready"}}
        self.status = status
        self.config_text_value = str(status.get("config", {}).get("original", ""))
        self._config: Any = None
        self.now = now or datetime(2026, 1, 2, 3, 0, tzinfo=timezone.utc)
        self.alert_docs: list[dict[str, Any]] = list(alerts)  # as GET /api/v2/alerts returns them
        self.silence_docs: list[dict[str, Any]] = list(silences)
        self._silence_ids = list(silence_ids)
        self.requests: list[httpx.Request] = []  # the HTTP face's log
        self.posted: list[Any] = []  # bodies of POST /api/v2/alerts
        self.calls: list[str] = []  # operation names, in order, from either face
        self.fail: dict[str, BaseException] = {}  # operation name -> raised once, before it runs
        self.route_override: list[str] | None = None  # pretend the running tree routes differently

    @classmethod
    def from_captures(cls, *, silence_ids: Iterable[str] = ()) -> FakeAlertmanager:
        """Seeded with the karma captures of Alertmanager 0.31 (alerts, silences) and 0.27 (status)."""
        flat: dict[str, Any] = {}
        for group in fixture_json("alerts_groups_0.31.0.json"):
            for alert in group["alerts"]:
                flat.setdefault(alert["fingerprint"], alert)
        return cls(
            now=CAPTURE_NOW,
            status=fixture_json("status_0.27.0.json"),
            alerts=flat.values(),
            silences=fixture_json("silences_0.31.0.json"),
            silence_ids=silence_ids,
        )

    # --- shared state ----------------------------------------------------------------------------
    @property
    def config(self) -> Any:
        if self._config is None:
            self._config = load_config_text(self.config_text_value, "fake alertmanager")
        return self._config

    def _op(self, name: str) -> None:
        self.calls.append(name)
        exc = self.fail.pop(name, None)
        if exc is not None:
            raise exc

    def _silenced_by(self, labels: dict[str, str]) -> list[str]:
        out = []
        for s in self.silence_docs:
            if s["status"]["state"] != "active":
                continue
            silence = Silence.from_api(s)
            if all(parse_matcher(str(m)).matches(labels.get(m.name, "")) for m in silence.matchers):
                out.append(silence.id)
        return out

    def _current_alert_docs(self, filters: Sequence[str]) -> list[dict[str, Any]]:
        matchers = [parse_matcher(f) for f in filters]
        out = []
        for doc in self.alert_docs:
            if doc.get("_posted"):
                ends = _time(doc.get("endsAt"))
                if ends is not None and ends <= self.now:
                    continue
                doc = self._with_status(doc)
            labels = doc["labels"]
            if all(m.matches(labels.get(m.name, "")) for m in matchers):
                out.append({k: v for k, v in doc.items() if k != "_posted"})
        return out

    def _with_status(self, doc: dict[str, Any]) -> dict[str, Any]:
        """A posted alert as Alertmanager reports it: routed by the config, silenced by silences."""
        labels = doc["labels"]
        silenced = self._silenced_by(labels)
        receivers = self.route_override or receivers_for(self.config, labels)
        return {
            **doc,
            "fingerprint": doc.get("fingerprint") or "f",
            "updatedAt": iso(self.now),
            "receivers": [{"name": r} for r in receivers],
            "status": {
                "state": "suppressed" if silenced else "active",
                "silencedBy": silenced,
                "inhibitedBy": [],
                "mutedBy": [],
            },
        }

    @staticmethod
    def _select(docs: list[dict[str, Any]], params: httpx.QueryParams) -> list[dict[str, Any]]:
        """Alertmanager's state flags (active/silenced/inhibited/unprocessed) and receiver regex."""
        import re

        wanted = {
            state
            for state in ("active", "silenced", "inhibited", "unprocessed")
            if params.get(state, "true") == "true"
        }
        receiver = re.compile(f"^(?:{params['receiver']})$") if "receiver" in params else None
        out = []
        for doc in docs:
            status = doc.get("status", {})
            state = status.get("state", "active")
            if state == "suppressed":
                state = "silenced" if status.get("silencedBy") else "inhibited"
            if state not in wanted:
                continue
            if receiver and not any(receiver.match(r["name"]) for r in doc.get("receivers", [])):
                continue
            out.append(doc)
        return out

    def _post(self, body: list[dict[str, Any]]) -> None:
        for item in body:
            labels = dict(item["labels"])
            self.alert_docs = [d for d in self.alert_docs if d["labels"] != labels]
            self.alert_docs.append({**item, "labels": labels, "_posted": True})

    def _groups(self, filters: Sequence[str]) -> list[dict[str, Any]]:
        groups = []
        for doc in self._current_alert_docs(filters):
            for g in expected_groups(self.config, doc["labels"]):
                groups.append({"labels": g["labels"], "receiver": {"name": g["receiver"]}, "alerts": [doc]})
        return groups

    def _create_silence(self, body: dict[str, Any]) -> str:
        sid = self._silence_ids.pop(0) if self._silence_ids else str(uuid.uuid4())
        self.silence_docs.append(
            {
                "id": sid,
                "status": {"state": "active"},
                "updatedAt": body["startsAt"],
                "comment": body["comment"],
                "createdBy": body["createdBy"],
                "startsAt": body["startsAt"],
                "endsAt": body["endsAt"],
                "matchers": body["matchers"],
            }
        )
        return sid

    def _find_silence(self, sid: str) -> dict[str, Any] | None:
        return next((s for s in self.silence_docs if s["id"] == sid), None)

    def _expire(self, doc: dict[str, Any]) -> None:
        doc["status"]["state"] = "expired"
        doc["endsAt"] = doc["updatedAt"] = iso(self.now)

    def active_silences(self) -> list[Silence]:
        return [Silence.from_api(s) for s in self.silence_docs if s["status"]["state"] != "expired"]

    # --- HTTP face -------------------------------------------------------------------------------
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, method = request.url.path, request.method
        filters = request.url.params.get_list("filter")
        if path == "/api/v2/status":
            return httpx.Response(200, json=self.status)
        if path == "/api/v2/alerts" and method == "GET":
            return httpx.Response(
                200, json=self._select(self._current_alert_docs(filters), request.url.params)
            )
        if path == "/api/v2/alerts" and method == "POST":
            body = json.loads(request.content)
            self.posted.append(body)
            self._post(body)
            return httpx.Response(200)
        if path == "/api/v2/alerts/groups":
            return httpx.Response(200, json=self._groups(filters))
        if path == "/api/v2/silences" and method == "GET":
            return httpx.Response(200, json=self.silence_docs)
        if path == "/api/v2/silences" and method == "POST":
            return httpx.Response(200, json={"silenceID": self._create_silence(json.loads(request.content))})
        if path.startswith("/api/v2/silence/"):
            doc = self._find_silence(path.rsplit("/", 1)[1])
            if doc is not None:
                if method == "DELETE":
                    doc["status"]["state"] = "expired"
                    return httpx.Response(200)
                return httpx.Response(200, json=doc)
            # Alertmanager 0.25: GET answers 404 (empty), DELETE 500 "silence not found".
            return httpx.Response(404) if method == "GET" else httpx.Response(500, json="silence not found")
        return httpx.Response(404, text="not found")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """So that `httpx.MockTransport(fake)` works as well as `fake.transport()`."""
        return self.handle(request)

    # --- AlertsAPI face (obsctl.alerts.live) ----------------------------------------------------
    def config_text(self) -> str:
        self._op("config_text")
        return self.config_text_value

    def alerts(self, filters: Sequence[str] = (), **_: object) -> list[Alert]:
        self._op("alerts")
        return [Alert.from_api(d) for d in self._current_alert_docs(filters)]

    def alert_groups(self, filters: Sequence[str] = ()) -> list[AlertGroup]:
        self._op("alert_groups")
        return [AlertGroup.from_api(g) for g in self._groups(filters)]

    def post_alerts(self, alerts: Sequence[PostableAlert]) -> None:
        self._op("post_alerts")
        self._post([a.to_api() for a in alerts])

    def silences(self, filters: Sequence[str] = ()) -> list[Silence]:
        self._op("silences")
        return [Silence.from_api(s) for s in self.silence_docs]

    def get_silence(self, silence_id: str) -> Silence:
        self._op("get_silence")
        doc = self._find_silence(silence_id)
        assert doc is not None, silence_id
        return Silence.from_api(doc)

    def create_silence(
        self,
        matchers: Sequence[SilenceMatcher],
        *,
        starts_at: datetime,
        ends_at: datetime,
        created_by: str,
        comment: str,
    ) -> str:
        self._op("create_silence")
        body = {
            "matchers": [m.to_api() for m in matchers],
            "startsAt": iso(starts_at),
            "endsAt": iso(ends_at),
            "createdBy": created_by,
            "comment": comment,
        }
        return self._create_silence(body)

    def expire_silence(self, silence_id: str) -> None:
        self._op("expire_silence")
        doc = self._find_silence(silence_id)
        assert doc is not None, silence_id
        self._expire(doc)
