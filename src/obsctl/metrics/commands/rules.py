"""`obsctl metrics rules`."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.core.output import OutputOpt
from obsctl.core.params import check_choice
from obsctl.metrics.commands.common import UrlOpt, app_context, check_output, emit, notes, prom_client


def rules(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option("--type", help="alert or record.", metavar="TYPE")] = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List alerting and recording rules with their health and state.

    \b
    Examples:
      obsctl metrics rules
      obsctl metrics rules --type alert -o wide
    """
    from obsctl.metrics.explore import rules_table

    check_choice(kind, ("alert", "record"), "--type")
    fmt = check_output(output)
    actx = app_context(ctx, url)
    res = prom_client(actx).rules(kind)
    notes(actx, res)
    emit(actx, rules_table(res.data or {}, actx.out.style), fmt)
