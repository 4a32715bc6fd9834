"""`obsctl metrics exemplars`."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.core.output import OutputOpt
from obsctl.core.params import FromOpt, SinceOpt, ToOpt
from obsctl.metrics.commands.common import (
    UrlOpt,
    app_context,
    check_output,
    emit,
    need_expr,
    notes,
    prom_client,
    window_of,
)


def exemplars(
    ctx: typer.Context,
    expr: Annotated[
        str, typer.Argument(help="PromQL selecting the series, e.g. a histogram's _bucket.", metavar="EXPR")
    ],
    since: SinceOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List exemplars with their trace ids, and the command that shows each trace.

    Needs Prometheus with --enable-feature=exemplar-storage scraping OpenMetrics. Default window:
    the last hour.

    \b
    Examples:
      obsctl metrics exemplars 'http_request_duration_seconds_bucket' --since 15m
      obsctl metrics exemplars 'rate(http_requests_total[5m])' -o json
    """
    from obsctl.metrics.explore import exemplars_table

    fmt = check_output(output)
    actx = app_context(ctx, url)
    need_expr(expr)
    window = window_of(actx, since=since or (None if start else "1h"), start=start, end=end, step=None)
    res = prom_client(actx).exemplars(expr, window.start_s, window.end_s)
    notes(actx, res)
    table = exemplars_table(res.data or [])
    if not table.rows and actx.out.is_tty:
        actx.out.info(
            "obsctl: no exemplars (is exemplar storage enabled, and does the target serve OpenMetrics?)"
        )
    emit(actx, table, fmt)
