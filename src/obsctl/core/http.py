"""The only place that builds HTTP clients, so auth, TLS, proxies, redirects, `--debug` and error
wording are the same for every request obsctl makes.

Builders (httpx stays behind core/, so replacing it touches core only):

- `build_client(settings, *, context, env=None, debug=False, stderr=None, transport=None,
  sleep=time.sleep) -> ApiClient` -- one configured backend (Prometheus, Alertmanager, ES, Jaeger):
  base URL with its path prefix and query kept on every call, auth, TLS, proxy, retries, and
  redirects followed only within the same origin (noted in `--debug`; anything else is exit 3 with
  the Location).
- `build_target_client(*, timeout, env=None, tls=TargetTLS(), proxy_url=None, debug=False,
  stderr=None, transport=None, follow_redirects=True, max_redirects=10, resolve_first=False)
  -> TargetClient` (core/target.py) -- ad-hoc URLs that are no configured backend (`metrics scrape`
  targets, http probes), with the same TLS defaults, proxy rule, debug log and error wording.
- `auth_headers(settings, env, where)` (core/auth.py) -- the Authorization and secret headers of a
  backend, for clients that are not httpx (`metrics export` to Parquet through requests).

Shared pieces live beside this module: core/urls.py (validate, join, redact, proxy rule, the
secret-name rule), core/httplog.py (the `--debug` log, USER_AGENT, `error_detail`), core/tls.py
(cached SSL contexts, certificate expiry), core/http_errors.py (`describe_error`, server error bodies).
"""

from __future__ import annotations

import os
import ssl
import time
from collections.abc import Callable, Mapping
from typing import IO, Any

import httpx

from obsctl.core.auth import SettingsAuth, auth_headers, read_secret, static_headers
from obsctl.core.errors import AuthError, BackendError, ConfigError, UnreachableError
from obsctl.core.http_errors import describe_error, excerpt
from obsctl.core.httplog import USER_AGENT, DebugLog, error_detail, redact_headers
from obsctl.core.retry import RetryTransport, parse_retry_after
from obsctl.core.settings import BackendSettings
from obsctl.core.tls import check_tls_files, tls_context, untrusting_context
from obsctl.core.urls import (
    REDACTED,
    SECRET_NAME,
    join_url,
    proxy_for,
    redact_url,
    same_origin,
)

_SECRET_NAME = SECRET_NAME  # kept for callers of the old name; the rule itself lives in core/urls.py
MAX_API_REDIRECTS = 5
Response = httpx.Response

__all__ = [
    "REDACTED",
    "USER_AGENT",
    "DebugLog",
    "Response",
    "RetryTransport",
    "auth_headers",
    "build_client",
    "error_detail",
    "parse_retry_after",
    "read_secret",
    "redact_headers",
    "redact_url",
]


def httpx_options(settings: BackendSettings, env: Mapping[str, str], where: str) -> dict[str, Any]:
    """Keyword arguments for httpx.Client/AsyncClient that apply these settings (no transport)."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **static_headers(settings)}
    timeout = httpx.Timeout(settings.timeout, connect=settings.connect_timeout or min(settings.timeout, 10.0))
    return {
        "base_url": settings.url,
        "headers": headers,
        "timeout": timeout,
        "verify": backend_ssl(settings, f"{settings.name}.tls"),
        "auth": SettingsAuth(settings, env, where),
        "follow_redirects": False,
        "trust_env": False,
    }


def backend_ssl(settings: BackendSettings, where: str) -> ssl.SSLContext:
    """The SSL context for a backend's client. Only an https base URL gets the real (shared, ~20 ms
    of CPU plus certifi) context: API redirects stay same-origin, so a plain-http backend never makes
    a TLS connection and gets a context no handshake can pass; its `tls:` files are still checked to
    exist, so a typo is reported even before the URL moves to https."""
    tls = settings.tls
    if settings.url[:8].lower() != "https://":
        check_tls_files(ca_file=tls.ca_file, cert_file=tls.cert_file, key_file=tls.key_file, where=where)
        return untrusting_context()
    return tls_context(
        insecure=tls.insecure_skip_verify,
        ca_file=tls.ca_file,
        cert_file=tls.cert_file,
        key_file=tls.key_file,
        where=where,
    )


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
        self.proxy = proxy_for(settings.url, settings.proxy_url, self.env)
        inner = transport or httpx.HTTPTransport(verify=options["verify"], proxy=self.proxy, trust_env=False)
        # Retries never stretch a call past its timeout: an unreachable backend fails within it.
        budget = settings.timeout
        options["transport"] = RetryTransport(inner, settings.retries, sleep=sleep, budget=budget)
        self._secret_headers = [n for n, h in settings.headers.items() if h.secret]
        self.log = DebugLog(stderr, self._secret_headers)
        options["event_hooks"] = self.log.hooks(debug)
        self.http = httpx.Client(**options)

    @property
    def base_url(self) -> str:
        """The backend's URL for messages and report targets, secrets in its query redacted."""
        return redact_url(self.settings.url)

    def display_url(self, path: str = "") -> str:
        """The redacted URL of `path` on this backend, for messages and report targets."""
        return redact_url(self._url(path) if path else self.settings.url)

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
        """Send one request; with `check`, non-2xx answers raise the matching ObsctlError.

        Redirects are followed only within the backend's origin (a note in `--debug`); any other
        redirect is a BackendError naming the Location, so a wrong URL is fixed, not papered over.
        """
        url, params = _merge_query(self._url(path), params)
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
            response = self._follow(response)
        except httpx.UnsupportedProtocol as exc:
            raise ConfigError(f"{self.where}.url: {exc}") from None
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from None
        if check:
            self.raise_for_status(response)
        return response

    def _follow(self, response: httpx.Response) -> httpx.Response:
        hops = 0
        while response.next_request is not None:
            nxt = response.next_request
            here = str(response.request.url)
            if not same_origin(here, str(nxt.url)) or hops >= MAX_API_REDIRECTS:
                response.close()
                raise self._redirected(response, str(nxt.url), hops)
            if self.debug:
                self.log.note(
                    f"following same-origin redirect ({response.status_code}) to {redact_url(nxt.url)}"
                )
            response.close()
            response = self.http.send(nxt)
            hops += 1
        return response

    def _redirected(self, response: httpx.Response, location: str, hops: int) -> BackendError:
        ctx = f" (context {self.context})" if self.context else ""
        target = f"{self.backend} at {redact_url(response.request.url)}{ctx}"
        if hops >= MAX_API_REDIRECTS:
            why = f"redirected more than {MAX_API_REDIRECTS} times (last to {redact_url(location)})"
        else:
            why = f"redirected ({response.status_code}) to {redact_url(location)}"
        return BackendError(
            f"{target} {why}; API calls follow redirects only within the same scheme, host and port",
            hint=f"if the API moved, set {self._url_source()} to the new address",
            status=response.status_code,
        )

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
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # Recursion: JSON nested ~1000 deep
            why = "JSON nested too deeply" if isinstance(exc, RecursionError) else "not JSON"
            raise BackendError(
                f"{self.backend} at {redact_url(response.request.url)} returned a malformed response "
                f"(HTTP {response.status_code}, {why}): {excerpt(response.text)}",
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

    def _url_source(self) -> str:
        return {
            "env": f"OBSCTL_{self.backend.upper()}_URL",
            "flag": self.settings.url_where or "--url",
        }.get(self.settings.source, f"{self.where}.url")

    def _unreachable(self, exc: Exception) -> UnreachableError:
        ctx = f" (context {self.context})" if self.context else ""
        info = describe_error(exc, proxy=self.proxy, timeout=self.settings.timeout, url=self.settings.url)
        hint = info.hint or f"is {self.backend} running? the URL comes from {self._url_source()}"
        if "ca_file" in hint:
            hint = f"set {self.where}.tls.ca_file to the CA that signed the server certificate"
        elif info.proxy and self.settings.proxy_url:
            hint = f"check {self.where}.proxy_url"
        return UnreachableError(
            f"cannot reach {self.backend} at {redact_url(self.settings.url)}{ctx}: {info.reason}", hint=hint
        )

    def _url(self, path: str) -> str:
        prefix = str(self.settings.options.get("path_prefix") or "").rstrip("/")
        if path.startswith(("http://", "https://")):
            return path
        return join_url(self.settings.url, prefix + (path if path.startswith("/") else "/" + path))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _merge_query(url: str, params: Any) -> tuple[str, Any]:
    """httpx replaces a URL's query with `params`: keep the base URL's parameters (`?api_key=`) first."""
    if params is None or "?" not in url:
        return url, params
    base, _, query = url.partition("?")
    return base, [*httpx.QueryParams(query).multi_items(), *httpx.QueryParams(params).multi_items()]


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
    """Build the client for one backend from its settings (the one place backend clients are made)."""
    return ApiClient(
        settings, context=context, env=env, debug=debug, stderr=stderr, transport=transport, sleep=sleep
    )
