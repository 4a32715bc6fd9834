"""The fake Jaeger query service answers api_v3 and v1 like the real versions do."""

# ruff: noqa: F811 - pytest fixtures are imported by name and then requested as arguments
from __future__ import annotations

import httpx
import pytest

from tests.fakes import FakeJaeger, fake_jaeger, load_fixture_traces, make_fake_jaeger  # noqa: F401

HOTROD = "2ea75461946a7dd10f2c15ab36a076cb"
WINDOW = {"query.startTimeMin": "2026-06-21T00:00:00Z", "query.startTimeMax": "2026-06-22T00:00:00Z"}


def test_v3_services_operations_and_trace(fake_jaeger):
    url = fake_jaeger.url
    services = httpx.get(url + "/api/v3/services")
    assert services.headers["content-type"] == "application/json"
    assert services.json() == {
        "services": ["customer", "driver", "frontend", "my.service", "mysql", "redis-manual", "route"]
    }
    ops = httpx.get(url + "/api/v3/operations", params={"service": "driver"}).json()
    assert ops == {"operations": [{"name": "driver.DriverService/FindNearest", "spanKind": "server"}]}
    trace = httpx.get(url + f"/api/v3/traces/{HOTROD}").json()["result"]["resourceSpans"]
    assert sum(len(ss["spans"]) for rs in trace for ss in rs["scopeSpans"]) == 40


def test_v3_search_params_and_404_no_traces(fake_jaeger):
    url = fake_jaeger.url + "/api/v3/traces"
    found = httpx.get(url, params={"query.serviceName": "driver", **WINDOW}).json()
    assert {
        s["traceId"]
        for rs in found["result"]["resourceSpans"]
        for ss in rs["scopeSpans"]
        for s in ss["spans"]
    } == {HOTROD}
    snake = httpx.get(
        url,
        params={
            "query.service_name": "driver",
            "query.start_time_min": WINDOW["query.startTimeMin"],
            "query.start_time_max": WINDOW["query.startTimeMax"],
        },
    )
    assert snake.status_code == 200
    none = httpx.get(url, params={"query.serviceName": "nobody", **WINDOW})
    assert (none.status_code, none.text) == (404, '{"error":{"httpCode":404,"message":"No traces found"}}\n')
    assert none.headers["content-type"] == "text/plain; charset=utf-8"
    assert none.headers["x-content-type-options"] == "nosniff"
    missing = httpx.get(url, params={"query.serviceName": "driver"})
    assert missing.status_code == 400
    assert missing.json() == {
        "error": {"httpCode": 400, "message": "query.start_time_min and query.start_time_max are required"}
    }
    slow = httpx.get(url, params={"query.serviceName": "driver", "query.durationMin": "1s", **WINDOW})
    assert slow.status_code == 404


def test_v1_trace_services_and_search(fake_jaeger):
    url = fake_jaeger.url
    services = httpx.get(url + "/api/services").json()
    assert services == {
        "data": ["customer", "driver", "frontend", "my.service", "mysql", "redis-manual", "route"],
        "total": 7,
        "limit": 0,
        "offset": 0,
        "errors": None,
    }
    trace = httpx.get(url + f"/api/traces/{HOTROD}").json()["data"][0]
    assert (trace["traceID"], len(trace["spans"]), len(trace["processes"])) == (HOTROD, 40, 6)
    error_span = next(s for s in trace["spans"] if s["spanID"] == "515f970d6a704d52")
    assert {"key": "error", "type": "bool", "value": True} in error_span["tags"]
    assert error_span["duration"] == 32552  # µs, from the OTLP nanos
    found = httpx.get(url + "/api/traces", params={"service": "mysql"}).json()
    assert ([t["traceID"] for t in found["data"]], found["total"]) == ([HOTROD], 0)
    assert httpx.get(url + "/api/traces", params={"service": "nobody"}).json()["data"] == []
    by_id = httpx.get(url + "/api/traces", params=[("traceID", HOTROD), ("traceID", "abc")]).json()
    assert by_id["errors"] == [{"msg": "trace not found", "traceID": "abc"}]
    ops = httpx.get(url + "/api/services/route/operations").json()
    assert ops["data"] == ["GET /route"]


def test_v1_errors_are_go_http_error_bodies(fake_jaeger):
    url = fake_jaeger.url
    missing = httpx.get(url + "/api/traces/00000000000000000000000000000009")
    assert missing.status_code == 404
    assert (
        missing.text
        == '{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]}\n'
    )
    no_service = httpx.get(url + "/api/traces")
    assert (no_service.status_code, no_service.json()["errors"][0]["msg"]) == (
        400,
        "parameter 'service' is required",
    )
    bad = httpx.get(
        url + "/api/traces", params={"service": "route", "minDuration": "2s", "maxDuration": "1s"}
    )
    assert bad.json()["errors"] == [
        {"code": 400, "msg": "'maxDuration' should be greater than 'minDuration'"}
    ]


@pytest.mark.parametrize(
    ("version", "v3", "v1_services", "v1_trace"),
    [("v1", 404, 200, 200), ("v2.20", 200, 200, 200), ("main", 200, 404, 200)],
)
def test_version_switch(make_fake_jaeger, version, v3, v1_services, v1_trace):
    fake = make_fake_jaeger(version, traces=load_fixture_traces())
    assert httpx.get(fake.url + "/api/v3/services").status_code == v3
    services = httpx.get(fake.url + "/api/services")
    assert services.status_code == v1_services
    if v1_services == 404:
        assert services.text == "404 page not found\n"
    assert httpx.get(fake.url + f"/api/traces/{HOTROD}").status_code == v1_trace
    ui = httpx.get(fake.url + "/search")
    assert (ui.status_code, ui.headers["content-type"]) == (200, "text/html; charset=utf-8")


def test_empty_store_and_main_v3_param_names(make_fake_jaeger):
    fake = make_fake_jaeger("main")
    assert httpx.get(fake.url + "/api/v3/services").json() == {}  # jsonpb omits the empty list
    missing = httpx.get(fake.url + "/api/v3/traces", params={"query.serviceName": "x"})
    assert missing.json()["error"]["message"] == "query.startTimeMin and query.startTimeMax are required"


def test_unknown_version_is_refused():
    with pytest.raises(ValueError, match="version must be one of v1, v2.20, main"):
        FakeJaeger("v3")
