"""`obsctl metrics metadata`."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.core.output import OutputOpt
from obsctl.metrics.commands.common import UrlOpt, app_context, check_output, emit, notes, prom_client


def metadata(
    ctx: typer.Context,
    metric: Annotated[str | None, typer.Argument(help="Only this metric.", metavar="METRIC")] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, metavar="N", help="At most this many metrics.")
    ] = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """Show metric TYPE, UNIT and HELP as the targets expose them.

    \b
    Examples:
      obsctl metrics metadata
      obsctl metrics metadata http_requests_total -o json
    """
    from obsctl.metrics.explore import metadata_table

    fmt = check_output(output)
    actx = app_context(ctx, url)
    prom = prom_client(actx)
    res = prom.metadata(metric, limit)
    if metric and not res.data:
        # OpenMetrics targets register counters and histograms under the family name.
        for suffix in ("_total", "_bucket", "_count", "_sum", "_created", "_info"):
            if metric.endswith(suffix):
                res = prom.metadata(metric[: -len(suffix)], limit)
                break
    notes(actx, res)
    emit(actx, metadata_table(res.data or {}), fmt)
