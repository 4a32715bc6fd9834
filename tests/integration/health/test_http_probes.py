"""http probes against real local servers that answer 500, answer slowly, reset, close early, hang
and serve good, expired and self-signed certificates."""

from __future__ import annotations

from tests.integration.health.conftest import by_name
from tests.integration.health.targets import FAKE_TOKEN


def test_ok_with_json_condition_and_phases(run_health, target):
    result, doc = run_health(
        [
            {
                "name": "api",
                "http": {
                    "url": target.url("/ok"),
                    "expect_json": ['$.status == "ok"', '$.checks.db.status in ["ok", "up"]'],
                },
            }
        ]
    )
    assert result.exit_code == 0, result.output
    r = by_name(doc)["api"]
    assert r["status"] == "pass"
    assert r["summary"].startswith("200 OK in ")
    assert r["observed"]["http_status"] == 200
    assert r["observed"]["ip"] == "127.0.0.1"
    assert [a["check"] for a in r["assertions"]] == ["status", "json", "json"]
    assert r["assertions"][1]["observed"] == '$.status = "ok"'
    assert set(r["phases"]) == {
        "dns_ms",
        "connect_ms",
        "processing_ms",
        "transfer_ms",
        "first_byte_ms",
        "total_ms",
    }
    assert r["phases"]["total_ms"] >= r["phases"]["first_byte_ms"] >= r["phases"]["processing_ms"]


def test_500_fails_with_expected_observed_and_redacted_body(run_health, target):
    result, doc = run_health([{"name": "api", "http": {"url": target.url("/status/500")}}])
    assert result.exit_code == 1
    r = by_name(doc)["api"]
    assert r["status"] == "fail"
    assert r["summary"] == "status: expected 2xx, observed 500"
    assert FAKE_TOKEN not in result.stdout
    assert r["body_excerpt"] == '{"status": "down", "error": "database timeout", "token": "REDACTED"}'
    assert result.stderr.strip().splitlines()[-1] == "obsctl: error: 1 check failed: api"


def test_expected_status_set_accepts_500(run_health, target):
    result, doc = run_health(
        [{"name": "api", "http": {"url": target.url("/status/503"), "expect_status": [200, 503]}}]
    )
    assert result.exit_code == 0
    assert by_name(doc)["api"]["assertions"][0] == {
        "check": "status",
        "status": "pass",
        "expected": "200 or 503",
        "observed": "503",
    }


def test_slow_answer_over_max_latency_warns_then_fails(run_health, target):
    url = target.url("/slow?ms=400")
    result, doc = run_health(
        [
            {"name": "warned", "http": {"url": url, "max_latency": {"warn": "100ms", "fail": "3s"}}},
            {"name": "failed", "http": {"url": url, "max_latency": "200ms"}},
        ]
    )
    assert result.exit_code == 1
    res = by_name(doc)
    assert res["warned"]["status"] == "warn"
    assert res["warned"]["summary"].startswith("latency: expected below warn 100ms, fail 3000ms, observed ")
    assert res["failed"]["status"] == "fail"


def test_slow_beyond_timeout_is_cut(run_health, target):
    result, doc = run_health(
        [{"name": "slow", "timeout": "500ms", "http": {"url": target.url("/slow?ms=3000")}}]
    )
    r = by_name(doc)["slow"]
    assert result.exit_code == 1
    assert r["status"] == "fail"
    assert r["summary"] == "timed out (read) after 0.5s"


def test_dripping_body_is_cut_at_the_deadline(run_health, target):
    # Every byte arrives before the read timeout, so only the runner's deadline stops it.
    _result, doc = run_health([{"name": "drip", "timeout": "1s", "http": {"url": target.url("/drip")}}])
    r = by_name(doc)["drip"]
    assert r["status"] == "fail"
    assert r["summary"] == "timed out after 1s"
    assert r["duration_ms"] < 10_000


def test_hang_does_not_hold_other_probes(run_health, target):
    _result, doc = run_health(
        [
            {"name": "hang", "timeout": "1s", "http": {"url": target.url("/hang")}},
            {"name": "ok", "http": {"url": target.url("/ok")}},
        ]
    )
    res = by_name(doc)
    assert res["hang"]["status"] == "fail"
    assert res["hang"]["summary"] == "timed out (read) after 1s"
    assert res["ok"]["status"] == "pass"


def test_reset_and_close_before_headers(run_health, target):
    _result, doc = run_health(
        [
            {"name": "reset", "http": {"url": target.url("/reset")}},
            {"name": "close", "http": {"url": target.url("/close")}},
        ]
    )
    res = by_name(doc)
    assert res["reset"]["status"] == "fail"
    assert res["reset"]["error"].startswith("connection reset by peer")  # + the https:// hint
    assert res["close"]["status"] == "fail"
    assert res["close"]["error"].startswith("server closed the connection before sending a response")


def test_connection_refused(run_health):
    from tests.integration.servers import free_port

    _result, doc = run_health([{"name": "down", "http": {"url": f"http://127.0.0.1:{free_port()}/"}}])
    assert by_name(doc)["down"]["error"] == "connection refused"


def test_redirect_followed_and_counted(run_health, target):
    _result, doc = run_health([{"name": "r", "http": {"url": target.url("/redirect")}}])
    r = by_name(doc)["r"]
    assert r["status"] == "pass"
    assert r["observed"]["redirects"] == 1
    assert r["observed"]["final_url"] == target.url("/ok")


def test_redirect_not_followed_when_disabled(run_health, target):
    result, doc = run_health(
        [
            {
                "name": "r",
                "http": {"url": target.url("/redirect"), "follow_redirects": False, "expect_status": ["3xx"]},
            }
        ]
    )
    assert by_name(doc)["r"]["observed"]["http_status"] == 302
    assert result.exit_code == 0


def test_body_regex_and_json_condition_failures(run_health, target):
    _result, doc = run_health(
        [
            {"name": "re", "http": {"url": target.url("/degraded"), "expect_body": '"status":"ok"'}},
            {"name": "js", "http": {"url": target.url("/degraded"), "expect_json": '$.status == "ok"'}},
        ]
    )
    res = by_name(doc)
    assert res["re"]["summary"] == 'body: expected matches /"status":"ok"/, observed no match'
    assert res["js"]["summary"] == 'json: expected $.status == "ok", observed $.status = "degraded"'
    assert res["js"]["body_excerpt"] == '{"status":"degraded"}'


def test_valid_certificate_with_ca_file_reports_days_left(run_health, tls_targets, certs):
    url = tls_targets["valid"].url("/ok")
    result, doc = run_health(
        [
            {
                "name": "tls",
                "http": {"url": url, "ca_file": str(certs.ca_file), "cert_days": {"warn": 30, "fail": 7}},
            },
        ]
    )
    r = by_name(doc)["tls"]
    assert r["status"] == "warn"  # 20 days left: below the warn limit of 30
    assert 19 <= r["observed"]["cert_days_left"] <= 20
    assert r["observed"]["tls_version"].startswith("TLS")
    assert "tls_ms" in r["phases"]
    assert result.exit_code == 0
    strict = run_health(
        [{"name": "tls", "http": {"url": url, "ca_file": str(certs.ca_file), "cert_days": 30}}], "--strict"
    )[0]
    assert strict.exit_code == 1


def test_expired_and_self_signed_certificates_fail(run_health, tls_targets, certs):
    _result, doc = run_health(
        [
            {
                "name": "expired",
                "http": {"url": tls_targets["expired"].url("/ok"), "ca_file": str(certs.ca_file)},
            },
            {"name": "self-signed", "http": {"url": tls_targets["self_signed"].url("/ok")}},
            {
                "name": "insecure",
                "http": {"url": tls_targets["expired"].url("/ok"), "insecure": True, "cert_days": 1},
            },
        ]
    )
    res = by_name(doc)
    assert res["expired"]["error"] == "TLS certificate verification failed: certificate has expired"
    assert res["self-signed"]["error"] == (
        "TLS certificate verification failed: self-signed certificate;"
        " set ca_file to the CA that signed the server certificate"
    )
    # Verification off: the request works, and the expiry is still read from the certificate.
    assert res["insecure"]["observed"]["http_status"] == 200
    assert res["insecure"]["observed"]["cert_days_left"] < 0
    assert res["insecure"]["status"] == "fail"
    assert res["insecure"]["summary"].startswith("cert_days: expected more than fail 1 day, observed -")


def test_tcp_tls_probe_uses_the_shared_tls_defaults(run_health, tls_targets):
    # The tcp probe's TLS goes through core.tls (health imports no ssl): verification on by
    # default, `insecure: true` skips it.
    port = tls_targets["self_signed"].port
    _result, doc = run_health(
        [
            {"name": "strict", "tcp": {"address": f"127.0.0.1:{port}", "tls": True}},
            {"name": "lax", "tcp": {"address": f"127.0.0.1:{port}", "tls": True, "insecure": True}},
        ]
    )
    res = by_name(doc)
    assert res["strict"]["status"] == "fail"
    assert res["strict"]["error"].startswith("TLS handshake failed: CERTIFICATE_VERIFY_FAILED")
    assert res["lax"]["status"] == "pass", res["lax"]


def test_secret_header_from_env_is_sent_and_never_shown(run_health, target):
    result, doc = run_health(
        [
            {
                "name": "auth",
                "http": {
                    "url": target.url("/status/401"),
                    "headers": {"Authorization": {"env": "API_TOKEN"}},
                },
            }
        ],
        env={"API_TOKEN": f"Bearer {FAKE_TOKEN}"},
    )
    assert FAKE_TOKEN not in result.stdout + result.stderr
    assert by_name(doc)["auth"]["summary"] == "status: expected 2xx, observed 401"


def test_missing_secret_env_is_a_failed_probe(run_health, target):
    _result, doc = run_health(
        [
            {
                "name": "auth",
                "http": {"url": target.url("/ok"), "headers": {"Authorization": {"env": "NOPE_TOKEN"}}},
            }
        ]
    )
    assert (
        by_name(doc)["auth"]["error"]
        == "auth.http.headers.Authorization: environment variable NOPE_TOKEN is not set"
    )


def test_binary_body_is_sent_as_is_and_every_format_prints(run_health, target):
    probe = {
        "name": "raw",
        "http": {
            "url": target.url("/echo"),
            "method": "POST",
            "body": b"\x00\xffAB",  # yaml.safe_dump writes it as !!binary
            "expect_json": '$.received == "00ff4142"',
        },
    }
    result, doc = run_health([probe])
    assert result.exit_code == 0, result.output
    assert by_name(doc)["raw"]["status"] == "pass"
    for fmt in ("yaml", "table", "junit", "prometheus"):
        result, _ = run_health([probe], fmt=fmt)
        assert result.exit_code == 0, (fmt, result.output)
        assert "raw" in result.stdout


def test_header_values_httpx_cannot_send_exit_2_naming_the_header(run_health, target):
    result, _ = run_health(
        [{"name": "api", "http": {"url": target.url("/ok"), "headers": {"X-Key": "s3cr\u00e9t"}}}]
    )
    assert result.exit_code == 2
    assert "api).http.headers.X-Key: a non-ASCII character at position 5" in result.stderr
    assert "s3cr" not in result.stderr
    result, _ = run_health([{"name": "api", "http": {"url": target.url("/ok"), "headers": {"X Key": "v"}}}])
    assert result.exit_code == 2
    assert "'X Key' is not a valid HTTP header name" in result.stderr


def test_unsendable_secret_header_from_env_fails_the_probe_naming_it(run_health, target):
    _result, doc = run_health(
        [{"name": "auth", "http": {"url": target.url("/ok"), "headers": {"X-Key": {"env": "K"}}}}],
        env={"K": "a\nb"},
    )
    assert by_name(doc)["auth"]["error"].startswith(
        "auth.http.headers.X-Key: a line break or control character"
    )
