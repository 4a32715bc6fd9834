"""One wording for transport failures and server error bodies, whoever made the request.

`describe_error` classifies by exception type name and text rather than importing a client library,
so httpx errors (backends, scrape, probes) and requests errors (`metrics export` to Parquet) read
the same: "connection refused", "the proxy http://proxy:3128 refused the connection", a hint to use
http:// instead of https:// when the port does not speak TLS, and the reverse.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from obsctl.core.urls import safe_redact_url


@dataclass(frozen=True)
class ErrorInfo:
    """Why a request failed, in one line, with a hint when we know the likely fix."""

    reason: str
    hint: str | None = None
    timeout: bool = False
    proxy: bool = False


_TIMEOUT_NAMES = ("Timeout", "timeout")


def describe_error(
    exc: BaseException, *, proxy: str | None = None, timeout: float | None = None, url: str | None = None
) -> ErrorInfo:
    """The user-facing reason (and hint) for a failed request.

    `proxy` is the proxy the request went through, if any: then a refused or unresolvable address is
    the proxy's, not the target's. `url` (the target) lets a plain-HTTP request that a TLS port cut
    off suggest https://.
    """
    info = _describe(exc, proxy, timeout)
    plain = url is not None and url.lower().startswith("http://") and not proxy
    if plain and info.hint is None and info.reason in (_CLOSED, _RESET):
        return ErrorInfo(info.reason, hint="if this port speaks TLS, use https:// instead of http://")
    return info


_CLOSED = "server closed the connection before sending a response"
_RESET = "connection reset by peer"


def _describe(exc: BaseException, proxy: str | None, timeout: float | None) -> ErrorInfo:
    name = type(exc).__name__
    text = str(exc) or name
    if any(t in name for t in _TIMEOUT_NAMES) or isinstance(exc, TimeoutError):
        phase = {"ConnectTimeout": "connect", "ReadTimeout": "read", "WriteTimeout": "write"}.get(name)
        after = f" after {timeout:g}s" if timeout is not None else ""
        reason = f"timed out{f' ({phase})' if phase else ''}{after}"
        if proxy and phase == "connect":
            return ErrorInfo(f"{_proxy(proxy)} did not answer ({reason})", proxy=True, timeout=True)
        return ErrorInfo(reason, timeout=True)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        match = re.search(r"certificate verify failed: ([^(]+)", text)
        detail = match.group(1).strip() if match else ""
        unknown_ca = "issuer" in detail or "self-signed" in detail or "self signed" in detail
        return ErrorInfo(
            "TLS certificate verification failed" + (f": {detail}" if detail else ""),
            hint="set ca_file to the CA that signed the server certificate" if unknown_ca else None,
        )
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text or "UNKNOWN_PROTOCOL" in text:
        return ErrorInfo(
            "TLS handshake failed: the server does not speak TLS on this port",
            hint="use http:// instead of https:// for this port",
        )
    if "ProxyError" in name or (proxy and _is_refused_or_unknown(text)):
        status = re.match(r"([1-5]\d\d)\b", text)
        if status:
            what = f"answered {status.group(1)} to CONNECT"
        elif _is_unknown_host(text):
            what = "cannot be resolved"
        else:
            what = "refused the connection"
        return ErrorInfo(
            f"{_proxy(proxy)} {what}",
            hint="check proxy_url (or HTTP_PROXY/HTTPS_PROXY/NO_PROXY in the environment)",
            proxy=True,
        )
    if "Server disconnected without sending a response" in text:
        return ErrorInfo(_CLOSED)
    if _is_refused(text):
        return ErrorInfo("connection refused")
    if _is_unknown_host(text):
        return ErrorInfo("unknown host" if not text.startswith("cannot resolve") else text)
    if "reset" in text.lower() or "Errno 104" in text:
        return ErrorInfo(_RESET)
    if name == "TooManyRedirects":
        return ErrorInfo("too many redirects")
    if name in ("RemoteProtocolError", "LocalProtocolError"):
        return ErrorInfo(f"protocol error: {text}")
    if name == "ConnectError":
        return ErrorInfo(f"connect failed: {text}")
    return ErrorInfo(text if name in ("ReadError", "WriteError", "ConnectionError") else f"{name}: {text}")


def _proxy(proxy: str | None) -> str:
    return f"the proxy {safe_redact_url(proxy)}" if proxy else "the proxy"


def _is_refused(text: str) -> bool:
    return "Connection refused" in text or "Errno 111" in text or "actively refused" in text


def _is_unknown_host(text: str) -> bool:
    return (
        "Name or service not known" in text
        or "nodename nor servname" in text
        or "Errno -2" in text
        or "Errno -3" in text
        or "Temporary failure in name resolution" in text
        or text.startswith("cannot resolve")
    )


def _is_refused_or_unknown(text: str) -> bool:
    return _is_refused(text) or _is_unknown_host(text)


def excerpt(text: str, limit: int = 200) -> str:
    """One line, at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def printable_excerpt(data: bytes | str, limit: int = 80) -> str:
    """A short excerpt safe to print: non-printable bytes become `\\xNN`, so binary bodies stay readable."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    head = raw[: limit * 2]
    text = head.decode("utf-8", "backslashreplace")
    out = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return out if len(out) <= limit and len(raw) <= len(head) else out[: limit - 1] + "…"


def binary_share(data: bytes | str) -> float:
    """Fraction of the first 512 characters that are control characters or undecodable (0 for text)."""
    sample = data[:512]
    if not sample:
        return 0.0
    if isinstance(sample, bytes):
        sample = sample.decode("utf-8", "replace")
    bad = sum(1 for c in sample if c == "\ufffd" or (not c.isprintable() and c not in "\r\n\t"))
    return bad / len(sample)


def body_detail(body_text: str, decode: Any = None) -> str:
    """The server's own error message from the common JSON error shapes, else a text excerpt.

    Prometheus: {"status":"error","errorType","error"}; Alertmanager: {"code","message"} or a JSON
    string; Elasticsearch/OpenSearch: {"error":{"type","reason","root_cause"}}; Jaeger: {"errors":[{"msg"}]}.
    """
    try:
        body = decode() if decode is not None else json.loads(body_text)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: JSON nested ~1000 deep
        return excerpt(body_text)
    return excerpt(_detail_from(body))


def _detail_from(body: Any) -> str:
    if isinstance(body, str):
        return body
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            reason = err.get("reason") or err.get("message") or ""
            kind = err.get("type")
            causes = err.get("root_cause") or []
            if not reason and causes and isinstance(causes[0], dict):
                reason = causes[0].get("reason", "")
            return f"{kind}: {reason}" if kind else str(reason)
        if isinstance(err, str):
            kind = body.get("errorType")
            return f"{kind}: {err}" if kind else err
        if body.get("message"):
            return str(body["message"])
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            return (
                str(first.get("msg") or first.get("message") or first)
                if isinstance(first, dict)
                else str(first)
            )
    return json.dumps(body)[:200]
