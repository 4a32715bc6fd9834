"""`obsctl traces` against the fake Jaeger in its three behaviours (v1 only, v2.20, main after #9260),
serving traces made by the real OpenTelemetry SDK beside the upstream fixtures."""

# ruff: noqa: F811 - pytest fixtures are imported by name and then requested as arguments
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tests.fakes import Fault, load_fixture_traces, make_fake_jaeger  # noqa: F401 - pytest fixture
from tests.fakes.sdk_traces import checkout_trace, trace_id_of

VERSIONS = ("v1", "v2.20", "main")
NOW = datetime(2026, 1, 1, 0, 30, tzinfo=timezone.utc)  # the SDK traces start at 2026-01-01T00:00Z
HOTROD = "2ea75461946a7dd10f2c15ab36a076cb"


@pytest.fixture
def jaeger(make_fake_jaeger, request):
    doc = checkout_trace()
    fake = make_fake_jaeger(request.param, traces=[doc, checkout_trace(), *load_fixture_traces()])
    fake.sdk_trace_id = trace_id_of(doc)
    return fake


def run(run_cli, fake, *args, **kw):
    return run_cli(["traces", *args], env={"OBSCTL_JAEGER_URL": fake.url}, now=lambda: NOW, **kw)


@pytest.mark.parametrize("jaeger", VERSIONS, indirect=True)
def test_get_renders_the_sdk_trace_on_every_version(run_cli, jaeger):
    result = run(run_cli, jaeger, "get", jaeger.sdk_trace_id.upper(), "--critical-path")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        f"trace {jaeger.sdk_trace_id}  frontend GET /checkout  1.30s  9 spans  5 services  1 errors"
    )
    assert "◆│  ├─ pricing GetPrice" in result.stdout
    assert " │  └─ cart GetCart" in result.stdout  # concurrent and shorter: not on the path
    assert lines[-1] == (
        "diagnosis: slowest: pricing-db SELECT prices, 774ms of its own time is on the critical path (60% of 1.30s)"
        " | 1 error span, cause: pricing GetPrice gave up waiting on pricing-db SELECT prices"
    )
    paths = [r.path for r in jaeger.requests]
    if jaeger.version == "v1":
        assert paths == [f"/api/v3/traces/{jaeger.sdk_trace_id}", f"/api/traces/{jaeger.sdk_trace_id}"]
    else:
        assert paths == [f"/api/v3/traces/{jaeger.sdk_trace_id}"]


@pytest.mark.parametrize("jaeger", ["v1"], indirect=True)
def test_capability_is_cached_per_context(run_cli, jaeger):
    for _ in range(2):
        assert run(run_cli, jaeger, "get", HOTROD, "-o", "json").exit_code == 0
    assert [r.path for r in jaeger.requests] == [
        f"/api/v3/traces/{HOTROD}",
        f"/api/traces/{HOTROD}",
        f"/api/traces/{HOTROD}",
    ]


@pytest.mark.parametrize("jaeger", VERSIONS, indirect=True)
def test_unknown_trace_id_exits_3_naming_it(run_cli, jaeger):
    result = run(run_cli, jaeger, "get", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[0] == (
        f"obsctl: error: trace 0af7651916cd43dd8448eb211c80319c not found in jaeger at {jaeger.url}"
    )


@pytest.mark.parametrize("jaeger", ["main"], indirect=True)
def test_streamed_chunks_are_merged(run_cli, jaeger):
    whole = json.loads(run(run_cli, jaeger, "get", HOTROD, "-o", "json").stdout)
    jaeger.stream_chunks = 7
    chunked = json.loads(run(run_cli, jaeger, "get", HOTROD, "-o", "json").stdout)
    assert chunked == whole
    assert chunked["span_count"] == 40
    jaeger.stream_error = "storage: context deadline exceeded"
    failed = run(run_cli, jaeger, "get", HOTROD)
    assert failed.exit_code == 3
    assert "failed mid-answer: storage: context deadline exceeded" in failed.stderr


@pytest.mark.parametrize("jaeger", ["main"], indirect=True)
def test_text_plain_server_errors_carry_the_server_message(run_cli, jaeger):
    body = b'{"error":{"httpCode":500,"message":"elasticsearch: connection refused"}}\n'
    jaeger.inject(Fault(status=500, body=body, headers=[("Content-Type", "text/plain; charset=utf-8")]))
    result = run(run_cli, jaeger, "get", HOTROD)
    assert result.exit_code == 3
    assert "answered 500: elasticsearch: connection refused" in result.stderr


@pytest.mark.parametrize("jaeger", VERSIONS, indirect=True)
def test_search_newest_first_with_tags(run_cli, jaeger):
    result = run(run_cli, jaeger, "search", "--service", "frontend", "-o", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 2
    assert [r["root_operation"] for r in rows] == ["GET /checkout"] * 2
    assert rows[0]["spans"] == 9 and rows[0]["errors"] == 1
    tagged = run(
        run_cli,
        jaeger,
        "search",
        "-s",
        "pricing",
        "--tag",
        "error=true",
        "--min-duration",
        "500ms",
        "-o",
        "json",
    )
    assert tagged.exit_code == 0, tagged.output
    assert len(json.loads(tagged.stdout)) == 2
    none = run(run_cli, jaeger, "search", "-s", "frontend", "--tag", "user.id=7")
    assert (none.exit_code, none.stdout) == (0, "")
    assert "no traces of frontend in the last 1h" in none.stderr
    paths = {r.path for r in jaeger.requests}
    if jaeger.version == "v1":
        assert "/api/traces" in paths
    else:  # v2.19+: summaries computed by Jaeger, no spans downloaded
        assert "/api/v3/trace-summaries" in paths and "/api/v3/traces" not in paths
        assert "/api/traces" not in paths
    assert rows[0]["services"] == ["cart", "frontend", "mailer", "pricing", "pricing-db"]


@pytest.mark.parametrize("jaeger", VERSIONS, indirect=True)
def test_services_and_operations(run_cli, jaeger):
    services = run(run_cli, jaeger, "services")
    assert services.exit_code == 0
    assert services.stdout.splitlines()[:3] == ["cart", "customer", "driver"]
    ops = run(run_cli, jaeger, "operations", "pricing", "-o", "json")
    assert json.loads(ops.stdout) == [{"operation": "GetPrice", "span_kind": "server"}]
    empty = run(run_cli, jaeger, "operations", "nosuch")
    assert (empty.exit_code, empty.stdout) == (0, "")


@pytest.mark.parametrize("jaeger", VERSIONS, indirect=True)
def test_deps_table_and_tree(run_cli, jaeger):
    jaeger.dependencies = [
        {"parent": "frontend", "child": "cart", "callCount": 3},
        {"parent": "frontend", "child": "pricing", "callCount": 5},
        {"parent": "pricing", "child": "pricing-db", "callCount": 5},
    ]
    table = run(run_cli, jaeger, "deps")
    assert table.stdout.splitlines() == [
        "frontend\tpricing\t5",
        "frontend\tcart\t3",
        "pricing\tpricing-db\t5",
    ]
    tree = run(run_cli, jaeger, "deps", "-o", "tree")
    assert tree.stdout.splitlines() == [
        "frontend",
        "├─ pricing (5 calls)",
        "│  └─ pricing-db (5 calls)",
        "└─ cart (3 calls)",
    ]
    (req,) = [r for r in jaeger.requests if r.path == "/api/dependencies"][:1]
    assert req.param("lookback") == str(86_400_000)


@pytest.mark.parametrize("jaeger", ["v2.20"], indirect=True)
def test_output_formats(run_cli, jaeger):
    doc = json.loads(run(run_cli, jaeger, "get", jaeger.sdk_trace_id, "-o", "json", "--summary").stdout)
    assert doc["diagnosis"]["findings"][1]["kind"] == "gave_up"
    price = next(s for s in doc["spans"] if s["operation"] == "GetPrice")
    assert doc["diagnosis"]["findings"][1]["span_id"] == price["span_id"]
    assert price["critical"] and price["status"] == "error"
    assert doc["summary"][0] == {
        "service": "pricing-db",
        "operation": "SELECT prices",
        "count": 1,
        "errors": 0,
        "self_ms": 774.0,
        "total_ms": 774.0,
        "critical_ms": 774.0,
    }
    otlp = json.loads(run(run_cli, jaeger, "get", jaeger.sdk_trace_id, "-o", "otlp").stdout)
    assert sum(len(ss["spans"]) for rs in otlp["resourceSpans"] for ss in rs["scopeSpans"]) == 9
    v1 = json.loads(run(run_cli, jaeger, "get", jaeger.sdk_trace_id, "-o", "jaeger").stdout)
    assert len(v1["data"][0]["spans"]) == 9
    tsv = run(run_cli, jaeger, "get", jaeger.sdk_trace_id, "-o", "tsv").stdout.splitlines()
    assert tsv[0].split("\t")[:4] == ["span", "parent", "service", "operation"]
    plain = run(run_cli, jaeger, "get", jaeger.sdk_trace_id).stdout
    assert "\x1b[" not in plain and "█" not in plain
    bars = run(run_cli, jaeger, "get", jaeger.sdk_trace_id, "--bars", "--depth", "2").stdout
    assert "█" in bars and "SELECT prices" not in "".join(bars.splitlines()[:-1])
    assert "(4 of 9 spans hidden" in bars


@pytest.mark.parametrize("jaeger", ["v2.20"], indirect=True)
@pytest.mark.parametrize(
    "args",
    [["get", HOTROD], ["search", "-s", "frontend"], ["services"], ["operations", "frontend"], ["deps"]],
)
def test_every_verb_reports_storage_errors_with_exit_3(run_cli, jaeger, args):
    body = b'{"error":{"httpCode":500,"message":"storage: connection refused"}}\n'
    jaeger.inject(
        Fault(status=500, body=body, headers=[("Content-Type", "text/plain; charset=utf-8")], times=None)
    )
    result = run(run_cli, jaeger, *args)
    assert result.exit_code == 3, result.output
    assert "answered 500: storage: connection refused" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("jaeger", ["v2.20", "main"], indirect=True)
def test_api_v3_before_2_19_gets_tags_through_v1_or_filters_here(run_cli, jaeger):
    no_route = [("Content-Type", "text/plain; charset=utf-8")]
    jaeger.inject(
        Fault(
            status=404,
            body=b"404 page not found\n",
            headers=no_route,
            path="/api/v3/trace-summaries",
            times=None,
        )
    )
    result = run(run_cli, jaeger, "search", "-s", "pricing", "--tag", "db.system=postgresql", "-o", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 0  # db.system is on pricing-db's span, not pricing's
    result = run(run_cli, jaeger, "search", "-s", "pricing-db", "--tag", "db.system=postgresql", "-o", "json")
    assert [r["spans"] for r in json.loads(result.stdout)] == [9, 9]
    searches = [r for r in jaeger.requests if r.path in ("/api/traces", "/api/v3/traces")]
    if jaeger.version == "v2.20":  # the v1 search takes tags
        assert {r.path for r in searches} == {"/api/traces"}
    else:  # v1 search is gone (tried once, then known): api_v3 without query.attributes, filtered here
        assert [r.path for r in searches].count("/api/traces") == 1
        v3 = [r for r in searches if r.path == "/api/v3/traces"]
        assert len(v3) == 2 and all(r.param("query.attributes") is None for r in v3)
