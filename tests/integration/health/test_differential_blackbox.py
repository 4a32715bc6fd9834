"""Differential test: for the same HTTP targets, obsctl's verdict equals the blackbox exporter's
`probe_success` (both with a 1 s timeout, IPv4, redirects followed, 2xx expected)."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request

from tests.integration.health.conftest import by_name


def blackbox_success(blackbox_url: str, module: str, target: str) -> bool:
    query = urllib.parse.urlencode({"module": module, "target": target})
    with urllib.request.urlopen(f"{blackbox_url}/probe?{query}", timeout=10) as resp:  # noqa: S310 - loopback
        text = resp.read().decode()
    match = re.search(r"^probe_success (\d)", text, re.M)
    assert match, text
    return match.group(1) == "1"


CASES = [
    # (name, server, path, obsctl http options, blackbox module, expected verdict)
    ("ok", "plain", "/ok", {}, "http_2xx", True),
    ("redirect", "plain", "/redirect", {}, "http_2xx", True),
    ("status-500", "plain", "/status/500", {}, "http_2xx", False),
    ("status-404", "plain", "/nope", {}, "http_2xx", False),
    ("slow-beyond-timeout", "plain", "/slow?ms=2500", {}, "http_2xx", False),
    ("reset", "plain", "/reset", {}, "http_2xx", False),
    ("close-before-headers", "plain", "/close", {}, "http_2xx", False),
    ("hang", "plain", "/hang", {}, "http_2xx", False),
    ("tls-valid-ca", "valid", "/ok", {"ca_file": "CA"}, "http_ca", True),
    ("tls-unknown-ca", "valid", "/ok", {}, "http_2xx", False),
    ("tls-expired", "expired", "/ok", {"ca_file": "CA"}, "http_ca", False),
    ("tls-self-signed", "self_signed", "/ok", {}, "http_2xx", False),
    ("tls-self-signed-insecure", "self_signed", "/ok", {"insecure": True}, "http_insecure", True),
]


def test_obsctl_agrees_with_blackbox(run_health, target, tls_targets, certs, health_blackbox):
    servers = {"plain": target, **tls_targets}
    probes = []
    for name, server, path, extra, _module, _expected in CASES:
        http = {"url": servers[server].url(path)}
        http.update({k: (str(certs.ca_file) if v == "CA" else v) for k, v in extra.items()})
        probes.append({"name": name, "timeout": "1s", "http": http})
    result, doc = run_health(probes)
    assert result.exit_code == 1
    obsctl = {name: r["status"] != "fail" for name, r in by_name(doc).items()}
    seen = {
        name: (obsctl[name], blackbox_success(health_blackbox.url, module, servers[server].url(path)))
        for name, server, path, _extra, module, _expected in CASES
    }
    want = {name: (expected, expected) for name, *_rest, expected in CASES}
    assert seen == want
