"""The request log and server error wording every HTTP client shares, apart from core/http.py so
that ad-hoc target clients (core/target.py: `metrics scrape`, http probes) do not import the backend
settings, auth and retry machinery they never use. core/http.py re-exports all of it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from typing import IO, Any

import httpx

from obsctl import __version__
from obsctl.core.http_errors import body_detail
from obsctl.core.urls import REDACTED, is_secret_name, redact_url

USER_AGENT = f"obsctl/{__version__}"


def redact_headers(
    headers: Iterable[tuple[str, str]], secret_names: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Headers with every credential-bearing value replaced by REDACTED."""
    secrets = {n.lower() for n in secret_names}
    return [(n, REDACTED if n.lower() in secrets or is_secret_name(n) else v) for n, v in headers]


class DebugLog:
    """The `--debug` request log on stderr, secrets redacted; the same lines for every client."""

    def __init__(self, stderr: IO[str] | None, secret_headers: Iterable[str] = ()) -> None:
        self.stderr = stderr
        self.secret_headers = list(secret_headers)

    def note(self, text: str) -> None:
        stream = self.stderr or sys.stderr
        stream.write(f"obsctl: debug: {text}\n")
        stream.flush()

    def request(self, request: httpx.Request) -> None:
        request.extensions["obsctl_started"] = time.monotonic()
        self.note(f"> {request.method} {redact_url(request.url)}")
        for name, value in redact_headers(request.headers.items(), self.secret_headers):
            self.note(f">   {name}: {value}")

    def response(self, response: httpx.Response) -> None:
        started = response.request.extensions.get("obsctl_started", time.monotonic())
        ms = (time.monotonic() - started) * 1000
        self.note(
            f"< {response.status_code} {response.request.method} {redact_url(response.request.url)} in {ms:.0f} ms"
        )

    def hooks(self, enabled: bool) -> dict[str, list[Callable[..., Any]]]:
        """httpx event hooks: logging when `enabled`, none otherwise."""
        if not enabled:
            return {"request": [], "response": []}
        return {"request": [self.request], "response": [self.response]}


def error_detail(response: httpx.Response) -> str:
    """The server's own error message from the common JSON error shapes, else a text excerpt."""
    return body_detail(response.text, response.json)
