"""`obsctl metrics label-values`."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.core.output import OutputOpt
from obsctl.core.params import FromOpt, SinceOpt, ToOpt
from obsctl.metrics.commands.common import (
    MatchOpt,
    UrlOpt,
    app_context,
    check_output,
    emit,
    notes,
    prom_client,
    span,
)


def label_values(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Label name; __name__ lists metric names.", metavar="NAME")],
    match: MatchOpt = None,
    since: SinceOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List the values of one label (metric names with __name__).

    \b
    Examples:
      obsctl metrics label-values job
      obsctl metrics label-values __name__ --match '{job="api"}'
    """
    from obsctl.metrics.explore import names_table

    fmt = check_output(output)
    actx = app_context(ctx, url)
    t0, t1 = span(actx, since, start, end)
    res = prom_client(actx).label_values(name, match or [], t0, t1)
    notes(actx, res)
    emit(actx, names_table(res.data or [], "value"), fmt)
