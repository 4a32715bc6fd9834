"""Clients for ad-hoc URLs that are no configured backend: `metrics scrape` targets and http probes.

Same TLS defaults (core/tls.py), proxy rule (core/urls.py `proxy_for`), `--debug` log and error
wording (core/http_errors.py) as backend clients. The TLS context is built only when an https URL
(or redirect hop) is fetched: a plain-http scrape skips its ~20 ms of CPU. Redirects are followed hop by hop here, so each
hop gets the right proxy, Host and SNI.

With `resolve_first`, each hop resolves the host itself (timed: the http probe's `dns` phase) and
connects to the address, sending the name in the Host header and as TLS SNI (httpcore's public
`sni_hostname` request extension), trying the next address when one refuses.

    build_target_client(*, timeout, env=None, tls=TargetTLS(), proxy_url=None, debug=False,
                        stderr=None, transport=None, follow_redirects=True, max_redirects=10,
                        resolve_first=False, user_agent=USER_AGENT, secret_headers=()) -> TargetClient
    client.prepare(url)  # optional: build the connection machinery before a timed request
    client.open(method, url, *, headers=None, content=None, trace=None)  # context manager -> Fetched,
                                                                          # raises RequestFailed
    client.fetch(url, *, headers=None) -> Fetched  # body read; ObsctlError kinds (exit 3/4/5)
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import httpcore  # noqa: F401 - httpx imports it lazily in HTTPTransport(); import it here, once,
import httpx  # not in 200 probe threads at the same time (they would queue on the import lock)

from obsctl.core.errors import AuthError, BackendError, UnreachableError, UsageError
from obsctl.core.http_errors import ErrorInfo, describe_error
from obsctl.core.httplog import USER_AGENT, DebugLog, error_detail
from obsctl.core.tls import tls_context, untrusting_context
from obsctl.core.urls import proxy_for, redact_url, same_origin

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class TargetTLS:
    """TLS options of an ad-hoc target (a probe's `insecure`, `ca_file`, client certificate)."""

    insecure: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


@dataclass
class Hops:
    """What the hops of one request cost and where they went."""

    redirects: int = 0
    ip: str | None = None
    dns_ms: float = 0.0
    resolved: bool = False


class RequestFailed(Exception):
    """The request did not get an answer; `info` says why in the shared wording."""

    def __init__(self, info: ErrorInfo, hops: Hops | None = None) -> None:
        super().__init__(info.reason)
        self.info = info
        self.hops = hops or Hops()


@dataclass
class Fetched:
    """The final response (streamed until read), its URL (by name, not address) and the hops."""

    response: httpx.Response
    url: str
    hops: Hops = field(default_factory=Hops)


class TargetClient:
    """One client per target (or per probe run); close it, or use it as a context manager."""

    def __init__(
        self,
        *,
        timeout: float,
        env: Mapping[str, str] | None = None,
        tls: TargetTLS | None = None,
        proxy_url: str | None = None,
        debug: bool = False,
        stderr: IO[str] | None = None,
        transport: httpx.BaseTransport | None = None,
        follow_redirects: bool = True,
        max_redirects: int = 10,
        resolve_first: bool = False,
        user_agent: str = USER_AGENT,
        secret_headers: Iterable[str] = (),
    ) -> None:
        import os

        self.timeout = timeout
        self.env = env if env is not None else os.environ
        self.tls = tls or TargetTLS()
        self.proxy_url = proxy_url
        self.debug = debug
        self.log = DebugLog(stderr, secret_headers)
        self.transport = transport
        self.follow_redirects = follow_redirects
        self.max_redirects = max_redirects
        self.resolve_first = resolve_first and transport is None
        self.user_agent = user_agent
        # One client per (proxy, https?): a plain-http client never builds the TLS context.
        self._clients: dict[tuple[str | None, bool], httpx.Client] = {}

    def prepare(self, url: str) -> None:
        """Build the client `url` will use now, so a caller timing the request (an http probe) times
        the request, not the set-up (~ms of CPU each, much more with many probes in threads)."""
        self._client(proxy_for(url, self.proxy_url, self.env), _is_https(url))

    def _ssl(self, https: bool) -> ssl.SSLContext:
        """The shared context of this client's TLS options for https URLs (~20 ms of CPU to build, so
        only when one is fetched); for plain http, a context that no TLS connection can pass."""
        if not https:
            return untrusting_context()
        tls = self.tls
        return tls_context(
            insecure=tls.insecure, ca_file=tls.ca_file, cert_file=tls.cert_file, key_file=tls.key_file
        )

    def _client(self, proxy: str | None, https: bool) -> httpx.Client:
        client = self._clients.get((proxy, https))
        if client is None:
            transport = self.transport or httpx.HTTPTransport(
                verify=self._ssl(https), proxy=proxy, trust_env=False
            )
            client = httpx.Client(
                transport=transport,
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,
                trust_env=False,
                event_hooks=self.log.hooks(self.debug),
            )
            self._clients[(proxy, https)] = client
        return client

    @contextmanager
    def open(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: str | bytes | None = None,
        trace: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> Iterator[Fetched]:
        """Send and yield the (streamed) final response; RequestFailed for failures, also while reading."""
        proxy: str | None = None
        fetched = Hops()
        try:
            hdrs = {"User-Agent": self.user_agent, **(headers or {})}
            while True:
                proxy = proxy_for(url, self.proxy_url, self.env)
                response = self._send_hop(method, url, hdrs, content, trace, proxy, fetched)
                location = response.headers.get("location")
                if not (self.follow_redirects and response.is_redirect and location):
                    break
                if fetched.redirects >= self.max_redirects:
                    response.close()
                    raise RequestFailed(ErrorInfo(f"more than {self.max_redirects} redirects"))
                response.close()
                nxt = urljoin(url, location)
                if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                    method, content = "GET", None
                if not same_origin(url, nxt):
                    hdrs = {k: v for k, v in hdrs.items() if k.lower() != "authorization"}
                if self.debug:
                    self.log.note(f"following redirect ({response.status_code}) to {redact_url(nxt)}")
                url = nxt
                fetched.redirects += 1
            try:
                yield Fetched(response, url, fetched)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise RequestFailed(
                describe_error(exc, proxy=proxy, timeout=self.timeout, url=url), fetched
            ) from None
        except RequestFailed as exc:
            exc.hops = fetched
            raise

    def _send_hop(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: str | bytes | None,
        trace: Callable[[str, dict[str, Any]], None] | None,
        proxy: str | None,
        fetched: Hops,
    ) -> httpx.Response:
        client = self._client(proxy, _is_https(url))
        extensions: dict[str, Any] = {"trace": trace} if trace else {}
        if not self.resolve_first or proxy is not None:
            request = client.build_request(
                method, url, headers=headers, content=content, extensions=extensions
            )
            return client.send(request, stream=True)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 80)
        addresses = self._resolve(host, port, fetched)
        if self.debug and addresses != [host.strip("[]")]:
            self.log.note(
                f"{host} resolved to {', '.join(addresses)}; connecting by address, Host and SNI {host}"
            )
        netloc_host = parts.netloc.rsplit("@", 1)[-1]
        if parts.scheme == "https":
            extensions["sni_hostname"] = host
        last: Exception | None = None
        for ip in addresses:
            literal = f"[{ip}]" if ":" in ip else ip
            by_ip = parts._replace(netloc=literal + (f":{parts.port}" if parts.port else "")).geturl()
            request = client.build_request(
                method,
                by_ip,
                headers={**headers, "Host": netloc_host},
                content=content,
                extensions=extensions,
            )
            try:
                response = client.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if "SSL" in str(exc) or "CERTIFICATE" in str(exc):
                    raise
                last = exc
                continue
            fetched.ip = ip
            return response
        assert last is not None
        raise last

    def _resolve(self, host: str, port: int, fetched: Hops) -> list[str]:
        """Addresses of `host`, IPv4 first (as most clients try them), timed into `fetched.dns_ms`."""
        started = time.perf_counter()
        literal = host.strip("[]").split("%", 1)[0]
        try:
            ipaddress.ip_address(literal)
        except ValueError:
            pass
        else:  # an address already: nothing to resolve (the dns phase is ~0, as for any literal)
            fetched.resolved = True
            fetched.dns_ms += (time.perf_counter() - started) * 1000
            return [host.strip("[]")]
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise RequestFailed(ErrorInfo(f"cannot resolve {host}: {exc.strerror}")) from None
        finally:
            fetched.dns_ms += (time.perf_counter() - started) * 1000
            fetched.resolved = True
        infos.sort(key=lambda i: i[0] != socket.AF_INET)
        seen: list[str] = []
        for info in infos:
            ip = str(info[4][0])
            if ip not in seen:
                seen.append(ip)
        return seen

    def fetch(self, url: str, *, headers: Mapping[str, str] | None = None) -> Fetched:
        """GET with the body read; ObsctlError kinds: 5 unreachable, 4 auth refused, 3 HTTP error."""
        shown = redact_url(url)
        try:
            with self.open("GET", url, headers=headers) as got:
                got.response.read()
        except RequestFailed as exc:
            hint = exc.info.hint or "is the application running?"
            raise UnreachableError(f"cannot reach {shown}: {exc.info.reason}", hint=hint) from None
        except httpx.InvalidURL as exc:
            raise UsageError(f"{shown}: {exc}") from None
        check_status(got.response, shown)
        return got

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def __enter__(self) -> TargetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_https(url: str) -> bool:
    return url[:8].lower() == "https://"


def check_status(response: httpx.Response, shown: str) -> None:
    """Exit 4 for 401/403, 3 for any other status >= 400, with the server's own words."""
    status = response.status_code
    if status < 400:
        return
    detail = error_detail(response)
    message = f"{shown} answered {status}" + (f": {detail}" if detail else "")
    if status in (401, 403):
        raise AuthError(message, hint="the target wants credentials obsctl was not given")
    raise BackendError(message, status=status)


# The one builder for ad-hoc URLs; keyword arguments as TargetClient's (see the module doc).
build_target_client = TargetClient
