"""`obsctl metrics targets`."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.core.output import OutputOpt
from obsctl.core.params import check_choice
from obsctl.metrics.commands.common import UrlOpt, app_context, check_output, emit, notes, prom_client


def targets(
    ctx: typer.Context,
    state: Annotated[
        str, typer.Option("--state", help="active, dropped or any.", metavar="STATE")
    ] = "active",
    pool: Annotated[
        str | None, typer.Option("--pool", metavar="POOL", help="Only this scrape pool (job).")
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when any active target is not up.")] = False,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List scrape targets: health, last scrape, its duration and the last error.

    \b
    Examples:
      obsctl metrics targets
      obsctl metrics targets --check          # exit 1 if a target is down
      obsctl metrics targets --state dropped -o wide
    """
    from obsctl.core.errors import CheckFailed
    from obsctl.metrics.explore import targets_table

    check_choice(state, ("active", "dropped", "any"), "--state")
    fmt = check_output(output)
    actx = app_context(ctx, url)
    res = prom_client(actx).targets(state, pool)
    notes(actx, res)
    table = targets_table(res.data or {}, actx.now(), actx.out.style)
    emit(actx, table, fmt)
    if check:
        bad = [r for r in table.rows if r["health"] not in ("up", "dropped")]
        if bad:
            first = bad[0]
            why = f" ({first['error']})" if first["error"] else ""
            raise CheckFailed(
                f"{len(bad)} of {sum(1 for r in table.rows if r['health'] != 'dropped')} targets are not up: "
                f"{first['pool']} {first['instance']} is {first['health']}{why}"
            )
