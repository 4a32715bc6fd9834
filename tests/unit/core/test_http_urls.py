"""core/urls.py: one URL validator (exit 2 naming where the URL came from), joins that keep a path
prefix and query, the proxy rule, redaction that survives unparseable URLs."""

from __future__ import annotations

import pytest

from obsctl.core.errors import ConfigError, ExitCode
from obsctl.core.urls import join_url, proxy_for, safe_redact_url, same_origin, validate_url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://[::1", "OBSCTL_PROMETHEUS_URL: not a URL: 'http://[::1': unbalanced '[' or ']'"),
        (
            "http://127.0.0.1:99999",
            "OBSCTL_PROMETHEUS_URL: not a URL: 'http://127.0.0.1:99999': port out of range",
        ),
        ("http://127.0.0.1:0/", "port out of range (1-65535)"),
        ("http://h:port/", "port out of range"),
        ("127.0.0.1:9090", "OBSCTL_PROMETHEUS_URL: not a URL: '127.0.0.1:9090'"),
        ("http://:9090", "OBSCTL_PROMETHEUS_URL: not a URL: 'http://:9090': no host"),
        ("http://[fe80::zz]:1/", "invalid IPv6 address"),
        ("http://exa mple.com/", "invalid host 'exa mple.com'"),
        ("ftp://h/", "OBSCTL_PROMETHEUS_URL: not an http(s) URL: 'ftp://h/'"),
        ("", "OBSCTL_PROMETHEUS_URL: empty URL"),
        # what httpx or the resolver refuse (found by the guard: exit 70 "internal error")
        ("http://999.1.1.1/", "not a URL: 'http://999.1.1.1/': invalid IPv4 address '999.1.1.1'"),
        ("http://\u00bb/", "invalid international host name '\u00bb'"),
        ("http://xn--a:1/", "invalid international host name 'xn--a'"),
        ("http://a..b:1/", "invalid host 'a..b': an empty label or one over 63 characters"),
        (f"http://{'a' * 64}.example/", "an empty label or one over 63 characters"),
        ("https://h/#a\x03b", "a control character at position 13"),
        ("http://h/?q=\x7f", "a control character at position 13"),
        ("http://h/" + "a" * 70_000, "OBSCTL_PROMETHEUS_URL: URL longer than 65,536 characters"),
    ],
)
def test_invalid_urls_are_usage_errors_naming_the_source(url, message):
    with pytest.raises(ConfigError) as err:
        validate_url(url, "OBSCTL_PROMETHEUS_URL")
    assert err.value.exit_code == ExitCode.USAGE
    assert message in err.value.message
    assert "\n" not in err.value.message


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9090",
        "https://[::1]:9443/prom/?tenant=a",
        "http://h/?api_key=X",
        " http://h:1 ",
        "http://b\u00fccher.example:1/",
        "http://xn--bcher-kva.example:1/",
        "http://localhost.:9090/",
        f"http://{'a' * 63}.example/",
    ],
)
def test_valid_urls_pass(url):
    assert validate_url(url, "x") == url.strip()


def test_secret_in_an_unparseable_url_is_still_redacted():
    with pytest.raises(ConfigError) as err:
        validate_url("http://bob:hunter2@[::1/?token=abc", "--url")
    assert "hunter2" not in err.value.message and "abc" not in err.value.message
    assert safe_redact_url("http://[::1/?api_key=k1") == "http://[::1/?api_key=REDACTED"


@pytest.mark.parametrize(
    ("base", "path", "joined"),
    [
        ("http://127.0.0.1:9090/?api_key=X", "/api/v1/query", "http://127.0.0.1:9090/api/v1/query?api_key=X"),
        ("https://host/prom/?tenant=a", "/api/v1/query", "https://host/prom/api/v1/query?tenant=a"),
        ("https://host/prom", "api/v2/alerts?active=true", "https://host/prom/api/v2/alerts?active=true"),
        ("https://host/es?x=1", "/_search?size=2", "https://host/es/_search?x=1&size=2"),
        ("http://h", "/", "http://h/"),
    ],
)
def test_join_keeps_prefix_and_query(base, path, joined):
    assert join_url(base, path) == joined


def test_same_origin_fills_default_ports():
    assert same_origin("http://H/a", "http://h:80/b")
    assert not same_origin("http://h/a", "https://h/a")
    assert not same_origin("http://h:9090/", "http://h:9091/")


def test_proxy_rule():
    env = {"HTTPS_PROXY": "http://p:3128", "http_proxy": "p2:8080", "NO_PROXY": "internal.example,10.0.0.0/8"}
    assert proxy_for("https://api.example/", None, env) == "http://p:3128"
    assert proxy_for("http://api.example/", None, env) == "http://p2:8080"
    assert proxy_for("https://svc.internal.example/", None, env) is None
    assert proxy_for("http://10.1.2.3/", None, env) is None
    # Loopback never goes through an environment proxy (as Go's ProxyFromEnvironment), an explicit one does.
    assert proxy_for("http://127.0.0.1:9090/", None, env) is None
    assert proxy_for("http://localhost:9090/", None, env) is None
    assert proxy_for("http://127.0.0.1:9090/", "http://explicit:1", env) == "http://explicit:1"
    assert proxy_for("http://api.example/", None, {"NO_PROXY": "*", "HTTP_PROXY": "http://p:1"}) is None


def test_signed_url_parameters_are_secrets():
    from obsctl.core.urls import is_secret_name, redact_url

    url = "http://h/p?X-Amz-Signature=s1&sig=s2&key=s3&X-Goog-Signature=s4&monkey=m&signal=n&keys=k&sv=1"
    assert redact_url(url) == (
        "http://h/p?X-Amz-Signature=REDACTED&sig=REDACTED&key=REDACTED&X-Goog-Signature=REDACTED"
        "&monkey=m&signal=n&keys=k&sv=1"
    )
    assert safe_redact_url("http://[::1/?sig=s2&key=s3&monkey=m") == "http://[::1/?sig=REDACTED&key=REDACTED&monkey=m"
    assert is_secret_name("X-Api-Key") and not is_secret_name("Keep-Alive") and not is_secret_name("design")
