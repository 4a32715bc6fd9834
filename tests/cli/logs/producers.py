"""Real producers of log lines, for the mappings obsctl must read: the OpenTelemetry SDK makes the
spans (so trace ids are real), opentelemetry-instrumentation-logging adds otelTraceID/otelSpanID/
otelServiceName to records and python-json-logger writes them as JSON; the seed's formatter
(/work/shared/seed/ADR-017-observability-stack.md, StructuredFormatter, copied below unchanged in
behaviour) writes `timestamp` (naive UTC), level, logger, message, trace_id, span_id."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any


def provider(service: str = "checkout") -> Any:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    return TracerProvider(resource=Resource.create({"service.name": service}))


def tracer(service: str = "checkout") -> Any:
    return provider(service).get_tracer("obsctl-tests")


class StructuredFormatter(logging.Formatter):
    """The seed's formatter (ADR-017 §Implementation 2), `datetime.utcnow()` as the seed has it."""

    def format(self, record: logging.LogRecord) -> str:
        log_entry = {
            "timestamp": datetime.utcnow().isoformat(),  # noqa: DTZ003 - naive UTC, as the seed writes
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "module": record.module,
            "function": record.funcName,
            "line": record.lineno,
        }
        if record.exc_info:
            log_entry["exception"] = self.formatException(record.exc_info)
        if hasattr(record, "trace_id"):
            log_entry["trace_id"] = record.trace_id
            log_entry["span_id"] = record.span_id
        return json.dumps(log_entry)


def _capture(
    formatter: logging.Formatter, name: str, body: Callable[[logging.Logger], None]
) -> list[dict[str, Any]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    body(logger)
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def seed_lines() -> tuple[list[dict[str, Any]], str]:
    """Lines from the seed's formatter: two inside a span, one outside (all-zero trace id)."""
    from opentelemetry import trace

    def factory_with_context(old: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
        def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = old(*args, **kwargs)
            ctx = trace.get_current_span().get_span_context()
            record.trace_id = format(ctx.trace_id, "032x")
            record.span_id = format(ctx.span_id, "016x")
            return record

        return make

    old = logging.getLogRecordFactory()
    logging.setLogRecordFactory(factory_with_context(old))
    try:
        holder: dict[str, str] = {}

        def body(log: logging.Logger) -> None:
            with tracer().start_as_current_span("charge") as span:
                holder["trace"] = format(span.get_span_context().trace_id, "032x")
                log.info("charging card")
                try:
                    raise ValueError("card declined")
                except ValueError:
                    log.exception("payment failed")
            log.warning("outside any span")

        lines = _capture(StructuredFormatter(), "seed.app", body)
    finally:
        logging.setLogRecordFactory(old)
    return lines, holder["trace"]


def otel_instrumented_lines() -> tuple[list[dict[str, Any]], str]:
    """Lines with otelTraceID/otelSpanID/otelServiceName from opentelemetry-instrumentation-logging."""
    from opentelemetry.instrumentation.logging import LoggingInstrumentor
    from pythonjsonlogger.json import JsonFormatter

    instrumentor = LoggingInstrumentor()
    tp = provider("inventory")
    instrumentor.instrument(set_logging_format=False, inject_trace_context=True, tracer_provider=tp)
    try:
        holder: dict[str, str] = {}

        def body(log: logging.Logger) -> None:
            with tp.get_tracer("obsctl-tests").start_as_current_span("reserve") as span:
                holder["trace"] = format(span.get_span_context().trace_id, "032x")
                log.info("reserving stock")

        fmt = JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(otelTraceID)s %(otelSpanID)s %(otelServiceName)s",
            timestamp=True,
        )
        lines = _capture(fmt, "inventory", body)
    finally:
        instrumentor.uninstrument()
    return lines, holder["trace"]


def filebeat_event(decoded: dict[str, Any], raw: str, path: str = "/var/log/app/app.json") -> dict[str, Any]:
    """A Filebeat `log` input event with `json.*` decoding (keys_under_root: false): the decoded
    object under `json`, the file and offset under `log`, ingest time as @timestamp."""
    return {
        "@timestamp": datetime.utcnow().isoformat(timespec="milliseconds") + "Z",  # noqa: DTZ003
        "json": decoded,
        "log": {"offset": 0, "file": {"path": path}},
        "input": {"type": "log"},
        "ecs": {"version": "8.0.0"},
        "host": {"name": "web-1"},
        "agent": {"type": "filebeat", "version": "8.12.1"},
    }
