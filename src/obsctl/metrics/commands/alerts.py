"""`obsctl metrics alerts`."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.core.output import OutputOpt
from obsctl.core.params import check_choice
from obsctl.metrics.commands.common import UrlOpt, app_context, check_output, emit, notes, prom_client


def alerts(
    ctx: typer.Context,
    state: Annotated[
        str | None, typer.Option("--state", help="Only firing or pending alerts.", metavar="STATE")
    ] = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List alerts as Prometheus evaluates them (pending and firing, before Alertmanager).

    \b
    Examples:
      obsctl metrics alerts
      obsctl metrics alerts --state firing -o json
    """
    from obsctl.metrics.explore import Table, alerts_table

    check_choice(state, ("firing", "pending"), "--state")
    fmt = check_output(output)
    actx = app_context(ctx, url)
    res = prom_client(actx).alerts()
    notes(actx, res)
    table = alerts_table(res.data or {}, actx.now(), actx.out.style)
    if state:
        rows = [r for r in table.rows if r["state"] == state]
        table = Table(table.columns, rows, rows, table.human)
    emit(actx, table, fmt)
