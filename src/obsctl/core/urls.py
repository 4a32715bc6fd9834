"""URLs in one place: validation (exit 2, naming where the URL came from), joining API paths onto a
base that has a path prefix or a query, redaction, and which proxy a request goes through.

Every URL a user can give — a backend's `url` (context key, `OBSCTL_<BACKEND>_URL`, `--url`), a probe's
`url`, a `metrics scrape` target — goes through `validate_url`, so `http://[::1`, `:99999` and a
missing scheme or host read the same everywhere.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from obsctl.core.errors import ConfigError

REDACTED = "REDACTED"
# The one rule for "this name carries a credential": header names, query parameters, config keys.
# Signed URLs carry theirs as `X-Amz-Signature`, `X-Goog-Signature`, `sig` (Azure SAS) or `key` (Google).
SECRET_WORDS = r"auth|token|secret|passw|api[-_]?key|cookie|session|credential|signature|(?<![a-z])(?:sig|key)(?![a-z])"
SECRET_NAME = re.compile(f"({SECRET_WORDS})", re.I)
HTTP_SCHEMES = ("http", "https")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CONTROL_CHAR = re.compile(r"[\x00-\x1f\x7f]")
MAX_URL_LENGTH = 65_536  # httpx's limit
_IPV4_STYLE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$")  # httpx reads these as IPv4 only
_BAD_HOST_CHARS = re.compile(r"[\s/\\?#@<>\"'`{}|^]|[\x00-\x1f\x7f]")


def is_secret_name(name: str) -> bool:
    """True when a header, query parameter or key name looks like it carries a credential."""
    return SECRET_NAME.search(name) is not None


def validate_url(
    url: str,
    where: str,
    *,
    schemes: tuple[str, ...] = HTTP_SCHEMES,
    example: str = "http://127.0.0.1:9090",
) -> str:
    """The URL stripped of surrounding blanks, or ConfigError (exit 2) naming `where` and the problem.

    `where` is what the user set: a flag (`--url`), an env var (`OBSCTL_PROMETHEUS_URL`) or a file key
    (`contexts.prod.prometheus.url`); empty when the caller names it (click names a flag itself).
    """
    text = str(url).strip()
    hint = f"expected e.g. {example}"
    shown = safe_redact_url(text)
    at = f"{where}: " if where else ""
    bad = f"{at}not a URL: {shown!r}"
    if not text:
        raise ConfigError(f"{at}empty URL", hint=hint)
    control = _CONTROL_CHAR.search(text)
    if control is not None:  # httpx refuses them anywhere in a URL
        raise ConfigError(f"{bad}: a control character at position {control.start() + 1}", hint=hint)
    if len(text) > MAX_URL_LENGTH:
        raise ConfigError(f"{at}URL longer than {MAX_URL_LENGTH:,} characters", hint=hint)
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise ConfigError(f"{bad}: {_split_problem(exc)}", hint=hint) from None
    if "://" not in text or not parts.scheme:
        raise ConfigError(bad, hint=hint)
    if parts.scheme.lower() not in schemes:
        kind = "an http(s) URL" if schemes == HTTP_SCHEMES else f"a {'/'.join(schemes)} URL"
        raise ConfigError(f"{at}not {kind}: {shown!r}", hint=hint)
    host = parts.hostname
    if not host:
        raise ConfigError(f"{bad}: no host", hint=hint)
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise ConfigError(f"{bad}: invalid IPv6 address [{host}]", hint=hint) from None
    elif _BAD_HOST_CHARS.search(host):
        raise ConfigError(f"{bad}: invalid host {host!r}", hint=hint)
    else:
        problem = _host_problem(host)
        if problem is not None:
            raise ConfigError(f"{bad}: {problem}", hint=hint)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise ConfigError(f"{bad}: port out of range (1-65535)", hint=hint)
    return text


def _host_problem(host: str) -> str | None:
    """What the HTTP client or the resolver would reject in a host name, as they would see it.

    httpx checks dotted-quad hosts as IPv4 and IDNA-encodes non-ASCII names (decoding `xn--` ones
    for display); the resolver refuses empty labels and labels over 63 characters.
    """
    if _IPV4_STYLE.match(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return f"invalid IPv4 address {host!r}"
        return None
    if not host.isascii() or host.startswith("xn--"):
        import idna

        try:
            host = idna.decode(host) if host.isascii() else idna.encode(host.lower()).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return f"invalid international host name {host!r}"
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:  # a trailing dot: the DNS root
        labels.pop()
    if any(not label or len(label) > 63 for label in labels):
        return f"invalid host {host!r}: an empty label or one over 63 characters"
    return None


def _split_problem(exc: ValueError) -> str:
    text = str(exc)
    if "Invalid IPv6 URL" in text:
        return "unbalanced '[' or ']' around an IPv6 address"
    if "does not appear to be an IPv4 or IPv6 address" in text:
        return f"invalid IPv6 address ({text})"
    return text


def join_url(base: str, path: str) -> str:
    """`path` (which may carry its own `?query`) under `base`, keeping base's path prefix and query.

    `join_url("https://h/prom/?tenant=a", "/api/v1/query")` is `https://h/prom/api/v1/query?tenant=a`.
    An absolute `path` is returned as it is.
    """
    if path.startswith(("http://", "https://")):
        return path
    b = urlsplit(base)
    p = urlsplit(path)
    joined = b.path.rstrip("/") + "/" + p.path.lstrip("/")
    query = "&".join(q for q in (b.query, p.query) if q)
    return urlunsplit((b.scheme, b.netloc, joined, query, ""))


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with default ports filled in, for same-origin checks."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def same_origin(a: str, b: str) -> bool:
    return origin(a) == origin(b)


def redact_url(url: object) -> str:
    """Drop passwords in userinfo and values of secret-looking query parameters."""
    parts = urlsplit(str(url))
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", f":{REDACTED}@", 1)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_name(k) for k, _ in pairs):
            query = urlencode([(k, REDACTED if is_secret_name(k) else v) for k, v in pairs])
    return SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment).geturl()


def safe_redact_url(url: str) -> str:
    """`redact_url` for text that may not even parse (an error message must never leak a secret)."""
    try:
        return redact_url(url)
    except ValueError:
        text = re.sub(r"(://[^:/@\s]*:)[^@/\s]*@", rf"\g<1>{REDACTED}@", url)
        return re.sub(rf"(({SECRET_WORDS})[^=&\s]*=)[^&\s]*", rf"\g<1>{REDACTED}", text, flags=re.I)


def proxy_for(url: str, explicit: str | None, env: Mapping[str, str]) -> str | None:
    """The proxy a request to `url` goes through: `explicit` (a `proxy_url` setting) if set, else the
    environment (`http_proxy`/`https_proxy`/`all_proxy`, lower case first, minus `no_proxy`).

    As Go's ProxyFromEnvironment does (Prometheus, the blackbox exporter), loopback targets never use
    an environment proxy.
    """
    if explicit:
        return explicit
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host or _is_loopback(host) or _no_proxy(host, parts.port, env):
        return None
    for key in (f"{scheme}_proxy", "all_proxy"):
        value = env.get(key) or env.get(key.upper())
        if value:
            return value if "://" in value else f"http://{value}"
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _no_proxy(host: str, port: int | None, env: Mapping[str, str]) -> bool:
    """curl's NO_PROXY rules: `*`, exact host, domain suffix (with or without a leading dot), CIDR."""
    spec = env.get("no_proxy") or env.get("NO_PROXY") or ""
    for raw in spec.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, want_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if want_port and port is not None and want_port != str(port):
            continue
        name = name.strip("[]").lstrip(".")
        if host == name or host.endswith("." + name):
            return True
        try:
            if ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False):
                return True
        except ValueError:
            continue
    return False
