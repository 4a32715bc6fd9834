"""`obsctl metrics query`."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.core.params import FromOpt, SinceOpt, ToOpt
from obsctl.metrics.commands.common import (
    QUERY_FORMATS,
    UrlOpt,
    app_context,
    check_output,
    need_expr,
    notes,
    prom_client,
    server_timeout,
    window_of,
)


def query(
    ctx: typer.Context,
    expr: Annotated[str, typer.Argument(help="PromQL expression.", metavar="EXPR")],
    time: Annotated[
        str | None,
        typer.Option("--time", help="Evaluate an instant query at this time (default now).", metavar="TIME"),
    ] = None,
    since: SinceOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    step: Annotated[
        str | None,
        typer.Option(
            "--step", help="Range resolution (default: about 250 points, at least 1s).", metavar="DURATION"
        ),
    ] = None,
    legend: Annotated[
        str | None,
        typer.Option(
            "--legend", help="Series name template for tables and graphs, e.g. '{{job}}/{{instance}}'."
        ),
    ] = None,
    stats: Annotated[
        bool, typer.Option("--stats", help="Ask for and print the server's query statistics.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", min=1, metavar="N", help="At most this many series (Prometheus 2.54+, else ignored)."
        ),
    ] = None,
    timeout: Annotated[
        str | None,
        typer.Option(
            "--timeout", help="Evaluation timeout sent to the server, e.g. 30s.", metavar="DURATION"
        ),
    ] = None,
    url: UrlOpt = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FORMAT",
            help="table, wide, json, jsonl, yaml, csv (one row per sample), tsv or graph.",
        ),
    ] = None,
) -> None:
    """Evaluate PromQL: an instant query, or a range with --since, --from/--to or --step.

    Tables show one row per series (labels as columns, then the value; ranges show the last value
    and, on a terminal, a trend sparkline). -o graph draws every series on one chart. Server
    warnings and infos go to stderr. Exit 2 on bad PromQL (with the position) or a bad window.

    \b
    Examples:
      obsctl metrics query up
      obsctl metrics query 'sum by (job) (rate(http_requests_total[5m]))' --since 6h -o graph
      obsctl metrics query 'up == 0' --time 2026-01-02T03:00:00Z -o json
      obsctl metrics query node_load1 --from now-2h --to now-1h --step 1m -o csv > load.csv
    """
    from obsctl.metrics.client import QueryParams
    from obsctl.metrics.query import format_stats, from_api, render

    fmt = check_output(output, QUERY_FORMATS)
    actx = app_context(ctx, url)
    need_expr(expr)
    if fmt == "graph" and time is None and not any((since, start, end, step)):
        since = "1h"  # a graph of one instant says little: draw the last hour
    window = window_of(actx, time=time, since=since, start=start, end=end, step=step)
    params = QueryParams(timeout=server_timeout(actx, timeout), limit=limit, stats=stats)
    prom = prom_client(actx)
    if window.step is not None:
        res = prom.query_range(expr, window.start_s, window.end_s, window.step, params)
    else:
        res = prom.query(expr, window.end_s, params)
    qr = from_api(expr, res.data, window, res.warnings, res.infos)
    notes(actx, res)
    if stats:
        actx.out.info(format_stats(qr.stats) if qr.stats else "stats: the server returned none")
    if qr.is_empty and actx.out.is_tty:
        actx.out.info("obsctl: no series matched (unknown metric, or no samples in this window)")
    render(actx.out, qr, fmt, legend_template=legend)
