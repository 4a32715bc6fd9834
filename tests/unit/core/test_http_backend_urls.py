"""Backend URLs with a path prefix and/or a query keep both on every API call, for every backend;
redirects on API calls are followed only within the same origin (noted in --debug), others exit 3."""

from __future__ import annotations

import io

import httpx
import pytest

from obsctl.core.errors import BackendError, ExitCode
from obsctl.core.http import build_client
from obsctl.core.settings import BACKENDS, load_settings


def client(backend: str, url: str, handler, debug: bool = False):
    env = {f"OBSCTL_{backend.upper()}_URL": url}
    settings = load_settings(env)
    err = io.StringIO()
    api = build_client(
        settings.backend(backend),  # type: ignore[arg-type]
        context=None,
        env=env,
        debug=debug,
        stderr=err,
        transport=httpx.MockTransport(handler),
        sleep=lambda _s: None,
    )
    return api, err


def recorder(seen: list[httpx.Request], body: object = None):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body if body is not None else {"status": "success", "data": {}})

    return handler


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://127.0.0.1:9090/?api_key=X", "http://127.0.0.1:9090/api/x?api_key=X&q=1"),
        ("https://host/prom/?tenant=a", "https://host/prom/api/x?tenant=a&q=1"),
        ("https://host/prom", "https://host/prom/api/x?q=1"),
    ],
)
def test_prefix_and_query_survive_for_every_backend(backend, base, expected):
    seen: list[httpx.Request] = []
    api, _ = client(backend, base, recorder(seen))
    api.get_json("/api/x", params={"q": "1"})
    api.post_json("/api/x", data={"q": "1"})
    assert str(seen[0].url) == expected
    assert str(seen[1].url) == expected.replace("&q=1", "").replace("?q=1", "")
    assert seen[1].content == b"q=1"


def test_prometheus_query_keeps_the_api_key_and_debug_redacts_it(run_cli):
    seen: list[httpx.Request] = []
    body = {"status": "success", "data": {"resultType": "vector", "result": []}}
    result = run_cli(
        ["--debug", "metrics", "query", "up", "-o", "json"],
        env={"OBSCTL_PROMETHEUS_URL": "http://127.0.0.1:9090/?api_key=SeCrEt1"},
        transport=httpx.MockTransport(recorder(seen, body)),
    )
    assert result.exit_code == 0, result.output
    assert seen[0].url.path == "/api/v1/query"
    assert seen[0].url.params["api_key"] == "SeCrEt1"
    assert "SeCrEt1" not in result.stderr
    assert "/api/v1/query?api_key=REDACTED" in result.stderr


def redirecting(location: str, status: int = 301):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/status/buildinfo":
            return httpx.Response(status, headers={"Location": location})
        return httpx.Response(
            200, json={"status": "success", "data": {"version": "2.42.0"}, "p": request.url.path}
        )

    return handler


def test_same_origin_redirect_is_followed_with_a_debug_note():
    api, err = client(
        "prometheus", "http://prom.test:9090", redirecting("/prom/api/v1/status/buildinfo"), True
    )
    assert api.get_json("/api/v1/status/buildinfo")["p"] == "/prom/api/v1/status/buildinfo"
    assert (
        "obsctl: debug: following same-origin redirect (301) to http://prom.test:9090/prom/" in err.getvalue()
    )


@pytest.mark.parametrize(
    "location",
    ["https://prom.test:9090/api/v1/status/buildinfo", "http://other.test/api/v1/status/buildinfo?token=T0k"],
)
def test_cross_origin_redirect_is_exit_3_with_the_location(location):
    api, _ = client("prometheus", "http://prom.test:9090", redirecting(location, 302))
    with pytest.raises(BackendError) as err:
        api.get_json("/api/v1/status/buildinfo")
    assert err.value.exit_code == ExitCode.BACKEND
    shown = location.replace("T0k", "REDACTED")
    assert err.value.message == (
        f"prometheus at http://prom.test:9090/api/v1/status/buildinfo redirected (302) to {shown}; "
        "API calls follow redirects only within the same scheme, host and port"
    )
    assert err.value.hint == "if the API moved, set OBSCTL_PROMETHEUS_URL to the new address"


def test_redirect_loop_within_the_origin_stops():
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("n", "0"))
        return httpx.Response(307, headers={"Location": f"/loop?n={n + 1}"})

    api, _ = client("alertmanager", "http://am.test:9093", handler)
    with pytest.raises(BackendError, match="redirected more than 5 times"):
        api.get("/loop")


def test_cli_reports_a_redirect_to_the_ui_instead_of_a_malformed_response(run_cli):
    result = run_cli(
        ["metrics", "query", "up"],
        env={"OBSCTL_PROMETHEUS_URL": "http://prom.test:9090"},
        transport=httpx.MockTransport(
            lambda r: httpx.Response(302, headers={"Location": "https://sso.example/login"}, content=b"")
        ),
    )
    assert result.exit_code == 3, result.output
    assert "redirected (302) to https://sso.example/login" in result.stderr
    assert "malformed" not in result.stderr


def test_base_url_shown_in_messages_is_redacted():
    api, _ = client("prometheus", "https://host/prom/?api_key=K3y&tenant=a", recorder([]))
    assert api.base_url == "https://host/prom/?api_key=REDACTED&tenant=a"
    assert api.display_url("/-/ready") == "https://host/prom/-/ready?api_key=REDACTED&tenant=a"
