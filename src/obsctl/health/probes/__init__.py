"""Probe kinds: each module turns a ProbeSpec into CheckResults and never prints or exits.

`run_probe` dispatches by kind; the runner (obsctl.health.runner) adds deadlines and retries.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from obsctl.core.timeparse import utcnow
from obsctl.health.model import FAIL, PASS, Assertion, CheckResult, ProbeSpec, verdict

if TYPE_CHECKING:
    from obsctl.core.http import ApiClient


@dataclass
class ProbeEnv:
    """What probes may reach: the environment (for secrets) and pre-built backend clients."""

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    clients: Mapping[str, ApiClient] = field(default_factory=dict)
    now: Callable[[], datetime] = utcnow
    debug: bool = False  # `--debug`: http probes log their requests like every other client
    stderr: IO[str] | None = None


class ProbeFailure(Exception):
    """A probe could not run to a verdict (connection refused, bad secret file): one line why."""


def make_result(
    spec: ProbeSpec,
    check: str,
    assertions: list[Assertion],
    *,
    target: str | None = None,
    ok_summary: str = "",
    duration_ms: float = 0.0,
    **extra: Any,
) -> CheckResult:
    """A CheckResult whose status and summary come from its assertions."""
    status, summary = verdict(assertions)
    return CheckResult.of(
        spec,
        check,
        status,
        summary or ok_summary,
        target=target,
        duration_ms=duration_ms,
        assertions=tuple(assertions),
        **extra,
    )


def error_result(
    spec: ProbeSpec,
    check: str,
    error: str,
    *,
    target: str | None = None,
    duration_ms: float = 0.0,
    **extra: Any,
) -> CheckResult:
    """A failed check that did not get as far as its assertions."""
    return CheckResult.of(
        spec, check, FAIL, error, target=target, duration_ms=duration_ms, error=error, **extra
    )


def read_secret(secret: Any, env: Mapping[str, str], where: str) -> str | None:
    """Resolve a config Secret now (files are read on every run, so rotation is picked up).

    The shared layer's resolver does the work; its config error becomes this probe's failure.
    """
    if secret.value is None and secret.env is None and secret.file is None:
        return None
    from obsctl.core.errors import ConfigError
    from obsctl.core.http import read_secret as resolve

    try:
        return resolve(secret, env, where)
    except ConfigError as exc:
        raise ProbeFailure(exc.message) from None


def elapsed_ms(started: float) -> float:
    """Milliseconds since `started` (a `time.perf_counter()` reading): every probe's duration."""
    return (time.perf_counter() - started) * 1000


def pattern_assertion(
    name: str, pattern: re.Pattern[str], text: str, *, observed: str | None = None, missed: str = "no match"
) -> Assertion:
    """The `matches /regex/` verdict that body, reply and output expectations share."""
    found = pattern.search(text) is not None
    return Assertion(
        name,
        PASS if found else FAIL,
        expected=f"matches /{pattern.pattern}/",
        observed=observed if observed is not None else ("matched" if found else missed),
    )


def latency_assertion(max_latency: Any, total_ms: float) -> Assertion:
    """The `max_latency` verdict every network probe reports the same way."""
    return Assertion(
        "latency",
        max_latency.evaluate(total_ms),
        expected=f"below {max_latency.describe()}",
        observed=f"{total_ms:.0f}ms",
    )


_SECRET_FIELD = re.compile(
    r"""(?ix)
    (["']?(?:[\w.-]*(?:passw(?:or)?d|secret|token|api[-_]?key|authorization|cookie|session|credential)[\w.-]*)["']?
     \s*[:=]\s*)
    ("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&}]+)
    """
)


def redact_text(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Mask credential-looking fields (JSON, form, header style) and any known secret value."""
    for value in secrets:
        if value and len(value) >= 3:
            text = text.replace(value, "REDACTED")
    return _SECRET_FIELD.sub(
        lambda m: m.group(1) + ('"REDACTED"' if m.group(2).startswith('"') else "REDACTED"), text
    )


_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+")


def redact(text: str | None, *, fields: bool = True) -> str | None:
    """The one rule every shown text goes through: URLs as core redacts them (userinfo passwords,
    secret-named query parameters), then, with `fields`, credential-looking fields (`token=...`,
    `"password": ...`, `Authorization: ...`)."""
    if not text:
        return text
    if "://" in text:
        from obsctl.core.urls import redact_url

        text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    return redact_text(text) if fields else text


def redact_result(r: CheckResult) -> CheckResult:
    """A result with every text any output format shows redacted by the same rule, so json/yaml
    match the table: CHECK (a command line), target, assertions and body excerpt in full; the
    summary and error, which obsctl words itself from already-redacted parts, have their URLs
    redacted (the field rule would mask its own words, e.g. `headers.Authorization: environment
    variable X is not set`)."""
    from dataclasses import replace

    assertions = tuple(
        replace(a, check=redact(a.check) or a.check, expected=redact(a.expected), observed=redact(a.observed))
        for a in r.assertions
    )
    return replace(
        r,
        check=redact(r.check) or r.check,
        summary=redact(r.summary, fields=False) or r.summary,
        target=redact(r.target),
        error=redact(r.error, fields=False),
        body_excerpt=redact(r.body_excerpt),
        assertions=assertions,
    )


def excerpt(text: str, limit: int = 200) -> str:
    """One line, at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


Runner = Callable[[ProbeSpec, ProbeEnv, float], list[CheckResult]]


def run_probe(spec: ProbeSpec, penv: ProbeEnv, timeout: float) -> list[CheckResult]:
    """Run one attempt of a probe; exceptions other than bugs become failed results."""
    runner = _runner(spec.kind)
    try:
        return runner(spec, penv, timeout)
    except ProbeFailure as exc:
        return [error_result(spec, spec.kind, str(exc))]


def _runner(kind: str) -> Runner:
    if kind == "http":
        from obsctl.health.probes.http import run_http

        return run_http
    if kind in ("tcp", "dns", "redis", "postgres"):
        from obsctl.health.probes import net

        return {"tcp": net.run_tcp, "dns": net.run_dns, "redis": net.run_redis, "postgres": net.run_postgres}[
            kind
        ]
    if kind in ("system", "process"):
        from obsctl.health.probes import local

        return {"system": local.run_system, "process": local.run_process}[kind]
    if kind == "command":
        from obsctl.health.probes.command import run_command

        return run_command
    if kind == "backend":
        from obsctl.health.probes.backend import run_backend

        return run_backend
    raise ValueError(f"unknown probe kind {kind!r}")
