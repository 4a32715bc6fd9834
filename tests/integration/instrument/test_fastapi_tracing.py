"""The generated FastAPI tracing, run in a subprocess with the real SDK and an in-memory exporter.

Unsampled requests skip the OpenTelemetry middleware (tracing.unsampled_context); these tests hold
that shortcut to the SDK's own behaviour: the same requests are sampled, unsampled requests still
carry a trace id, a caller's traceparent is followed either way, and each kept request has exactly
one server span (FastAPI's native telemetry stays off beside the official middleware).
"""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.integration.instrument.conftest import run_python

PROBE = """
import json, sys
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from shop.main import app
from shop.observability import tracing

@app.get("/boom")
def boom() -> dict:
    raise RuntimeError("boom")

exporter = InMemorySpanExporter()
tracing.setup_tracing().add_span_processor(SimpleSpanProcessor(exporter))

import os
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

class XParent(TextMapPropagator):  # a non-W3C propagator: `x-parent: <trace id>:<span id>`, sampled
    def extract(self, carrier, context=None, getter=None):
        context = context if context is not None else Context()
        values = getter.get(carrier, "x-parent")
        if not values:
            return context
        trace_id, span_id = values[0].split(":")
        parent = trace.SpanContext(int(trace_id, 16), int(span_id, 16), is_remote=True,
                                   trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED))
        return trace.set_span_in_context(trace.NonRecordingSpan(parent), context)
    def inject(self, carrier, context=None, setter=None):
        pass
    @property
    def fields(self):
        return {"x-parent"}

client0 = TestClient(app)
client0.get("/items/0")  # the shortcut has seen the default propagator before the app replaces it
if os.environ.get("PROBE_X_PARENT"):
    propagate.set_global_textmap(CompositePropagator([TraceContextTextMapPropagator(), XParent()]))
    client0.get("/items/9", headers={"x-parent": "3af7651916cd43dd8448eb211c80319c:e7ad6b7169203331"})
    exporter.clear()
client = TestClient(app, raise_server_exceptions=False)
requests = []
for i in range(200):
    client.get(f"/items/{i}")
kept_id, kept_parent = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
dropped_id, dropped_parent = "1af7651916cd43dd8448eb211c80319c", "c7ad6b7169203331"
client.get("/items/7", headers={"traceparent": f"00-{kept_id}-{kept_parent}-01"})
client.get("/items/8", headers={"traceparent": f"00-{dropped_id}-{dropped_parent}-00"})
boom_id = "2af7651916cd43dd8448eb211c80319c"
client.get("/boom", headers={"traceparent": f"00-{boom_id}-d7ad6b7169203331-01"})
client.get("/health/ready"); client.get("/metrics/")
client.request("FOO", "/items/1")
behind_proxy = TestClient(app, root_path="/api")
proxied = {"live": behind_proxy.get("/api/health/live").status_code, "item": behind_proxy.get("/api/items/3").status_code}
metrics = client.get("/metrics").text
spans = [{"name": s.name, "trace_id": format(s.context.trace_id, "032x"), "kind": s.kind.name,
          "parent": format(s.parent.span_id, "016x") if s.parent else None,
          "attributes": dict(s.attributes), "status": s.status.status_code.name,
          "scope": s.instrumentation_scope.name} for s in exporter.get_finished_spans()]
print("PROBE" + json.dumps({"spans": spans, "metrics": metrics, "proxied": proxied}))
"""


def _run(root, env: dict[str, str]):
    proc = run_python(root, "-c", textwrap.dedent(PROBE), env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(next(x for x in proc.stdout.splitlines() if x.startswith("PROBE"))[5:])
    access = [json.loads(x) for x in proc.stdout.splitlines()
              if x.startswith("{") and '"logger": "shop.observability.access"' in x]
    _run.proxied = out["proxied"]  # type: ignore[attr-defined]
    return out["spans"], out["metrics"], access


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    from typer.testing import CliRunner

    from obsctl.cli import app as cli_app
    from tests.integration.instrument import samples

    root = samples.build(tmp_path_factory.mktemp("shop"), "fastapi-pep621")
    result = CliRunner().invoke(cli_app, ["instrument", "init", str(root), "--no-ops", "--sample-ratio", "0.5"])
    assert result.exit_code == 0, result.output
    return root


def _kept_by_ratio(trace_id: str, ratio: float) -> bool:
    from opentelemetry.sdk.trace.sampling import TraceIdRatioBased

    return int(trace_id, 16) & TraceIdRatioBased.TRACE_ID_LIMIT < TraceIdRatioBased.get_bound_for_rate(ratio)


@pytest.mark.slow
@pytest.mark.parametrize("env", [{}, {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"}],
                         ids=["generated-default", "env-sampler"])
def test_ratio_sampling_keeps_exactly_what_the_sdk_would(shop, env):
    spans, metrics, access = _run(shop, env)
    roots = [a for a in access if a["path"].startswith("/items/")][:200]  # the 200 requests without a parent
    assert all(a.get("trace_id") for a in roots), "every request, sampled or not, logs its trace id"
    assert len({a["trace_id"] for a in roots}) == 200
    server = {s["trace_id"] for s in spans if s["kind"] == "SERVER"}
    expected = {a["trace_id"] for a in roots if _kept_by_ratio(a["trace_id"], 0.5)}
    assert {a["trace_id"] for a in roots} & server == expected
    assert 60 < len(expected) < 140


@pytest.mark.slow
def test_callers_traceparent_is_followed_and_one_server_span_per_request(shop):
    spans, metrics, access = _run(shop, {})
    kept = [s for s in spans if s["trace_id"] == "0af7651916cd43dd8448eb211c80319c"]
    assert len(kept) == 1, f"expected one span (no FastAPI native or send/receive spans), got {kept}"
    span = kept[0]
    assert span["name"] == "GET /items/{item_id}" and span["kind"] == "SERVER"
    assert span["attributes"]["http.route"] == "/items/{item_id}"
    assert span["parent"] == "b7ad6b7169203331"
    assert span["scope"] == "opentelemetry.instrumentation.asgi"

    assert not [s for s in spans if s["trace_id"] == "1af7651916cd43dd8448eb211c80319c"], "unsampled parent"
    dropped = next(a for a in access if a["trace_id"] == "1af7651916cd43dd8448eb211c80319c")
    assert dropped["span_id"] not in ("c7ad6b7169203331", "0" * 16), "a new span id, as the SDK gives"
    kept_log = next(a for a in access if a["trace_id"] == "0af7651916cd43dd8448eb211c80319c")
    assert kept_log["route"] == "/items/{item_id}"


@pytest.mark.slow
def test_unhandled_exception_is_one_error_span_and_a_counted_500(shop):
    spans, metrics, _ = _run(shop, {})
    boom = [s for s in spans if s["trace_id"] == "2af7651916cd43dd8448eb211c80319c"]
    assert len(boom) == 1
    assert boom[0]["status"] == "ERROR" and boom[0]["name"] == "GET /boom"
    assert boom[0]["attributes"].get("http.status_code") == 500
    assert 'http_requests_total{method="GET",route="/boom",status="500"} 1.0' in metrics


@pytest.mark.slow
def test_probes_are_not_traced_and_invented_methods_do_not_make_series(shop):
    spans, metrics, _ = _run(shop, {})
    assert not [s for s in spans if "health" in s["name"] or "metrics" in s["name"]]
    assert 'route="/health' not in metrics and 'route="/metrics' not in metrics
    assert 'method="_OTHER"' in metrics and 'method="FOO"' not in metrics
    assert _run.proxied == {"live": 200, "item": 200}, "probes must answer behind a proxy's root_path"  # type: ignore[attr-defined]


@pytest.mark.slow
def test_always_on_sampler_traces_every_request_through_the_middleware(shop):
    spans, _, access = _run(shop, {"OTEL_TRACES_SAMPLER": "parentbased_always_on"})
    items = [a for a in access if a["path"].startswith("/items/")]
    server = [s for s in spans if s["kind"] == "SERVER"]
    assert len({s["trace_id"] for s in server}) == len(server), "one server span per trace"
    assert {a["trace_id"] for a in items} - {"1af7651916cd43dd8448eb211c80319c"} <= {s["trace_id"] for s in server}


@pytest.mark.slow
def test_a_propagator_reading_other_headers_is_asked_for_every_request(shop):
    spans, _, access = _run(shop, {"PROBE_X_PARENT": "1", "OTEL_TRACES_SAMPLER_ARG": "0"})
    followed = [a for a in access if a.get("trace_id") == "3af7651916cd43dd8448eb211c80319c"]
    assert len(followed) == 1 and followed[0]["path"] == "/items/9", "the x-parent header made the parent"
    roots = [a for a in access if a["path"].startswith("/items/")]
    assert all(a.get("trace_id") for a in roots)
