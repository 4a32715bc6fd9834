"""Retries with backoff for idempotent requests: connect errors and 429/502/503/504, honouring
Retry-After, never past the caller's time budget (an unreachable backend fails within its timeout)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MAX_BACKOFF = 8.0


class RetryTransport(httpx.BaseTransport):
    """Retries idempotent requests on connect errors and 429/502/503/504, honouring Retry-After."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        retries: int,
        sleep: Callable[[float], None] = time.sleep,
        base_delay: float = 0.2,
        budget: float | None = None,
    ) -> None:
        self.inner = inner
        self.retries = retries
        self.sleep = sleep
        self.base_delay = base_delay
        self.budget = budget

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        started = time.monotonic()
        idempotent = request.method in IDEMPOTENT or request.extensions.get("obsctl_idempotent") is True
        while True:
            try:
                response = self.inner.handle_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if not idempotent or attempt >= self.retries:
                    raise
                delay = self._delay(attempt, None)
                if self._out_of_budget(started, delay):
                    raise
            else:
                if response.status_code not in RETRY_STATUSES or not idempotent or attempt >= self.retries:
                    return response
                delay = self._delay(attempt, response.headers.get("Retry-After"))
                if self._out_of_budget(started, delay):
                    return response
                response.close()
            self.sleep(delay)
            attempt += 1

    def _out_of_budget(self, started: float, delay: float) -> bool:
        """True when waiting `delay` and trying again would overrun the caller's deadline."""
        return self.budget is not None and time.monotonic() - started + delay >= self.budget

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            hinted = parse_retry_after(retry_after)
            if hinted is not None:
                return min(hinted, MAX_BACKOFF * 4)
        backoff: float = min(MAX_BACKOFF, self.base_delay * (2**attempt))
        return backoff / 2 + random.uniform(0, backoff / 2)

    def close(self) -> None:
        self.inner.close()


def parse_retry_after(value: str) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
