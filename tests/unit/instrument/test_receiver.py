"""The check's OTLP receiver decodes real SDK exports (protobuf) and OTLP/JSON."""

from __future__ import annotations

import json
import urllib.request

from obsctl.instrument.receiver import OtlpReceiver, decode_json


def test_real_sdk_export_over_http_protobuf():
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    receiver = OtlpReceiver().start()
    try:
        provider = TracerProvider(resource=Resource.create({"service.name": "svc-a"}))
        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=receiver.endpoint + "/v1/traces")))
        with provider.get_tracer("t").start_as_current_span("GET /items") as span:
            ctx = span.get_span_context()
        provider.shutdown()
        spans = receiver.spans()
    finally:
        receiver.stop()
    assert [(s.service, s.name, s.trace_id, s.span_id) for s in spans] == [
        ("svc-a", "GET /items", format(ctx.trace_id, "032x"), format(ctx.span_id, "016x"))
    ]


def test_json_body():
    body = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "b"}}]},
                               "scopeSpans": [{"spans": [{"traceId": "5B8EFFF798038103D269B633813FC60C",
                                                          "spanId": "EEE19B7EC3C1B174", "name": "op"}]}]}]}
    receiver = OtlpReceiver().start()
    try:
        req = urllib.request.Request(receiver.endpoint + "/v1/traces", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200
        spans = receiver.spans()
    finally:
        receiver.stop()
    assert spans == decode_json(json.dumps(body).encode())
    assert spans[0].trace_id == "5b8efff798038103d269b633813fc60c" and spans[0].service == "b"


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
