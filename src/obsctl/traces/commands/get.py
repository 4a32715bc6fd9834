"""`obsctl traces get ID`: one trace as a waterfall, a table, a summary or a document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from obsctl.traces.commands._common import UrlOpt, duration_ns, fmt, jaeger, set_url

if TYPE_CHECKING:
    from obsctl.core.context import AppContext
    from obsctl.traces.model import Trace
    from obsctl.traces.view import Analysed

GET_FORMATS = ("waterfall", "table", "wide", "tsv", "json", "yaml", "otlp", "jaeger")


@dataclass(frozen=True)
class GetOptions:
    trace_id: str | None
    file: str | None
    output: str | None
    critical: bool
    summary: bool
    depth: int | None
    service: str | None
    min_duration: int
    span: str | None
    bars: bool | None
    logs: bool
    log_files: tuple[str, ...]


def register(app: typer.Typer) -> None:
    app.command("get")(get_cmd)


def get_cmd(
    ctx: typer.Context,
    trace_id: Annotated[
        str | None,
        typer.Argument(help="Trace id: 32 or 16 hex digits (any case) or a traceparent.", show_default=False),
    ] = None,
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            help="Read Jaeger UI JSON, OTLP JSON (bare or in 'result') or OTLP JSON lines instead of Jaeger ('-': stdin).",
            metavar="PATH",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            help="waterfall (default), table, wide, tsv, json (normalised, with diagnosis), yaml, otlp, jaeger.",
            metavar="FORMAT",
        ),
    ] = None,
    critical_path: Annotated[
        bool, typer.Option("--critical-path", help="Mark the spans on the critical path.")
    ] = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="Self time, count and errors per service and operation.")
    ] = False,
    depth: Annotated[
        int | None, typer.Option("--depth", help="Show this many levels of the tree.", min=1)
    ] = None,
    service: Annotated[str | None, typer.Option("--service", help="Show only this service's spans.")] = None,
    min_duration: Annotated[
        str | None,
        typer.Option("--min-duration", help="Hide spans shorter than this (e.g. 5ms).", metavar="DURATION"),
    ] = None,
    span: Annotated[
        str | None,
        typer.Option(
            "--span", help="Show one span in full: attributes, events, links, resource.", metavar="SPANID"
        ),
    ] = None,
    bars: Annotated[
        bool | None, typer.Option("--bars/--no-bars", help="Time bars (default: on a terminal only).")
    ] = None,
    logs: Annotated[
        bool,
        typer.Option(
            "--logs",
            help="Print the trace's log lines under their spans (context's Elasticsearch or --log-file).",
        ),
    ] = False,
    log_file: Annotated[
        list[str] | None,
        typer.Option(
            "--log-file", help="JSON-lines log file to join (repeatable; implies --logs).", metavar="PATH"
        ),
    ] = None,
    url: UrlOpt = None,
) -> None:
    """Show one trace: waterfall, critical path, errors and a diagnosis of where the time went.

    \b
    Examples:
      obsctl traces get 4bf92f3577b34da6a3ce929d0e0e4736
      obsctl traces get 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 --critical-path
      obsctl traces get --file trace.json --summary
      obsctl traces get ID --logs --log-file app.log
      obsctl traces get ID -o json | jq .diagnosis
    """
    actx = set_url(ctx, url)
    opts = GetOptions(
        trace_id=trace_id,
        file=file,
        output=fmt(output, GET_FORMATS),
        critical=critical_path,
        summary=summary,
        depth=depth,
        service=service,
        min_duration=duration_ns(min_duration, "--min-duration") or 0,
        span=span.lower() if span else None,
        bars=bars,
        logs=logs or bool(log_file),
        log_files=tuple(log_file or ()),
    )
    traces = _load(actx, opts)
    if len(traces) > 1:
        _list(actx, traces, opts)
        return
    _show(actx, traces[0], opts)


def _load(actx: AppContext, opts: GetOptions) -> list[Trace]:
    """The trace asked for; every trace of --file when no id is given."""
    from obsctl.core.errors import UsageError
    from obsctl.core.ids import parse_trace_id
    from obsctl.traces.load import load_file

    wanted = parse_trace_id(opts.trace_id) if opts.trace_id else None
    if opts.file is None:
        if wanted is None:
            raise UsageError(
                "give a trace id or --file PATH",
                hint="e.g. obsctl traces get 4bf92f3577b34da6a3ce929d0e0e4736",
            )
        return [jaeger(actx).get_trace(wanted)]
    traces = load_file(opts.file)
    if wanted is not None:
        found = [t for t in traces if t.trace_id == wanted]
        if not found:
            raise UsageError(
                f"trace {wanted} is not in {opts.file}",
                hint="it holds "
                + ", ".join(t.trace_id for t in traces[:5])
                + (" …" if len(traces) > 5 else ""),
            )
        return found[:1]
    return traces


def _list(actx: AppContext, traces: list[Trace], opts: GetOptions) -> None:
    """A file with several traces and no id: one line per trace, as `traces search` prints them."""
    from obsctl.traces.search_view import render_search

    out = actx.out
    fmt = opts.output if opts.output in ("table", "wide", "tsv", "json", "yaml") else None
    render_search(out, traces, fmt)
    out.info(f"obsctl: {opts.file} holds {len(traces)} traces; pass one id to see it")


def _show(actx: AppContext, trace: Trace, opts: GetOptions) -> None:
    from obsctl.traces.view import Analysed

    out = actx.out
    if opts.output in ("otlp", "jaeger"):
        from obsctl.traces.export import to_jaeger, to_otlp
        from obsctl.traces.view import write_document

        write_document(out, to_otlp([trace]) if opts.output == "otlp" else to_jaeger([trace]))
        return
    analysed = Analysed.of(trace)
    if opts.logs:
        from obsctl.traces.logs_join import join_logs

        analysed.logs = join_logs(actx, analysed, opts.log_files)
    if opts.span:
        _span_detail(actx, analysed, opts.span)
        return
    if opts.output in ("json", "yaml"):
        from obsctl.traces.view import to_document, write_document

        write_document(out, to_document(analysed, summary=opts.summary), opts.output)
        return
    if opts.summary or opts.output in ("table", "wide", "tsv"):
        from obsctl.traces.view import SPAN_COLUMNS, SUMMARY_COLUMNS, span_rows, summary_rows

        if opts.summary:
            out.render_rows(SUMMARY_COLUMNS, summary_rows(analysed), _table_fmt(actx, opts.output))
        else:
            out.render_rows(SPAN_COLUMNS, span_rows(analysed), opts.output)
        if opts.summary:
            out.write(analysed.diagnosis.line)
        return
    _waterfall(actx, analysed, opts)


def _table_fmt(actx: AppContext, output: str | None) -> str | None:
    return None if output in (None, "waterfall") else output


def _waterfall(actx: AppContext, analysed: Analysed, opts: GetOptions) -> None:
    from obsctl.traces.waterfall import WaterfallOptions, render

    out = actx.out
    wf = WaterfallOptions(
        width=out.width,
        color=out.color,
        bars=out.is_tty if opts.bars is None else opts.bars,
        critical=opts.critical,
        depth=opts.depth,
        service=opts.service,
        min_duration=opts.min_duration,
        logs=analysed.logs,
    )
    lines = render(analysed.trace, analysed.timing, wf)
    lines.append(out.style(analysed.diagnosis.line, "bold"))
    out.write_lines(lines)


def _span_detail(actx: AppContext, analysed: Analysed, span_id: str) -> None:
    from obsctl.core.errors import UsageError
    from obsctl.traces.waterfall import span_detail

    span = analysed.trace.by_id.get(span_id.rjust(16, "0"))
    if span is None:
        raise UsageError(
            f"span {span_id} is not in trace {analysed.trace.trace_id}",
            hint="the span ids are in `obsctl traces get ID -o table`",
        )
    lines = span_detail(analysed.trace, span, analysed.timing)
    lines += [f"log        {line}" for line in analysed.logs.get(span.span_id, ())]
    actx.out.write_lines(lines)
