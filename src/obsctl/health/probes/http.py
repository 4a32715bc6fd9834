"""The http probe: one request on a fresh connection, timed per phase, checked against expectations.

User URLs are not configured backends, so the client is built here (not by core.http), but TLS
follows the same rules (verification on, system + certifi CAs) and every URL, header and body excerpt
shown is redacted. Each probe gets its own client and connection: a probe measures connect and TLS
every time (like the blackbox exporter), and no pool is shared between concurrent probes (httpx's
shared pool degrades above ~10 concurrent requests, research/dependencies.md).

Phases (ms): dns (name resolution), connect (TCP), tls (handshake), processing (request sent ->
response headers), transfer (body), first_byte (start -> response headers), total.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
import threading
import time
from datetime import datetime, timezone
from typing import Any

import httpcore
import httpx

from obsctl import __version__
from obsctl.core.http import redact_url
from obsctl.core.output import plural
from obsctl.health.config import HttpConfig
from obsctl.health.model import FAIL, PASS, Assertion, CheckResult, ProbeSpec
from obsctl.health.probes import (
    ProbeEnv,
    ProbeFailure,
    error_result,
    excerpt,
    latency_assertion,
    make_result,
    read_secret,
    redact_text,
)

USER_AGENT = f"obsctl-health/{__version__}"

_ssl_lock = threading.Lock()
_ssl_cache: dict[tuple[Any, ...], ssl.SSLContext] = {}


def ssl_context(
    insecure: bool, ca_file: str | None, cert_file: str | None, key_file: str | None
) -> ssl.SSLContext:
    """One SSLContext per TLS setting, shared by all probes (building one costs ~20 ms of CPU)."""
    key = (insecure, ca_file, cert_file, key_file)
    with _ssl_lock:
        ctx = _ssl_cache.get(key)
        if ctx is not None:
            return ctx
        if insecure:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        else:
            try:
                ctx = ssl.create_default_context(cafile=os.path.expanduser(ca_file) if ca_file else None)
            except (OSError, ssl.SSLError) as exc:
                raise ProbeFailure(f"cannot load ca_file {ca_file}: {exc}") from None
            if not ca_file:
                try:
                    import certifi

                    ctx.load_verify_locations(certifi.where())
                except Exception:  # noqa: BLE001 - the system store alone is fine
                    pass
        if cert_file and key_file:
            try:
                ctx.load_cert_chain(os.path.expanduser(cert_file), os.path.expanduser(key_file))
            except (OSError, ssl.SSLError) as exc:
                raise ProbeFailure(f"cannot load client certificate {cert_file}: {exc}") from None
        _ssl_cache[key] = ctx
        return ctx


class _TimedBackend(httpcore.SyncBackend):
    """httpcore's socket backend with name resolution timed on its own (the dns phase)."""

    def __init__(self, timings: dict[str, float], observed: dict[str, Any]) -> None:
        self.timings = timings
        self.observed = observed

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        started = time.perf_counter()
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from None
        resolved = time.perf_counter()
        self.timings["dns"] = self.timings.get("dns", 0.0) + (resolved - started) * 1000
        infos.sort(key=lambda i: i[0] != socket.AF_INET)  # prefer IPv4, fall back to IPv6
        last: Exception | None = None
        for info in infos:
            ip = str(info[4][0])
            try:
                stream = super().connect_tcp(ip, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            self.observed["ip"] = ip
            self.timings["connect"] = (
                self.timings.get("connect", 0.0) + (time.perf_counter() - resolved) * 1000
            )
            return stream
        assert last is not None
        raise last


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
        if step == "connection.start_tls":
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
    try:
        _read_certificate(stream, observed)
    except Exception:  # noqa: BLE001 - certificate details are a bonus, never a reason to fail
        pass


def _read_certificate(stream: Any, observed: dict[str, Any]) -> None:
    sslobj = stream.get_extra_info("ssl_object")
    if sslobj is None:
        return
    observed["tls_version"] = sslobj.version()
    not_after: float | None = None
    cert = sslobj.getpeercert()
    if cert and cert.get("notAfter"):
        not_after = ssl.cert_time_to_seconds(str(cert["notAfter"]))
    else:
        der = sslobj.getpeercert(True)
        if der:
            not_after = _not_after_from_der(der)
    if not_after is not None:
        observed["cert_not_after"] = (
            datetime.fromtimestamp(not_after, timezone.utc).isoformat().replace("+00:00", "Z")
        )
        observed["cert_days_left"] = round((not_after - time.time()) / 86400, 1)


def _not_after_from_der(der: bytes) -> float | None:
    """Expiry of an unverified certificate (verification off): via cryptography when present."""
    try:
        from cryptography import x509
    except ImportError:
        return _not_after_stdlib(der)
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    return float(cert.not_valid_after_utc.timestamp())


def _not_after_stdlib(der: bytes) -> float | None:
    import tempfile

    decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    if decode is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as fh:
        fh.write(ssl.DER_cert_to_PEM_cert(der))
        path = fh.name
    try:
        info = decode(path)
        return float(ssl.cert_time_to_seconds(info["notAfter"]))
    except Exception:  # noqa: BLE001 - best effort only
        return None
    finally:
        os.unlink(path)


def _transport(cfg: HttpConfig, timings: dict[str, float], observed: dict[str, Any]) -> httpx.HTTPTransport:
    ctx = ssl_context(cfg.insecure, cfg.ca_file, cfg.cert_file, cfg.key_file)
    if cfg.proxy_url:
        # Through a proxy the phases are the proxy's; keep httpx's own proxy support.
        return httpx.HTTPTransport(verify=ctx, proxy=cfg.proxy_url, trust_env=False)
    transport = httpx.HTTPTransport(verify=ctx, trust_env=False)
    # httpx offers no network_backend argument; swap in the same pool with a timed backend.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ctx,
        max_connections=1,
        max_keepalive_connections=0,
        network_backend=_TimedBackend(timings, observed),
    )
    return transport


def _matches_status(status: int, expected: tuple[str, ...]) -> bool:
    for e in expected:
        if e.endswith("xx") and str(status)[0] == e[0]:
            return True
        if e == str(status):
            return True
    return False


def run_http(spec: ProbeSpec, penv: ProbeEnv, timeout: float) -> list[CheckResult]:
    """One attempt of an http probe."""
    cfg: HttpConfig = spec.config
    shown_url = redact_url(cfg.url)
    check = f"{cfg.method} {shown_url}"
    secrets: list[str] = []
    headers = {"User-Agent": USER_AGENT}
    for name, secret in cfg.headers:
        value = read_secret(secret, penv.env, f"{spec.name}.http.headers.{name}") or ""
        if secret.secret or re.search(r"auth|token|secret|key|cookie|passw", name, re.I):
            secrets.append(value.split(" ", 1)[-1])
        headers[name] = value
    timings: dict[str, float] = {}
    observed: dict[str, Any] = {}
    tracer = _Tracer(timings, observed)
    body = b""
    truncated = False
    transport = _transport(cfg, timings, observed)
    started = time.perf_counter()
    try:
        with httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=cfg.follow_redirects,
            max_redirects=cfg.max_redirects,
            trust_env=False,
        ) as client:
            request = client.build_request(
                cfg.method, cfg.url, headers=headers, content=cfg.body, extensions={"trace": tracer}
            )
            started = time.perf_counter()
            response = client.send(request, stream=True)
            try:
                body_started = time.perf_counter()
                for chunk in response.iter_bytes():
                    room = cfg.max_body_bytes - len(body)
                    body += chunk[:room]
                    if len(chunk) > room:
                        truncated = True
                        break
                transfer_ms = (time.perf_counter() - body_started) * 1000
                history = response.history
            finally:
                response.close()
    except httpx.TooManyRedirects:
        return [
            _fail(
                spec, check, shown_url, f"more than {cfg.max_redirects} redirects", started, timings, observed
            )
        ]
    except httpx.TimeoutException as exc:
        what = {
            "ConnectTimeout": "connect",
            "ReadTimeout": "read",
            "WriteTimeout": "write",
            "PoolTimeout": "pool",
        }.get(type(exc).__name__, "request")
        return [
            _fail(
                spec, check, shown_url, f"timed out ({what}) after {timeout:g}s", started, timings, observed
            )
        ]
    except httpx.HTTPError as exc:
        return [_fail(spec, check, shown_url, _reason(exc), started, timings, observed)]
    total_ms = (time.perf_counter() - started) * 1000
    timings["transfer"] = transfer_ms
    if tracer.first_byte is not None:
        timings["first_byte"] = (tracer.first_byte - started) * 1000
    timings["total"] = total_ms
    observed["http_status"] = response.status_code
    observed["redirects"] = len(history)
    observed["body_bytes"] = len(body)
    if history:
        observed["final_url"] = redact_url(str(response.url))
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
        found = cfg.expect_body.search(text) is not None
        out.append(
            Assertion(
                "body",
                PASS if found else FAIL,
                expected=f"matches /{cfg.expect_body.pattern}/",
                observed="matched" if found else "no match" + (" (body truncated)" if truncated else ""),
            )
        )
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
    total = (time.perf_counter() - started) * 1000
    timings["total"] = total
    return error_result(
        spec, check, reason, target=target, duration_ms=total, phases=_phases(timings), observed=observed
    )


def _reason(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text:
        m = re.search(r"certificate verify failed: ([^(]+)", text)
        return "TLS certificate verification failed" + (f": {m.group(1).strip()}" if m else "")
    if isinstance(exc, httpx.ConnectError):
        if "Connection refused" in text or "Errno 111" in text:
            return "connection refused"
        if text.startswith("cannot resolve"):
            return text
        if "reset" in text.lower():
            return "connection reset by peer"
        return f"connect failed: {text}"
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending" in text or "Server disconnected" in text:
            return "server closed the connection before sending a response"
        return f"protocol error: {text}"
    if isinstance(exc, httpx.ReadError):
        if "reset" in text.lower() or "Errno 104" in text:
            return "connection reset by peer"
        return f"read failed: {text}"
    return f"{type(exc).__name__}: {text}"
