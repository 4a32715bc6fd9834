"""What `instrument check` reads from the app: the request counter, and spans through the traces receiver."""

from __future__ import annotations

import pytest

from obsctl.core.errors import UsageError


def test_check_receives_real_sdk_spans_through_the_traces_receiver():
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from obsctl.instrument.check import start_receiver

    receiver = start_receiver()
    try:
        provider = TracerProvider(resource=Resource.create({"service.name": "svc-a"}))
        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=receiver.endpoint + "/v1/traces")))
        with provider.get_tracer("t").start_as_current_span("GET /items") as span:
            ctx = span.get_span_context()
        provider.shutdown()
        spans = receiver.spans()
    finally:
        receiver.stop()
    assert [(s.service, s.trace_id) for s in spans] == [("svc-a", format(ctx.trace_id, "032x"))]


def test_without_opentelemetry_proto_check_says_how_to_install_it(monkeypatch):
    import obsctl.traces.receiver as rx
    from obsctl.instrument.check import start_receiver

    monkeypatch.setattr(rx, "proto_available", lambda: False)
    with pytest.raises(UsageError) as err:
        start_receiver()
    assert err.value.hint == "install it: pip install 'obsctl[otlp]'"


def test_counter_total_handles_braces_in_route_labels_and_skips_probes():
    from obsctl.instrument.check import counter_total

    text = (
        '# TYPE http_requests_total counter\n'
        'http_requests_total{method="GET",route="/items/{item_id}",status="200"} 3.0\n'
        'http_requests_total{method="GET",route="<unmatched>",status="404"} 2\n'
        'http_requests_total{method="GET",route="/health/ready",status="200"} 7.0\n'
        'http_requests_created{method="GET",route="/x",status="200"} 1.7e9\n'
    )
    assert counter_total(text) == 5.0
