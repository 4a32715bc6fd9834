"""Traces made by the real opentelemetry-sdk, as OTLP JSON, for the fake Jaeger and trace tests.

Spans get explicit start/end times so the shape (and so the critical path) is known exactly; the
SDK still makes the ids, resources, scopes, statuses, events and links, and the official OTLP
encoder turns them into the ExportTraceServiceRequest a collector would store.

`checkout_trace()` (times in ms from the start; services in brackets):

    [frontend] GET /checkout           server   0 .. 1000
      [frontend] auth                  internal 10 .. 60
      [frontend] fan-out               internal 60 .. 900
        [cart] GetCart                 server   70 .. 300      concurrent with GetPrice
        [pricing] GetPrice             server   70 .. 850      ERROR "deadline exceeded" (gave up)
          [pricing-db] SELECT prices   client   75 .. 849      held GetPrice's time
      [frontend] render                internal 900 .. 990     links to auth
      [frontend] enqueue email         producer 990 .. 995
        [mailer] send email            consumer 1200 .. 1300   outlives its parent
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

MS = 1_000_000
BASE = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z


def otlp_json(spans: Any) -> dict[str, Any]:
    """SDK ReadableSpans -> OTLP JSON (hex ids, as the OTLP/JSON spec and Jaeger's api_v3 write)."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    doc = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for span in ss.get("spans", []):
                _hex_ids(span)
                for link in span.get("links", []):
                    _hex_ids(link)
    return doc


def _hex_ids(obj: dict[str, Any]) -> None:
    import base64

    for key in ("traceId", "spanId", "parentSpanId"):
        if obj.get(key):
            obj[key] = base64.b64decode(obj[key]).hex()


class _Recorder:
    def __init__(self) -> None:
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        self.exporter = InMemorySpanExporter()
        self.providers: dict[str, Any] = {}

    def tracer(self, service: str) -> Any:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor

        if service not in self.providers:
            provider = TracerProvider(resource=Resource.create({"service.name": service}))
            provider.add_span_processor(SimpleSpanProcessor(self.exporter))
            self.providers[service] = provider
        return self.providers[service].get_tracer("obsctl.tests", "1.0")

    @contextmanager
    def span(
        self, service: str, name: str, start_ms: float, end_ms: float, parent: Any = None, **kwargs: Any
    ) -> Iterator[Any]:
        from opentelemetry import trace

        ctx = trace.set_span_in_context(parent) if parent is not None else None
        span = self.tracer(service).start_span(
            name, context=ctx, start_time=BASE + int(start_ms * MS), **kwargs
        )
        try:
            yield span
        finally:
            span.end(end_time=BASE + int(end_ms * MS))


def checkout_trace(attributes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The trace in the module docstring, as OTLP JSON (a fresh trace id each call)."""
    from opentelemetry.trace import Link, SpanKind, Status, StatusCode

    rec = _Recorder()
    with rec.span(
        "frontend", "GET /checkout", 0, 1000, kind=SpanKind.SERVER, attributes=dict(attributes or {})
    ) as root:
        root.set_attribute("http.request.method", "GET")
        with rec.span("frontend", "auth", 10, 60, parent=root) as auth:
            auth.set_attribute("user.id", 42)
        with rec.span("frontend", "fan-out", 60, 900, parent=root) as fan:
            with rec.span("cart", "GetCart", 70, 300, parent=fan, kind=SpanKind.SERVER):
                pass
            with rec.span("pricing", "GetPrice", 70, 850, parent=fan, kind=SpanKind.SERVER) as price:
                with rec.span(
                    "pricing-db", "SELECT prices", 75, 849, parent=price, kind=SpanKind.CLIENT
                ) as db:
                    db.set_attribute("db.system", "postgresql")
                price.record_exception(TimeoutError("deadline exceeded"), timestamp=BASE + 850 * MS)
                price.set_status(Status(StatusCode.ERROR, "deadline exceeded"))
        with rec.span("frontend", "render", 900, 990, parent=root, links=[Link(auth.get_span_context())]):
            pass
        with rec.span("frontend", "enqueue email", 990, 995, parent=root, kind=SpanKind.PRODUCER) as enq:
            pass
    with rec.span("mailer", "send email", 1200, 1300, parent=enq, kind=SpanKind.CONSUMER):
        pass
    return otlp_json(rec.exporter.get_finished_spans())


def trace_id_of(doc: Mapping[str, Any]) -> str:
    return str(doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"])
