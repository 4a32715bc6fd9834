"""The fake Alertmanager (tests/fakes/alertmanager.py) seeded with real captures, for CLI tests."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.alertmanager import CAPTURE_NOW, URL, FakeAlertmanager

ENV = {"OBSCTL_ALERTMANAGER_URL": URL, "USER": "ana"}
NOW = CAPTURE_NOW

NEW_ID = "6d1c9b55-d153-4819-a287-e28c070f2039"


@pytest.fixture
def capture_am() -> FakeAlertmanager:
    """The fake Alertmanager seeded with the real 0.31 captures; a new silence gets NEW_ID."""
    return FakeAlertmanager.from_captures(silence_ids=[NEW_ID])


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request expected, got {request.method} {request.url}")


@pytest.fixture
def no_requests() -> httpx.MockTransport:
    return httpx.MockTransport(refuse)
