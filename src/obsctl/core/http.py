"""The only place that builds HTTP clients, so auth, TLS, retries and error mapping are uniform.

Every backend client goes through `build_client`; httpx stays behind this module so replacing it
(e.g. with the httpx2 fork) touches one file.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import ssl
import sys
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from email.utils import parsedate_to_datetime
from typing import IO, Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

import httpx

from obsctl import __version__
from obsctl.core.errors import AuthError, BackendError, ConfigError, UnreachableError
from obsctl.core.settings import BackendSettings, HeaderValue, SecretRef

USER_AGENT = f"obsctl/{__version__}"
REDACTED = "REDACTED"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_SECRET_NAME = re.compile(r"(auth|token|secret|passw|api[-_]?key|cookie|session|credential)", re.I)
MAX_BACKOFF = 8.0


def read_secret(ref: SecretRef, env: Mapping[str, str], where: str) -> str:
    """Resolve a secret now; files are re-read on every call so rotated tokens are picked up."""
    if ref.value is not None:
        return ref.value
    if ref.file is not None:
        try:
            with open(os.path.expanduser(ref.file), encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read secret file {ref.file}: {exc.strerror}") from None
    if ref.env is not None:
        value = env.get(ref.env)
        if value is None:
            raise ConfigError(f"{where}: environment variable {ref.env} is not set")
        return value
    return ""


class _SettingsAuth(httpx.Auth):
    """Applies the configured auth and secret headers per request (files re-read each time)."""

    def __init__(self, settings: BackendSettings, env: Mapping[str, str], where: str) -> None:
        self.settings = settings
        self.env = env
        self.where = where

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        auth = self.settings.auth
        if auth.kind == "basic":
            password = read_secret(auth.secret, self.env, f"{self.where}.auth.basic")
            pair = f"{auth.username or ''}:{password}".encode()
            request.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        elif auth.kind == "bearer":
            token = read_secret(auth.secret, self.env, f"{self.where}.auth.bearer")
            request.headers["Authorization"] = f"Bearer {token}"
        elif auth.kind == "api_key":
            key = read_secret(auth.secret, self.env, f"{self.where}.auth.api_key")
            request.headers["Authorization"] = f"ApiKey {key}"
        for name, header in self.settings.headers.items():
            if header.secret:
                request.headers[name] = read_secret(
                    SecretRef(file=header.file, env=header.env), self.env, f"{self.where}.headers.{name}"
                )
        yield request


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


def redact_url(url: str | httpx.URL) -> str:
    """Drop passwords in userinfo and values of secret-looking query parameters."""
    parts = urlsplit(str(url))
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", f":{REDACTED}@", 1)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_SECRET_NAME.search(k) for k, _ in pairs):
            query = urlencode([(k, REDACTED if _SECRET_NAME.search(k) else v) for k, v in pairs])
    return SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment).geturl()


def redact_headers(
    headers: Iterable[tuple[str, str]], secret_names: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Headers with every credential-bearing value replaced by REDACTED."""
    secrets = {n.lower() for n in secret_names}
    out = []
    for name, value in headers:
        if name.lower() in secrets or _SECRET_NAME.search(name):
            out.append((name, REDACTED))
        else:
            out.append((name, value))
    return out


def _ssl_context(settings: BackendSettings) -> ssl.SSLContext | bool:
    tls = settings.tls
    if tls.insecure_skip_verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        try:
            ctx = ssl.create_default_context(cafile=os.path.expanduser(tls.ca_file) if tls.ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"{settings.name}.tls.ca_file: cannot load {tls.ca_file}: {exc}") from None
        if not tls.ca_file:
            try:
                import certifi

                ctx.load_verify_locations(certifi.where())
            except Exception:  # noqa: BLE001 - system store alone is fine
                pass
    if tls.cert_file and tls.key_file:
        try:
            ctx.load_cert_chain(os.path.expanduser(tls.cert_file), os.path.expanduser(tls.key_file))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"{settings.name}.tls: cannot load client certificate: {exc}") from None
    return ctx


def httpx_options(settings: BackendSettings, env: Mapping[str, str], where: str) -> dict[str, Any]:
    """Keyword arguments for httpx.Client/AsyncClient that apply these settings (no transport)."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    for name, header in settings.headers.items():
        if not header.secret and header.value is not None:
            headers[name] = header.value
    timeout = httpx.Timeout(settings.timeout, connect=settings.connect_timeout or min(settings.timeout, 10.0))
    return {
        "base_url": settings.url,
        "headers": headers,
        "timeout": timeout,
        "verify": _ssl_context(settings),
        "auth": _SettingsAuth(settings, env, where),
        "follow_redirects": True,
        "trust_env": True,
    }


def _server_name_extension(settings: BackendSettings) -> dict[str, Any]:
    return {"sni_hostname": settings.tls.server_name} if settings.tls.server_name else {}


class ApiClient:
    """A configured client for one backend: requests go out with auth/TLS/retries, errors come
    back as ObsctlError kinds whose messages name the URL and the context."""

    def __init__(
        self,
        settings: BackendSettings,
        *,
        context: str | None,
        env: Mapping[str, str] | None = None,
        debug: bool = False,
        stderr: IO[str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.backend = settings.name
        self.context = context
        self.env = env if env is not None else os.environ
        self.debug = debug
        self.stderr = stderr
        where = f"contexts.{context}.{settings.name}" if context else settings.name
        self.where = where
        options = httpx_options(settings, self.env, where)
        inner = transport or httpx.HTTPTransport(
            verify=options["verify"],
            proxy=settings.proxy_url,
            trust_env=True,
        )
        # Retries never stretch a call past its timeout: an unreachable backend fails within it.
        budget = settings.timeout
        options["transport"] = RetryTransport(inner, settings.retries, sleep=sleep, budget=budget)
        if settings.proxy_url:
            options["trust_env"] = False
        hooks: dict[str, list[Callable[..., Any]]] = {"request": [], "response": []}
        if debug:
            hooks["request"].append(self._log_request)
            hooks["response"].append(self._log_response)
        options["event_hooks"] = hooks
        self.http = httpx.Client(**options)
        self._secret_headers = [n for n, h in settings.headers.items() if h.secret]

    @property
    def base_url(self) -> str:
        return self.settings.url

    # --- debug logging (secrets redacted) ---------------------------------------------------
    def _log(self, text: str) -> None:
        stream = self.stderr or sys.stderr
        stream.write(f"obsctl: debug: {text}\n")
        stream.flush()

    def _log_request(self, request: httpx.Request) -> None:
        request.extensions["obsctl_started"] = time.monotonic()
        headers = redact_headers(request.headers.items(), self._secret_headers)
        self._log(f"> {request.method} {redact_url(request.url)}")
        for name, value in headers:
            self._log(f">   {name}: {value}")

    def _log_response(self, response: httpx.Response) -> None:
        started = response.request.extensions.get("obsctl_started", time.monotonic())
        ms = (time.monotonic() - started) * 1000
        self._log(
            f"< {response.status_code} {response.request.method} {redact_url(response.request.url)} in {ms:.0f} ms"
        )

    # --- requests ---------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        check: bool = True,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one request; with `check`, non-2xx answers raise the matching ObsctlError."""
        url = self._url(path)
        extensions: dict[str, Any] = dict(_server_name_extension(self.settings))
        if idempotent is not None:
            extensions["obsctl_idempotent"] = idempotent
        try:
            response = self.http.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=headers,
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
                extensions=extensions or None,
            )
        except httpx.TimeoutException as exc:
            raise self._unreachable(f"timed out after {self.settings.timeout:g}s", exc) from None
        except httpx.ConnectError as exc:
            raise self._unreachable(_connect_reason(exc), exc) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise self._unreachable(f"connection failed: {exc}", exc) from None
        except httpx.UnsupportedProtocol as exc:
            raise ConfigError(f"{self.where}.url: {exc}") from None
        except httpx.HTTPError as exc:
            raise self._unreachable(str(exc) or type(exc).__name__, exc) from None
        if check:
            self.raise_for_status(response)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def get_json(self, path: str, params: Any = None, **kwargs: Any) -> Any:
        """GET and decode JSON, mapping malformed bodies to BackendError (exit 3)."""
        return self.decode_json(self.request("GET", path, params=params, **kwargs))

    def post_json(self, path: str, json: Any = None, data: Any = None, **kwargs: Any) -> Any:
        response = self.request("POST", path, json=json, data=data, **kwargs)
        if not response.content:
            return None
        return self.decode_json(response)

    def decode_json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError):
            excerpt = _excerpt(response.text)
            raise BackendError(
                f"{self.backend} at {redact_url(response.request.url)} returned a malformed response "
                f"(HTTP {response.status_code}, not JSON): {excerpt}",
                status=response.status_code,
            ) from None

    def raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        detail = error_detail(response)
        target = f"{self.backend} at {redact_url(response.request.url)}"
        ctx = f" (context {self.context})" if self.context else ""
        if status in (401, 403):
            what = "authentication failed" if status == 401 else "access denied"
            raise AuthError(
                f"{what}: {target}{ctx} answered {status}" + (f": {detail}" if detail else ""),
                hint=self._auth_hint(),
            )
        raise BackendError(
            f"{target}{ctx} answered {status}" + (f": {detail}" if detail else ""),
            status=status,
            body=response.text[:2000],
        )

    def _auth_hint(self) -> str:
        kind = self.settings.auth.kind
        env_name = f"OBSCTL_{self.backend.upper()}_TOKEN"
        if kind == "none":
            return f"set {self.where}.auth (basic, bearer or api_key) or {env_name}"
        secret = self.settings.auth.secret
        if secret.env and secret.env.startswith("OBSCTL_"):
            return f"check the credentials in {secret.env}"
        return f"check the credentials in {self.where}.auth.{kind}"

    def _unreachable(self, reason: str, exc: Exception) -> UnreachableError:
        ctx = f" (context {self.context})" if self.context else ""
        source = {
            "env": f"OBSCTL_{self.backend.upper()}_URL",
            "flag": f"--{self.backend}-url",
        }.get(self.settings.source, f"{self.where}.url")
        hint = f"is {self.backend} running? the URL comes from {source}"
        if isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc):
            hint = f"set {self.where}.tls.ca_file to the CA that signed the server certificate"
        return UnreachableError(
            f"cannot reach {self.backend} at {redact_url(self.settings.url)}{ctx}: {reason}", hint=hint
        )

    def _url(self, path: str) -> str:
        prefix = str(self.settings.options.get("path_prefix") or "").rstrip("/")
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.settings.url}{prefix}{path if path.startswith('/') else '/' + path}"

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect_reason(exc: httpx.ConnectError) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        match = re.search(r"certificate verify failed: ([^(]+)", text)
        return "TLS certificate verification failed" + (f" ({match.group(1).strip()})" if match else "")
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "Errno -2" in text:
        return "unknown host"
    return text or "connection failed"


def _excerpt(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_detail(response: httpx.Response) -> str:
    """The server's own error message from the common JSON error shapes, else a text excerpt.

    Prometheus: {"status":"error","errorType","error"}; Alertmanager: {"code","message"} or a JSON
    string; Elasticsearch/OpenSearch: {"error":{"type","reason","root_cause"}}; Jaeger: {"errors":[{"msg"}]}.
    """
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return _excerpt(response.text)
    return _excerpt(_detail_from(body))


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


def build_client(
    settings: BackendSettings,
    *,
    context: str | None,
    env: Mapping[str, str] | None = None,
    debug: bool = False,
    stderr: IO[str] | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ApiClient:
    """Build the client for one backend from its settings (the one place clients are made)."""
    return ApiClient(
        settings, context=context, env=env, debug=debug, stderr=stderr, transport=transport, sleep=sleep
    )


def header_is_secret(name: str, header: HeaderValue) -> bool:
    """True when a configured header must never be shown (file/env sourced or credential-named)."""
    return header.secret or bool(_SECRET_NAME.search(name))
