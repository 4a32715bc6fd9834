"""`obsctl metrics series`."""

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
    span,
)


def series(
    ctx: typer.Context,
    matchers: Annotated[
        list[str], typer.Argument(help="Series selectors, e.g. 'up{job=\"api\"}'.", metavar="MATCHER")
    ],
    since: SinceOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, metavar="N", help="At most this many series.")
    ] = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List the series (label sets) matching selectors.

    \b
    Examples:
      obsctl metrics series up
      obsctl metrics series '{__name__=~"http_.*", job="api"}' --since 1h -o json
    """
    from obsctl.metrics.explore import series_table

    fmt = check_output(output)
    actx = app_context(ctx, url)
    t0, t1 = span(actx, since, start, end)
    res = prom_client(actx).series([need_expr(m, "MATCHER") for m in matchers], t0, t1, limit)
    notes(actx, res)
    emit(actx, series_table(res.data or []), fmt)
