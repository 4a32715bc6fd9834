"""`obsctl traces services`: the services Jaeger has traces of."""

from __future__ import annotations

import typer

from obsctl.traces.commands._common import LIST_FORMATS, ListOutputOpt, UrlOpt, fmt, jaeger, set_url


def register(app: typer.Typer) -> None:
    app.command("services")(services_cmd)


def services_cmd(
    ctx: typer.Context,
    output: ListOutputOpt = None,
    url: UrlOpt = None,
) -> None:
    """List the services Jaeger has traces of.

    \b
    Example:
      obsctl traces services
    """
    from obsctl.core.output import Column

    actx = set_url(ctx, url)
    out_fmt = fmt(output, LIST_FORMATS)
    names = jaeger(actx).services()
    actx.out.render_rows(
        [Column("service", "service")], [{"service": n} for n in names], out_fmt, document=names
    )
