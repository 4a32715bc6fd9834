"""Helpers for the live-alerts unit tests: an AlertmanagerClient over an httpx.MockTransport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from obsctl.alerts.client import AlertmanagerClient
from obsctl.core.http import build_client
from obsctl.core.settings import BackendSettings
from tests.fakes.alertmanager import FIXTURES, fixture_json

__all__ = ["FIXTURES", "fixture_json"]


Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def make_client() -> Callable[..., tuple[AlertmanagerClient, list[httpx.Request]]]:
    """make_client(handler, **settings) -> (client, requests seen)."""

    def make(handler: Handler, **options: Any) -> tuple[AlertmanagerClient, list[httpx.Request]]:
        seen: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return handler(request)

        settings = BackendSettings(name="alertmanager", url="http://am.test:9093", retries=0, options=options)
        api = build_client(
            settings, context=None, transport=httpx.MockTransport(record), sleep=lambda _s: None
        )
        return AlertmanagerClient(api), seen

    return make
