"""The http probe: one request on a fresh connection, timed per phase, checked against expectations.

The client comes from the shared layer's ad-hoc target builder (core/target.py), so TLS defaults
(verification on, system + certifi CAs), the proxy rule, redirects and error wording are the same
as for backends and `metrics scrape`; every URL, header and body excerpt shown is redacted. Each
probe gets its own client and connection: a probe measures DNS, connect and TLS every time (like
the blackbox exporter), and no pool is shared between concurrent probes (httpx's shared pool
degrades above ~10 concurrent requests, research/dependencies.md).

Phases (ms): dns (name resolution), connect (TCP), tls (handshake), processing (request sent ->
response headers), transfer (body), first_byte (start -> response headers), total.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from obsctl import __version__
from obsctl.core.errors import ConfigError
from obsctl.core.output import plural
from obsctl.core.target import Hops, RequestFailed, TargetTLS, build_target_client
from obsctl.core.tls import peer_tls, tls_context
from obsctl.core.urls import is_secret_name, redact_url
from obsctl.health.config import HttpConfig
from obsctl.health.model import FAIL, PASS, Assertion, CheckResult, ProbeSpec
from obsctl.health.probes import (
    ProbeEnv,
    ProbeFailure,
    elapsed_ms,
    error_result,
    excerpt,
    latency_assertion,
    make_result,
    pattern_assertion,
    read_secret,
    redact_text,
)

USER_AGENT = f"obsctl-health/{__version__}"


def ssl_context(insecure: bool, ca_file: str | None, cert_file: str | None, key_file: str | None) -> Any:
    """The shared TLS context for these settings (built once, reused by every probe)."""
    try:
        return tls_context(insecure=insecure, ca_file=ca_file, cert_file=cert_file, key_file=key_file)
    except ConfigError as exc:
        raise ProbeFailure(exc.message) from None


class _Tracer:
    """Collects httpcore trace events into phase durations and grabs the peer certificate."""

    def __init__(self, timings: dict[str, float], observed: dict[str, Any]) -> None:
        self.timings = timings
        self.observed = observed
        self.marks: dict[str, float] = {}
        self.first_byte: float | None = None

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        now = time.perf_counter()
        if event.endswith(".started"):
            self.marks[event[: -len(".started")]] = now
            return
        if not event.endswith(".complete"):
            return
        step = event[: -len(".complete")]
        began = self.marks.pop(step, None)
        if began is None:
            return
        ms = (now - began) * 1000
        if step == "connection.connect_tcp":
            self.timings["connect"] = self.timings.get("connect", 0.0) + ms
        elif step == "connection.start_tls":
            self.timings["tls"] = self.timings.get("tls", 0.0) + ms
            _peer_certificate(info.get("return_value"), self.observed)
        elif step in ("http11.receive_response_headers", "http2.receive_response_headers"):
            self.first_byte = now
            self.observed["http_version"] = "HTTP/1.1" if step.startswith("http11") else "HTTP/2"
            self.timings["processing"] = (
                self.timings.get("processing", 0.0) + (now - self.marks.get("request", began)) * 1000
            )
        if step in ("http11.send_request_headers", "http2.send_request_headers"):
            self.marks["request"] = began


def _peer_certificate(stream: Any, observed: dict[str, Any]) -> None:
    """TLS version and certificate expiry of the connection (unknown expiry is simply left out)."""
    try:
        version, not_after = peer_tls(stream.get_extra_info("ssl_object"))
    except Exception:  # noqa: BLE001 - certificate details are a bonus, never a reason to fail
        return
    if version:
        observed["tls_version"] = version
    if not_after is not None:
        observed["cert_not_after"] = (
            datetime.fromtimestamp(not_after, timezone.utc).isoformat().replace("+00:00", "Z")
        )
        observed["cert_days_left"] = round((not_after - time.time()) / 86400, 1)


def _hops_observed(hops: Hops, timings: dict[str, float], observed: dict[str, Any]) -> None:
    """The dns phase and the address connected to, from the shared client's hops."""
    if hops.resolved:
        timings["dns"] = hops.dns_ms
    if hops.ip:
        observed["ip"] = hops.ip


def _matches_status(status: int, expected: tuple[str, ...]) -> bool:
    for e in expected:
        if e.endswith("xx") and str(status)[0] == e[0]:
            return True
        if e == str(status):
            return True
    return False


def _sendable(value: str, where: str) -> str:
    """A header value read at run time (env or file) that HTTP cannot carry fails the probe, named."""
    from obsctl.core.auth import header_value

    try:
        return header_value(value, where)
    except ConfigError as exc:
        raise ProbeFailure(exc.message) from None


def run_http(spec: ProbeSpec, penv: ProbeEnv, timeout: float) -> list[CheckResult]:
    """One attempt of an http probe."""
    cfg: HttpConfig = spec.config
    shown_url = redact_url(cfg.url)
    check = f"{cfg.method} {shown_url}"
    secrets: list[str] = []
    headers = {}
    for name, secret in cfg.headers:
        where = f"{spec.name}.http.headers.{name}"
        value = _sendable(read_secret(secret, penv.env, where) or "", where)
        if secret.secret or is_secret_name(name):
            secrets.append(value.split(" ", 1)[-1])
        headers[name] = value
    timings: dict[str, float] = {}
    observed: dict[str, Any] = {}
    tracer = _Tracer(timings, observed)
    body = b""
    truncated = False
    ssl_context(cfg.insecure, cfg.ca_file, cfg.cert_file, cfg.key_file)  # a bad CA file fails the probe
    client = build_target_client(
        timeout=timeout,
        env=penv.env,
        tls=TargetTLS(cfg.insecure, cfg.ca_file, cfg.cert_file, cfg.key_file),
        proxy_url=cfg.proxy_url,
        follow_redirects=cfg.follow_redirects,
        max_redirects=cfg.max_redirects,
        resolve_first=True,
        debug=penv.debug,
        stderr=penv.stderr,
        user_agent=USER_AGENT,
        secret_headers=[n for n, sec in cfg.headers if sec.secret or is_secret_name(n)],
    )
    client.prepare(cfg.url)
    started = time.perf_counter()
    try:
        with client, client.open(cfg.method, cfg.url, headers=headers, content=cfg.body, trace=tracer) as got:
            response = got.response
            body_started = time.perf_counter()
            for chunk in response.iter_bytes():
                room = cfg.max_body_bytes - len(body)
                body += chunk[:room]
                if len(chunk) > room:
                    truncated = True
                    break
            transfer_ms = (time.perf_counter() - body_started) * 1000
    except RequestFailed as exc:
        _hops_observed(exc.hops, timings, observed)
        reason = exc.info.reason + (f"; {exc.info.hint}" if exc.info.hint else "")
        return [_fail(spec, check, shown_url, reason, started, timings, observed)]
    _hops_observed(got.hops, timings, observed)
    history_len = got.hops.redirects
    total_ms = elapsed_ms(started)
    timings["transfer"] = transfer_ms
    if tracer.first_byte is not None:
        timings["first_byte"] = (tracer.first_byte - started) * 1000
    timings["total"] = total_ms
    observed["http_status"] = response.status_code
    observed["redirects"] = history_len
    observed["body_bytes"] = len(body)
    if history_len:
        observed["final_url"] = redact_url(got.url)
    assertions = _assess(
        cfg, response.status_code, body, truncated, response.encoding or "utf-8", total_ms, observed
    )
    result = make_result(
        spec,
        check,
        assertions,
        target=shown_url,
        ok_summary=f"{response.status_code} {response.reason_phrase} in {total_ms:.0f} ms",
        duration_ms=total_ms,
        phases=_phases(timings),
        observed=observed,
    )
    if result.status == FAIL:
        text = body.decode(response.encoding or "utf-8", errors="replace")
        result = _with_excerpt(result, redact_text(text, secrets))
    return [result]


def _with_excerpt(result: CheckResult, text: str) -> CheckResult:
    from dataclasses import replace

    return replace(result, body_excerpt=excerpt(text) if text.strip() else None)


def _assess(
    cfg: HttpConfig,
    status: int,
    body: bytes,
    truncated: bool,
    encoding: str,
    total_ms: float,
    observed: dict[str, Any],
) -> list[Assertion]:
    out = [
        Assertion(
            "status",
            PASS if _matches_status(status, cfg.expect_status) else FAIL,
            expected=" or ".join(cfg.expect_status),
            observed=str(status),
        )
    ]
    text: str | None = None
    if cfg.expect_body or cfg.expect_body_not or cfg.expect_json:
        text = body.decode(encoding, errors="replace")
    if cfg.expect_body is not None and text is not None:
        missed = "no match" + (" (body truncated)" if truncated else "")
        out.append(pattern_assertion("body", cfg.expect_body, text, missed=missed))
    if cfg.expect_body_not is not None and text is not None:
        hit = cfg.expect_body_not.search(text)
        out.append(
            Assertion(
                "body_not",
                FAIL if hit else PASS,
                expected=f"no match for /{cfg.expect_body_not.pattern}/",
                observed=f"matched {excerpt(hit.group(0), 60)!r}" if hit else "no match",
            )
        )
    if cfg.expect_json and text is not None:
        import json

        try:
            doc = json.loads(text)
        except ValueError:
            out.append(Assertion("json", FAIL, expected="a JSON body", observed="not JSON"))
        else:
            for cond in cfg.expect_json:
                ok, seen = cond.check(doc)
                out.append(Assertion("json", PASS if ok else FAIL, expected=cond.text, observed=seen))
    if cfg.max_latency is not None:
        out.append(latency_assertion(cfg.max_latency, total_ms))
    if cfg.cert_days is not None:
        days = observed.get("cert_days_left")
        if days is None:
            out.append(
                Assertion(
                    "cert_days", FAIL, expected="a TLS certificate", observed="no certificate (plain HTTP)"
                )
            )
        else:
            out.append(
                Assertion(
                    "cert_days",
                    cfg.cert_days.evaluate(float(days)),
                    expected=f"more than {cfg.cert_days.describe()}",
                    observed=plural(days, "day"),
                )
            )
    return out


def _phases(timings: dict[str, float]) -> dict[str, float]:
    keys = ("dns", "connect", "tls", "processing", "transfer", "first_byte", "total")
    return {f"{k}_ms": round(timings[k], 3) for k in keys if k in timings}


def _fail(
    spec: ProbeSpec,
    check: str,
    target: str,
    reason: str,
    started: float,
    timings: dict[str, float],
    observed: dict[str, Any],
) -> CheckResult:
    total = elapsed_ms(started)
    timings["total"] = total
    return error_result(
        spec, check, reason, target=target, duration_ms=total, phases=_phases(timings), observed=observed
    )
