"""`obsctl metrics buildinfo`."""

from __future__ import annotations

import typer

from obsctl.core.output import OutputOpt
from obsctl.metrics.commands.common import UrlOpt, app_context, check_output, emit, notes, prom_client


def buildinfo(ctx: typer.Context, url: UrlOpt = None, output: OutputOpt = None) -> None:
    """Show the server's version and build (useful before relying on newer API features).

    \b
    Examples:
      obsctl metrics buildinfo
      obsctl metrics buildinfo --url http://localhost:9090 -o json
    """
    from obsctl.core.http import redact_url
    from obsctl.metrics.explore import buildinfo_table

    fmt = check_output(output)
    actx = app_context(ctx, url)
    prom = prom_client(actx)
    res = prom.buildinfo()
    notes(actx, res)
    emit(actx, buildinfo_table(res.data or {}, redact_url(prom.api.base_url)), fmt)
