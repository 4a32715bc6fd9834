"""PromClient over the shared layer: the envelope, POST with GET fallback, and error mapping."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import pytest

from obsctl.core.errors import AuthError, BackendError, UnreachableError, UsageError
from obsctl.core.http import build_client
from obsctl.core.settings import BackendSettings, HeaderValue
from obsctl.metrics.client import PromClient, QueryParams, promql_error_message


def make(handler, **settings_kw) -> PromClient:
    settings = BackendSettings(name="prometheus", url="http://prom.test:9090", retries=0, **settings_kw)
    api = build_client(
        settings, context="ctx", env={}, transport=httpx.MockTransport(handler), sleep=lambda _s: None
    )
    return PromClient(api)


def ok(data, **extra) -> httpx.Response:
    return httpx.Response(200, json={"status": "success", "data": data, **extra})


def test_query_posts_a_form_and_returns_data_warnings_and_infos():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({"resultType": "vector", "result": []}, warnings=["w1"], infos=["i1"])

    res = make(handler).query("up", 1767322800.5, QueryParams(timeout="30s", limit=5, stats=True))
    (req,) = seen
    assert req.method == "POST"
    assert req.url.path == "/api/v1/query"
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(req.content.decode()) == {
        "query": ["up"],
        "time": ["1767322800.5"],
        "timeout": ["30s"],
        "limit": ["5"],
        "stats": ["all"],
    }
    assert res.data == {"resultType": "vector", "result": []}
    assert res.warnings == ("w1",) and res.infos == ("i1",)


def test_long_expressions_travel_in_the_body_not_the_url():
    expr = "sum(" + " + ".join(f'up{{job="job-{i}"}}' for i in range(600)) + ")"
    assert len(expr) > 10_000
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({"resultType": "matrix", "result": []})

    make(handler).query_range(expr, 100, 200, 10)
    assert seen[0].url.query == b""
    assert parse_qs(seen[0].content.decode())["query"] == [expr]


def test_get_fallback_when_the_server_refuses_post():
    methods = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        if request.method == "POST":
            return httpx.Response(405, text="Method Not Allowed")
        assert request.url.params["query"] == 'up{job="a b"}'
        return ok({"resultType": "vector", "result": []})

    make(handler).query('up{job="a b"}', None)
    assert methods == ["POST", "GET"]


def test_series_sends_repeated_match_params():
    def handler(request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        assert form == {"match[]": ["up", 'go_info{job="x"}'], "start": ["10"], "end": ["20"]}
        return ok([{"__name__": "up"}])

    assert make(handler).series(["up", 'go_info{job="x"}'], 10, 20).data == [{"__name__": "up"}]


def test_label_values_escapes_the_name_in_the_path():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET"
        assert request.url.raw_path == b"/api/v1/label/__name__/values?match%5B%5D=up"
        return ok(["up"])

    assert make(handler).label_values("__name__", ["up"], None, None).data == ["up"]


def test_path_prefix_and_tenant_header_for_mimir():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/prometheus/api/v1/query"
        assert request.headers["X-Scope-OrgID"] == "team-a"
        return ok({"resultType": "vector", "result": []})

    prom = make(
        handler, options={"path_prefix": "/prometheus"}, headers={"X-Scope-OrgID": HeaderValue("team-a")}
    )
    prom.query("up", None)


def test_syntax_error_is_a_usage_error_with_the_position_marked():
    body = {
        "status": "error",
        "errorType": "bad_data",
        "error": "invalid parameter \"query\": 1:9: parse error: unexpected right parenthesis ')'",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json=body)

    with pytest.raises(UsageError) as err:
        make(handler).query("sum(rate)) by (job)", None)
    assert err.value.exit_code == 2
    assert err.value.message == (
        "bad PromQL: 1:9: parse error: unexpected right parenthesis ')'\n  sum(rate)) by (job)\n          ^"
    )


def test_caret_on_the_right_line_of_a_multi_line_expression():
    msg = promql_error_message("2:5: parse error: unexpected identifier", "sum(\n  up x\n)")
    assert msg == "bad PromQL: 2:5: parse error: unexpected identifier\n    up x\n      ^"


def test_too_many_points_from_the_server_is_a_usage_error_with_a_hint():
    body = {
        "status": "error",
        "errorType": "bad_data",
        "error": "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
    }
    with pytest.raises(UsageError) as err:
        make(lambda r: httpx.Response(400, json=body)).query_range("up", 0, 100000, 1)
    assert err.value.hint == "use a larger --step or a shorter window"


def test_execution_error_is_a_backend_error_with_the_servers_words():
    body = {
        "status": "error",
        "errorType": "execution",
        "error": "found duplicate series for the match group",
    }
    with pytest.raises(BackendError) as err:
        make(lambda r: httpx.Response(422, json=body)).query("a / on() b", None)
    assert err.value.exit_code == 3
    assert err.value.message == (
        "prometheus at http://prom.test:9090/api/v1/query (context ctx) answered 422 execution: "
        "found duplicate series for the match group"
    )


def test_auth_refusal_maps_to_exit_4():
    with pytest.raises(AuthError) as err:
        make(lambda r: httpx.Response(401, text="Unauthorized")).query("up", None)
    assert err.value.exit_code == 4
    assert (
        err.value.hint
        == "set contexts.ctx.prometheus.auth (basic, bearer or api_key) or OBSCTL_PROMETHEUS_TOKEN"
    )


def test_a_proxy_html_page_is_a_backend_error():
    with pytest.raises(BackendError) as err:
        make(lambda r: httpx.Response(502, text="<html>Bad Gateway</html>")).query("up", None)
    assert "answered 502: <html>Bad Gateway</html>" in err.value.message


def test_success_without_an_envelope_is_a_backend_error():
    with pytest.raises(BackendError) as err:
        make(lambda r: httpx.Response(200, json=["not", "an", "envelope"])).buildinfo()
    assert "unexpected body (no success envelope)" in err.value.message


def test_not_json_at_all():
    with pytest.raises(BackendError) as err:
        make(lambda r: httpx.Response(200, text="hello")).buildinfo()
    assert "returned a malformed response (HTTP 200, not JSON): hello" in err.value.message


def test_connection_refused_is_unreachable():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    with pytest.raises(UnreachableError) as err:
        make(handler).query("up", None)
    assert (
        err.value.message
        == "cannot reach prometheus at http://prom.test:9090 (context ctx): connection refused"
    )


def test_large_bodies_decode_with_orjson_and_gc_restored():
    import gc

    result = [{"metric": {"i": str(i)}, "values": [[1, "1"]] * 50} for i in range(2000)]
    payload = json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}})
    assert len(payload) > 256 * 1024
    res = make(lambda r: httpx.Response(200, content=payload.encode())).query_range("x", 0, 1, 1)
    assert len(res.data["result"]) == 2000
    assert gc.isenabled()
