"""One wording for transport failures (httpx and requests alike), TLS contexts shared per setting,
and certificate expiry read without CPython's test helper (cryptography, else a DER walk)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from obsctl.core.errors import ConfigError
from obsctl.core.http_errors import describe_error, printable_excerpt
from obsctl.core.tls import cert_not_after, der_not_after, tls_context

PROXY = "http://user:pw@proxy.test:3128"


@pytest.mark.parametrize(
    ("exc", "kwargs", "reason", "hint"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), {}, "connection refused", None),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            {"proxy": PROXY},
            "the proxy http://user:REDACTED@proxy.test:3128 refused the connection",
            "check proxy_url (or HTTP_PROXY/HTTPS_PROXY/NO_PROXY in the environment)",
        ),
        (httpx.ProxyError("502 Bad Gateway"), {"proxy": PROXY}, "answered 502 to CONNECT", "check proxy_url"),
        (
            httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"),
            {},
            "TLS handshake failed: the server does not speak TLS on this port",
            "use http:// instead of https:// for this port",
        ),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            {"url": "http://h:9093"},
            "server closed the connection before sending a response",
            "if this port speaks TLS, use https:// instead of http://",
        ),
        (
            httpx.ConnectError(
                "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)"
            ),
            {},
            "TLS certificate verification failed: self-signed certificate",
            "set ca_file to the CA that signed the server certificate",
        ),
        (httpx.ReadTimeout("timed out"), {"timeout": 2.0}, "timed out (read) after 2s", None),
        (httpx.ConnectError("[Errno -2] Name or service not known"), {}, "unknown host", None),
    ],
)
def test_describe_error_wording(exc, kwargs, reason, hint):
    info = describe_error(exc, **kwargs)
    assert reason in info.reason
    assert (info.hint or None) == hint or (hint and info.hint and info.hint.startswith(hint))
    assert "_ssl.c" not in info.reason and "pw@" not in info.reason


def test_requests_errors_read_the_same():
    import requests
    exc = requests.exceptions.ProxyError("Unable to connect to proxy: [Errno 111] Connection refused")
    assert describe_error(exc, proxy="http://p:1").reason == "the proxy http://p:1 refused the connection"
    assert describe_error(exc).reason == "the proxy refused the connection"


def test_printable_excerpt_of_binary():
    text = printable_excerpt(b"\x1f\x8b\x08\x00garbage\xff\xfe" + b"x" * 500)
    assert text.startswith("\\x1f\\x8b\\x08\\x00garbage\\xff\\xfe")
    assert text.isprintable() and len(text) <= 80 and text.endswith("…")


def test_tls_context_is_shared_per_setting_and_bad_files_are_usage_errors(tmp_path):
    assert tls_context() is tls_context()
    assert tls_context(insecure=True) is not tls_context()
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigError, match=r"^api\.http\.ca_file: cannot load "):
        tls_context(ca_file=str(bad), where="api.http")


@pytest.fixture(scope="module")
def der_certs():
    import trustme
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    out = []
    for years in (1, 40):  # 2049 and before: UTCTime; 2050 and after: GeneralizedTime
        ca = trustme.CA()
        cert = ca.issue_cert(
            "localhost", not_after=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=365 * years)
        )
        pem = cert.cert_chain_pems[0].bytes()
        parsed = x509.load_pem_x509_certificate(pem)
        out.append((parsed.public_bytes(Encoding.DER), parsed.not_valid_after_utc.timestamp()))
    return out


def test_der_walk_matches_cryptography(der_certs):
    for der, expected in der_certs:
        assert der_not_after(der) == expected
        assert cert_not_after(der) == expected


def test_der_walk_rejects_garbage():
    assert der_not_after(b"") is None
    assert der_not_after(b"\x30\x82\xff\xff\x30") is None
    assert der_not_after(b"not der at all") is None


def _backend(url: str, tls: dict[str, str]):
    from obsctl.core.settings_model import BackendSettings, parse_tls

    return BackendSettings(name="jaeger", url=url, tls=parse_tls(tls, "jaeger.tls"))


def test_plain_http_backends_skip_the_tls_context_but_check_its_files(tmp_path, monkeypatch):
    """An http base URL never makes a TLS connection (API redirects stay same-origin), so its client
    must not pay for the real context; a `tls:` file that does not exist is still exit 2."""
    import ssl

    import obsctl.core.tls as tls_mod
    from obsctl.core.http import backend_ssl

    def refuse(*_a: object, **_k: object) -> ssl.SSLContext:
        raise AssertionError("the real TLS context was built for a plain-http backend")

    monkeypatch.setattr(tls_mod, "_build", refuse)
    monkeypatch.setattr(tls_mod, "_cache", {})
    unloadable = tmp_path / "ca.pem"
    unloadable.write_text("not a certificate")  # exists: fine until the URL becomes https
    ctx = backend_ssl(_backend("http://127.0.0.1:16686", {"ca_file": str(unloadable)}), "jaeger.tls")
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname and not ctx.get_ca_certs()
    for tls, match in (
        ({"ca_file": str(tmp_path / "nope.pem")}, r"^jaeger\.tls\.ca_file: cannot load .*nope\.pem: .*No such file"),
        (
            {"cert_file": str(tmp_path / "c.pem"), "key_file": str(unloadable)},
            r"^jaeger\.tls: cannot load client certificate .*c\.pem: .*No such file",
        ),
        (
            {"cert_file": str(unloadable), "key_file": str(tmp_path / "k.pem")},
            r"^jaeger\.tls: cannot load client certificate key .*k\.pem: .*No such file",
        ),
    ):
        with pytest.raises(ConfigError, match=match) as err:
            backend_ssl(_backend("http://127.0.0.1:16686", tls), "jaeger.tls")
        assert err.value.exit_code == 2


def test_https_backends_load_the_tls_files_as_before(tmp_path):
    from obsctl.core.http import backend_ssl

    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigError, match=r"^jaeger\.tls\.ca_file: cannot load .*ca\.pem: ") as err:
        backend_ssl(_backend("HTTPS://jaeger.example:443", {"ca_file": str(bad)}), "jaeger.tls")
    assert err.value.exit_code == 2
    assert backend_ssl(_backend("https://jaeger.example", {}), "jaeger.tls") is tls_context()
