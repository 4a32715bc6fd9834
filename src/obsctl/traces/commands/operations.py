"""`obsctl traces operations SERVICE`: a service's operations (span names) and span kinds."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.traces.commands._common import LIST_FORMATS, ListOutputOpt, UrlOpt, fmt, jaeger, set_url


def register(app: typer.Typer) -> None:
    app.command("operations")(operations_cmd)


def operations_cmd(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service name (see `obsctl traces services`).")],
    span_kind: Annotated[
        str | None, typer.Option("--span-kind", help="Only server, client, producer, consumer or internal.")
    ] = None,
    output: ListOutputOpt = None,
    url: UrlOpt = None,
) -> None:
    """List a service's operations (span names) and their span kinds.

    \b
    Example:
      obsctl traces operations frontend --span-kind server
    """
    from obsctl.core.output import Column

    kinds = ("server", "client", "producer", "consumer", "internal")
    if span_kind is not None and span_kind.lower() not in kinds:
        raise typer.BadParameter(f"choose one of {', '.join(kinds)}", param_hint="'--span-kind'")
    actx = set_url(ctx, url)
    out_fmt = fmt(output, LIST_FORMATS)
    ops = jaeger(actx).operations(service, span_kind.lower() if span_kind else None)
    rows = [{"operation": o.name, "span_kind": o.span_kind} for o in ops]
    actx.out.render_rows([Column("operation", "operation"), Column("span_kind", "span kind")], rows, out_fmt)
    if not ops:
        actx.out.info(f"obsctl: no operations recorded for service {service!r}")
