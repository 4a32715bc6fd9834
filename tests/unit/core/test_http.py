"""The shared HTTP layer: auth kinds, secrets never shown, retries, error mapping."""

from __future__ import annotations

import io
import time

import httpx
import pytest

from obsctl.core.errors import AuthError, BackendError, ConfigError, ExitCode, UnreachableError
from obsctl.core.http import RetryTransport, build_client, parse_retry_after, redact_url
from obsctl.core.settings import load_settings

SECRET = "s3cr3t-value-XYZ"


def client_for(tmp_path, backend_yaml: str, handler, env=None, debug=True):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"current-context: t\ncontexts:\n  t:\n    prometheus:\n{backend_yaml}")
    full_env = {"OBSCTL_CONFIG": str(cfg), **(env or {})}
    settings = load_settings(full_env)
    err = io.StringIO()
    client = build_client(
        settings.backend("prometheus"),  # type: ignore[arg-type]
        context=settings.context,
        env=full_env,
        debug=debug,
        stderr=err,
        transport=httpx.MockTransport(handler),
        sleep=lambda _s: None,
    )
    return client, err


AUTH_CASES = {
    "basic-inline": ("      auth: {basic: {username: bob, password: %s}}\n" % SECRET, {}),
    "basic-env": ("      auth: {basic: {username: bob, password_env: PW}}\n", {"PW": SECRET}),
    "basic-file": ("      auth: {basic: {username: bob, password_file: FILE}}\n", {}),
    "bearer-inline": ("      auth: {bearer: {token: %s}}\n" % SECRET, {}),
    "bearer-file": ("      auth: {bearer: {token_file: FILE}}\n", {}),
    "bearer-env": ("      auth: {bearer: {token_env: TOK}}\n", {"TOK": SECRET}),
    "api-key": ("      auth: {api_key: {key: %s}}\n" % SECRET, {}),
    "secret-header": ("      headers: {X-Api-Token: {env: TOK}}\n", {"TOK": SECRET}),
    "credential-named-header": ("      headers: {X-Auth-Token: %s}\n" % SECRET, {}),
    "password-in-url": ("", {}),
}


@pytest.mark.parametrize("case", sorted(AUTH_CASES))
def test_each_auth_kind_is_sent_and_never_logged(tmp_path, case):
    block, env = AUTH_CASES[case]
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    block = block.replace("FILE", str(secret_file))
    url = f"http://bob:{SECRET}@prom.test:9090" if case == "password-in-url" else "http://prom.test:9090"
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            401 if "fail" in request.url.path else 200, json={"status": "success", "data": []}
        )

    client, err = client_for(tmp_path, f"      url: {url}\n{block}", handler, env)
    client.get_json(f"/api/v1/labels?token={SECRET}")
    with pytest.raises(AuthError) as auth_err:
        client.get_json("/fail")
    sent = "\n".join(f"{k}: {v}" for k, v in seen[0].headers.items())
    import base64

    assert SECRET in sent or base64.b64encode(f"bob:{SECRET}".encode()).decode() in sent
    logged = err.getvalue()
    assert "> GET http://" in logged and "< 200 GET" in logged
    assert SECRET not in logged
    assert SECRET not in auth_err.value.message and SECRET not in (auth_err.value.hint or "")
    assert "REDACTED" in logged


def test_token_file_is_reread_on_every_request(tmp_path):
    token = tmp_path / "token"
    token.write_text("first")
    seen = []

    def handler(request):
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={})

    client, _ = client_for(
        tmp_path, f"      url: http://p:1\n      auth: {{bearer: {{token_file: {token}}}}}\n", handler
    )
    client.get_json("/a")
    token.write_text("second\n")
    client.get_json("/b")
    assert seen == ["Bearer first", "Bearer second"]


def test_missing_secret_env_is_a_config_error(tmp_path):
    client, _ = client_for(
        tmp_path,
        "      url: http://p:1\n      auth: {bearer: {token_env: NOPE}}\n",
        lambda r: httpx.Response(200),
    )
    with pytest.raises(ConfigError, match="environment variable NOPE is not set"):
        client.get_json("/a")


def test_user_agent_and_extra_headers(tmp_path):
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={})

    client, _ = client_for(
        tmp_path, "      url: http://p:1\n      headers: {X-Scope-OrgID: team-a}\n", handler
    )
    client.get_json("/x")
    assert seen[0].headers["User-Agent"].startswith("obsctl/")
    assert seen[0].headers["X-Scope-OrgID"] == "team-a"


def test_401_and_403_exit_4_with_a_hint_naming_the_setting(tmp_path):
    client, _ = client_for(
        tmp_path, "      url: http://p:1\n", lambda r: httpx.Response(403, text="forbidden")
    )
    with pytest.raises(AuthError) as err:
        client.get_json("/x")
    assert err.value.exit_code == ExitCode.AUTH
    assert "access denied" in err.value.message and "403" in err.value.message
    assert (
        err.value.hint
        == "set contexts.t.prometheus.auth (basic, bearer or api_key) or OBSCTL_PROMETHEUS_TOKEN"
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"status": "error", "errorType": "bad_data", "error": "1:5: parse error: unexpected"},
            "bad_data: 1:5: parse error: unexpected",
        ),
        (
            {"error": {"type": "index_not_found_exception", "reason": "no such index [x]"}},
            "index_not_found_exception: no such index [x]",
        ),
        ({"code": 400, "message": "bad matcher"}, "bad matcher"),
        ("silence not found", "silence not found"),
        ({"errors": [{"code": 400, "msg": "trace id"}]}, "trace id"),
    ],
)
def test_backend_errors_carry_the_server_message(tmp_path, body, detail):
    client, _ = client_for(tmp_path, "      url: http://p:1\n", lambda r: httpx.Response(400, json=body))
    with pytest.raises(BackendError) as err:
        client.get_json("/x")
    assert err.value.exit_code == ExitCode.BACKEND
    assert err.value.message.endswith(f"answered 400: {detail}")
    assert "(context t)" in err.value.message


def test_malformed_body_is_exit_3(tmp_path):
    client, _ = client_for(
        tmp_path, "      url: http://p:1\n", lambda r: httpx.Response(200, text="<html>oops")
    )
    with pytest.raises(BackendError, match="malformed response .*not JSON.*<html>oops"):
        client.get_json("/x")


@pytest.mark.parametrize("status", [200, 500])
def test_json_nested_beyond_the_decoder_is_exit_3(tmp_path, status):
    # A misbehaving server's 100k-deep JSON: RecursionError escaped as exit 70 (found with the guard).
    deep = "[" * 100_000 + "]" * 100_000
    client, _ = client_for(tmp_path, "      url: http://p:1\n", lambda r: httpx.Response(status, text=deep))
    with pytest.raises(BackendError) as err:
        client.get_json("/x")
    assert err.value.exit_code == ExitCode.BACKEND
    assert ("JSON nested too deeply" if status == 200 else "answered 500: [[[") in err.value.message


@pytest.mark.parametrize(
    ("backend_yaml", "env", "message"),
    [
        ("      headers: {X-Team: \u00e9quipe}\n", {}, "prometheus.headers.X-Team: a non-ASCII character at position 1"),
        ("", {"OBSCTL_PROMETHEUS_TENANT": "t\u00e9"}, "OBSCTL_PROMETHEUS_TENANT: a non-ASCII character at position 2"),
        ("", {"OBSCTL_PROMETHEUS_TOKEN": "abc\u2026"}, "OBSCTL_PROMETHEUS_TOKEN: a non-ASCII character at position 4"),
        ("      auth: {bearer: {token_env: T}}\n", {"T": "a\nb"}, "T: a line break or control character"),
        ("      auth: {api_key: {key: \"k\\r\"}}\n", {}, "auth.api_key: a line break or control character"),
    ],
)
def test_header_values_http_cannot_carry_are_exit_2(tmp_path, backend_yaml, env, message):
    # Found with the guard: httpx's UnicodeEncodeError on a non-ASCII token or tenant (exit 70).
    with pytest.raises(ConfigError) as err:  # plain headers when the client is built, secrets per request
        client, _ = client_for(
            tmp_path, "      url: http://p:1\n" + backend_yaml, lambda r: pytest.fail("no request sent"), env=env
        )
        client.get_json("/x")
    assert message in err.value.message and err.value.exit_code == ExitCode.USAGE
    assert "\u00e9" not in err.value.message and "\u2026" not in err.value.message  # a secret is not echoed


def test_retries_idempotent_on_503_then_succeeds(tmp_path):
    calls = []

    def handler(request):
        calls.append(request.method)
        return httpx.Response(503 if len(calls) < 3 else 200, json={"ok": True})

    client, _ = client_for(tmp_path, "      url: http://p:1\n      retries: 2\n", handler)
    assert client.get_json("/x") == {"ok": True}
    assert calls == ["GET", "GET", "GET"]


def test_post_is_not_retried_unless_marked_idempotent(tmp_path):
    calls = []

    def handler(request):
        calls.append(request.method)
        return httpx.Response(503, json={"message": "down"})

    client, _ = client_for(tmp_path, "      url: http://p:1\n      retries: 3\n", handler)
    with pytest.raises(BackendError):
        client.post_json("/x", json={})
    assert calls == ["POST"]
    calls.clear()
    with pytest.raises(BackendError):
        client.request("POST", "/api/v1/query", data={"query": "up"}, idempotent=True)
    assert calls == ["POST"] * 4


def test_retry_after_is_honoured():
    sleeps: list[float] = []
    responses = iter([httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200)])
    transport = RetryTransport(httpx.MockTransport(lambda r: next(responses)), retries=2, sleep=sleeps.append)
    with httpx.Client(transport=transport) as c:
        assert c.get("http://x/").status_code == 200
    assert sleeps == [3.0]


def test_backoff_is_jittered_exponential():
    sleeps: list[float] = []
    transport = RetryTransport(
        httpx.MockTransport(lambda r: httpx.Response(502)), retries=3, sleep=sleeps.append
    )
    with httpx.Client(transport=transport) as c:
        assert c.get("http://x/").status_code == 502
    assert len(sleeps) == 3
    for attempt, delay in enumerate(sleeps):
        base = 0.2 * 2**attempt
        assert base / 2 <= delay <= base


def test_parse_retry_after_http_date():
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))
    assert 55 < (parse_retry_after(future) or 0) <= 60
    assert parse_retry_after("soon") is None


def test_redact_url():
    assert redact_url("https://u:pw@h/x?api_key=1&q=up") == "https://u:REDACTED@h/x?api_key=REDACTED&q=up"
    assert redact_url("http://h:9090/api") == "http://h:9090/api"


def test_unreachable_is_exit_5_naming_url_and_context(tmp_path):
    def handler(request):
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client, _ = client_for(tmp_path, "      url: http://p:1\n      retries: 0\n", handler)
    with pytest.raises(UnreachableError) as err:
        client.get_json("/x")
    assert err.value.exit_code == ExitCode.UNREACHABLE
    assert err.value.message == "cannot reach prometheus at http://p:1 (context t): connection refused"
    assert "contexts.t.prometheus.url" in (err.value.hint or "")


def test_the_http_layer_leaves_httpxs_command_line_client_unimported():
    # httpx imports its CLI (click, rich, pygments: ~45 ms) when they are installed; obsctl skips it.
    import subprocess
    import sys

    code = (
        "import sys, obsctl.core.target, obsctl.core.http, httpx\n"
        "print(sorted(m for m in ('click', 'pygments', 'rich', 'httpx._main') if sys.modules.get(m)))\n"
        "print(callable(httpx.main))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "True"]
