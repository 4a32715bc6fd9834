"""A MockTransport Alertmanager serving the real captures, for end-to-end CLI tests."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

FIXTURES = Path(__file__).parents[2] / "fixtures" / "alertmanager_live"
URL = "http://am.test:9093"
ENV = {"OBSCTL_ALERTMANAGER_URL": URL, "USER": "ana"}
# The captures were taken at 2026-03-11T12:48-12:49Z; freeze "now" a little later.
NOW = datetime(2026, 3, 11, 12, 58, 38, 413000, tzinfo=timezone.utc)

NEW_ID = "6d1c9b55-d153-4819-a287-e28c070f2039"


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class CaptureAM:
    """Serves the karma captures of Alertmanager 0.31; records every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        flat: dict[str, Any] = {}
        for group in _load("alerts_groups_0.31.0.json"):
            for alert in group["alerts"]:
                flat.setdefault(alert["fingerprint"], alert)
        self.alerts = list(flat.values())
        self.silences = _load("silences_0.31.0.json")
        self.status = _load("status_0.27.0.json")
        self.posted: list[Any] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/api/v2/status":
            return httpx.Response(200, json=self.status)
        if path == "/api/v2/alerts" and request.method == "GET":
            return httpx.Response(200, json=self.alerts)
        if path == "/api/v2/alerts" and request.method == "POST":
            self.posted.append(json.loads(request.content))
            return httpx.Response(200)
        if path == "/api/v2/silences" and request.method == "GET":
            return httpx.Response(200, json=self.silences)
        if path == "/api/v2/silences" and request.method == "POST":
            body = json.loads(request.content)
            self.silences.append(
                {
                    "id": NEW_ID,
                    "status": {"state": "active"},
                    "updatedAt": body["startsAt"],
                    "comment": body["comment"],
                    "createdBy": body["createdBy"],
                    "startsAt": body["startsAt"],
                    "endsAt": body["endsAt"],
                    "matchers": body["matchers"],
                }
            )
            return httpx.Response(200, json={"silenceID": NEW_ID})
        if path.startswith("/api/v2/silence/"):
            sid = path.rsplit("/", 1)[1]
            for s in self.silences:
                if s["id"] == sid:
                    if request.method == "DELETE":
                        s["status"]["state"] = "expired"
                        return httpx.Response(200)
                    return httpx.Response(200, json=s)
            # Alertmanager 0.25: GET answers 404 (empty), DELETE 500 "silence not found".
            if request.method == "GET":
                return httpx.Response(404)
            return httpx.Response(500, json="silence not found")
        return httpx.Response(404, text="not found")


@pytest.fixture
def capture_am() -> CaptureAM:
    return CaptureAM()


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request expected, got {request.method} {request.url}")


@pytest.fixture
def no_requests() -> httpx.MockTransport:
    return httpx.MockTransport(refuse)
