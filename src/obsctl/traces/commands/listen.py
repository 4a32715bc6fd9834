"""`obsctl traces listen`: a local OTLP/HTTP receiver printing each finished trace on one line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from obsctl.traces.commands._common import duration_ns, fmt

if TYPE_CHECKING:
    from obsctl.core.context import AppContext
    from obsctl.traces.model import Trace

LISTEN_FORMATS = ("table", "jsonl")


def register(app: typer.Typer) -> None:
    app.command("listen")(listen_cmd)


def listen_cmd(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option("--port", "-p", help="Port for OTLP/HTTP (0: any free port).", min=0, max=65535)
    ] = 4318,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    save: Annotated[
        str | None,
        typer.Option("--save", help="Append every request as OTLP JSON lines to FILE.", metavar="FILE"),
    ] = None,
    settle: Annotated[
        str,
        typer.Option(
            "--settle",
            help="A trace is finished when its root arrived and this long passed quietly.",
            metavar="DURATION",
        ),
    ] = "1s",
    max_traces: Annotated[
        int | None, typer.Option("--max-traces", help="Stop after this many traces.", min=1)
    ] = None,
    timeout: Annotated[
        str | None,
        typer.Option("--timeout", help="Stop after this long (e.g. 30s); exit 0.", metavar="DURATION"),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", help="table (one line per trace) or jsonl.", metavar="FORMAT"),
    ] = None,
) -> None:
    """Receive OTLP/HTTP (protobuf or JSON, gzip) from a local app: no Jaeger needed.

    Point the app at it with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318; /v1/traces,
    /v1/logs and /v1/metrics are accepted. Each finished trace prints as one line; --save keeps
    everything for `obsctl traces get --file FILE ID` and `obsctl logs tail --file FILE`.

    \b
    Examples:
      obsctl traces listen --save telemetry.jsonl
      OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python app.py
    """
    from obsctl.core.context import AppContext

    actx = AppContext.of(ctx)
    out_fmt = fmt(output, LISTEN_FORMATS) or "table"
    settle_s = (duration_ns(settle, "--settle") or 0) / 1e9
    limit_s = (duration_ns(timeout, "--timeout") or 0) / 1e9 if timeout else None
    _serve(actx, host, port, save, settle_s, max_traces, limit_s, out_fmt)


def _serve(
    actx: AppContext,
    host: str,
    port: int,
    save: str | None,
    settle: float,
    max_traces: int | None,
    limit: float | None,
    out_fmt: str,
) -> None:
    import time

    from obsctl.core.errors import UsageError
    from obsctl.traces.receiver import Receiver, proto_available

    rx = Receiver(host, port, save=save)
    try:
        rx.start()
    except OSError as exc:
        if exc.filename:
            raise UsageError(f"cannot write --save {exc.filename}: {exc.strerror}") from None
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}", hint="pick another --port (0: any free port)"
        ) from None
    out = actx.out
    out.info(
        f"obsctl: listening for OTLP/HTTP on {rx.endpoint} (/v1/traces, /v1/logs, /v1/metrics); Ctrl-C to stop"
    )
    if not proto_available():
        out.warn("protobuf payloads will get 400 without opentelemetry-proto: pip install 'obsctl[otlp]'")
    shown = 0
    started = time.monotonic()
    try:
        while (max_traces is None or shown < max_traces) and (
            limit is None or time.monotonic() - started < limit
        ):
            rx.wait_for_spans(rx.counts["spans"] + 1, timeout=0.1)
            for trace in rx.take_finished(settle):
                _print(actx, trace, out_fmt)
                shown += 1
    except KeyboardInterrupt:
        _flush(actx, rx, out_fmt)
        raise
    if max_traces is None or shown < max_traces:
        _flush(actx, rx, out_fmt)
    else:
        rx.stop()


def _flush(actx: AppContext, rx: object, out_fmt: str) -> None:
    from obsctl.traces.receiver import Receiver

    assert isinstance(rx, Receiver)
    for trace in rx.take_finished(flush=True):
        _print(actx, trace, out_fmt)
    rx.stop()
    c = rx.counts
    actx.out.info(
        f"obsctl: received {c['spans']} spans, {c['logs']} log records, {c['metrics']} metrics; rejected {c['rejected']} requests"
    )


def _print(actx: AppContext, trace: Trace, out_fmt: str) -> None:
    from obsctl.core.output import dumps_json
    from obsctl.traces.diagnosis import fmt_ns
    from obsctl.traces.export import rfc3339_nanos

    root = trace.root
    errors = sum(s.error for s in trace.spans)
    if out_fmt == "jsonl":
        record = {
            "trace_id": trace.trace_id,
            "start": rfc3339_nanos(trace.start),
            "root_service": root.service if root else None,
            "root_operation": root.operation if root else None,
            "duration_ms": round(trace.duration / 1e6, 3),
            "spans": len(trace.spans),
            "errors": errors,
        }
        actx.out.write(dumps_json(record, indent=False))
        return
    what = f"{root.service} {root.operation}" if root else "(no root span)"
    err = actx.out.style(f"{errors} errors", "red") if errors else "0 errors"
    actx.out.write(
        f"{rfc3339_nanos(trace.start)[11:23]}  {what}  {fmt_ns(trace.duration)}  {len(trace.spans)} spans  {err}  {trace.trace_id}"
    )
