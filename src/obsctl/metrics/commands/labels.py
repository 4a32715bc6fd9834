"""`obsctl metrics labels`."""

from __future__ import annotations

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


def labels(
    ctx: typer.Context,
    match: MatchOpt = None,
    since: SinceOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List label names (optionally only those on series matching --match).

    \b
    Examples:
      obsctl metrics labels
      obsctl metrics labels --match 'up{job="node"}'
    """
    from obsctl.metrics.explore import names_table

    fmt = check_output(output)
    actx = app_context(ctx, url)
    t0, t1 = span(actx, since, start, end)
    res = prom_client(actx).labels(match or [], t0, t1)
    notes(actx, res)
    emit(actx, names_table(res.data or [], "label"), fmt)
