"""TLS in one place: cached client contexts with the same defaults everywhere, the peer
certificate's expiry (public APIs only), and a socket wrapper for probes that speak TLS themselves.

Defaults: verification on, the system store plus certifi's CAs when no `ca_file` is given,
`insecure` turns both hostname and chain checks off. Building a context costs ~20 ms of CPU, so one
is built per distinct setting and shared (by backends, scrape targets and concurrent probes).
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
from calendar import timegm
from typing import Any

from obsctl.core.errors import ConfigError

_lock = threading.Lock()
_cache: dict[tuple[Any, ...], ssl.SSLContext] = {}


def tls_context(
    *,
    insecure: bool = False,
    ca_file: str | None = None,
    cert_file: str | None = None,
    key_file: str | None = None,
    where: str = "tls",
) -> ssl.SSLContext:
    """The shared client SSLContext for these settings; ConfigError (exit 2) naming `where` on a bad file."""
    key = (insecure, ca_file, cert_file, key_file)
    with _lock:
        ctx = _cache.get(key)
        if ctx is None:
            ctx = _build(insecure, ca_file, cert_file, key_file, where)
            _cache[key] = ctx
        return ctx


def untrusting_context() -> ssl.SSLContext:
    """For clients of plain-http URLs, which never make a TLS connection: verification on and no CA
    loaded, so if one ever did, it would fail closed. Costs microseconds, not the ~20 ms (plus
    importing certifi) of a real context."""
    global _untrusting
    if _untrusting is None:
        _untrusting = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return _untrusting


_untrusting: ssl.SSLContext | None = None


def check_tls_files(
    *, ca_file: str | None = None, cert_file: str | None = None, key_file: str | None = None, where: str = "tls"
) -> None:
    """Stat the files a `tls:` block names without loading them (for clients that never make a TLS
    connection); ConfigError (exit 2) with the same wording as a failed load in `tls_context`."""
    for path, message in (
        (ca_file, f"{where}.ca_file: cannot load {ca_file}"),
        (cert_file, f"{where}: cannot load client certificate {cert_file}"),
        (key_file, f"{where}: cannot load client certificate key {key_file}"),
    ):
        if not path:
            continue
        try:
            os.stat(os.path.expanduser(path))
        except OSError as exc:
            raise ConfigError(f"{message}: [Errno {exc.errno}] {exc.strerror}") from None


def _build(
    insecure: bool, ca_file: str | None, cert_file: str | None, key_file: str | None, where: str
) -> ssl.SSLContext:
    if insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        try:
            ctx = ssl.create_default_context(cafile=os.path.expanduser(ca_file) if ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"{where}.ca_file: cannot load {ca_file}: {exc}") from None
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
            raise ConfigError(f"{where}: cannot load client certificate {cert_file}: {exc}") from None
    return ctx


def peer_tls(sslobj: Any) -> tuple[str | None, float | None]:
    """(TLS version, certificate notAfter as a Unix time or None) of a connected ssl object.

    Works with verification off too: the certificate is read in DER form and decoded here.
    """
    if sslobj is None:
        return None, None
    version = sslobj.version()
    der = sslobj.getpeercert(True)  # positional: the low-level _SSLSocket takes no keywords
    return version, (cert_not_after(der) if der else None)


def cert_not_after(der: bytes) -> float | None:
    """A DER certificate's notAfter as a Unix time: via `cryptography` when installed, else a small
    DER walk of the fixed prefix of TBSCertificate; None when neither can read it."""
    try:
        from cryptography import x509
    except ImportError:
        return der_not_after(der)
    try:
        return float(x509.load_der_x509_certificate(der).not_valid_after_utc.timestamp())
    except ValueError:
        return der_not_after(der)


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at `pos`."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("truncated DER")
    return tag, pos, end


def der_not_after(der: bytes) -> float | None:
    """notAfter from Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
    serialNumber, signature, issuer, validity SEQUENCE { notBefore, notAfter } ... } ... }."""
    try:
        tag, pos, _ = _tlv(der, 0)
        if tag != 0x30:
            return None
        tag, pos, _ = _tlv(der, pos)  # tbsCertificate
        if tag != 0x30:
            return None
        tag, start, end = _tlv(der, pos)
        if tag == 0xA0:  # explicit version; then the serial number
            tag, start, end = _tlv(der, end)
        for _field in ("signature", "issuer"):
            tag, start, end = _tlv(der, end)
        tag, start, end = _tlv(der, end)  # validity
        if tag != 0x30:
            return None
        _, _, nb_end = _tlv(der, start)  # notBefore
        tag, start, end = _tlv(der, nb_end)
        return _asn1_time(tag, der[start:end].decode("ascii"))
    except (IndexError, ValueError, UnicodeDecodeError):
        return None


def _asn1_time(tag: int, text: str) -> float | None:
    """UTCTime (YYMMDDHHMMSSZ, RFC 5280 years 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSSZ)."""
    if not text.endswith("Z"):
        return None
    digits = text[:-1]
    if tag == 0x17 and len(digits) == 12:
        year = int(digits[:2])
        year += 1900 if year >= 50 else 2000
        rest = digits[2:]
    elif tag == 0x18 and len(digits) == 14:
        year, rest = int(digits[:4]), digits[4:]
    else:
        return None
    month, day, hour, minute, second = (int(rest[i : i + 2]) for i in range(0, 10, 2))
    return float(timegm((year, month, day, hour, minute, second, 0, 0, 0)))


class TLSFailure(Exception):
    """A TLS handshake failed; the message is one line for the user."""


def wrap_socket(
    sock: socket.socket, host: str, *, insecure: bool = False, ca_file: str | None = None
) -> socket.socket:
    """TLS over an already connected socket with the shared defaults (for tcp probes)."""
    ctx = tls_context(insecure=insecure, ca_file=ca_file)
    try:
        return ctx.wrap_socket(sock, server_hostname=host)
    except ssl.SSLError as exc:
        raise TLSFailure(f"TLS handshake failed: {exc.reason or exc}") from None
