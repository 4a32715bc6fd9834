"""`obsctl traces search`: one line per matching trace, newest first."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.traces.commands._common import (
    LIST_FORMATS,
    ListOutputOpt,
    UrlOpt,
    duration_ns,
    fmt,
    jaeger,
    set_url,
)


def register(app: typer.Typer) -> None:
    app.command("search")(search_cmd)


def search_cmd(
    ctx: typer.Context,
    service: Annotated[str, typer.Option("--service", "-s", help="Service whose traces to find (required).")],
    operation: Annotated[str | None, typer.Option("--operation", help="Operation (span name).")] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            help="Span or resource attribute k=v (repeatable; all must match one span).",
            metavar="K=V",
        ),
    ] = None,
    min_duration: Annotated[
        str | None, typer.Option("--min-duration", help="e.g. 100ms", metavar="DURATION")
    ] = None,
    max_duration: Annotated[
        str | None, typer.Option("--max-duration", help="e.g. 2s", metavar="DURATION")
    ] = None,
    since: Annotated[
        str, typer.Option("--since", help="How far back to look (e.g. 15m, 1h, 2d).", metavar="DURATION")
    ] = "1h",
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many traces.", min=1)] = 20,
    output: ListOutputOpt = None,
    url: UrlOpt = None,
) -> None:
    """Find traces: start, root service and operation, duration, spans, errors, trace id.

    Uses api_v3 and falls back to the v1 search on Jaeger 1.x; on newer Jaeger (v1 search removed)
    tag filters go through api_v3's query.attributes.

    \b
    Examples:
      obsctl traces search --service frontend --since 30m
      obsctl traces search -s frontend --tag error=true --min-duration 500ms -n 5
      obsctl traces search -s frontend -o json | jq -r '.[].trace_id'
    """
    from datetime import timedelta

    from obsctl.core.params import duration_flag
    from obsctl.traces.client import SearchQuery

    actx = set_url(ctx, url)
    out_fmt = fmt(output, LIST_FORMATS)
    tags = {}
    for item in tag or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected K=V, got {item!r}", param_hint="'--tag'")
        tags[key] = value
    window = timedelta(seconds=duration_flag("--since", since, example="1h"))
    dmin, dmax = duration_ns(min_duration, "--min-duration"), duration_ns(max_duration, "--max-duration")
    if dmin is not None and dmax is not None and dmax < dmin:
        raise typer.BadParameter(
            "--max-duration is shorter than --min-duration", param_hint="'--max-duration'"
        )
    now = actx.now()
    query = SearchQuery(service, now - window, now, operation, tags, dmin, dmax, limit)
    traces = jaeger(actx).search(query)
    from obsctl.traces.search_view import render_search

    render_search(actx.out, traces, out_fmt)
    if not traces:
        actx.out.info(f"obsctl: no traces of {service} in the last {since}")
