"""`obsctl logs search`: matches (newest N, or --all in flat memory), --count, --stats, --histogram."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from obsctl.logs.commands._common import (
    FieldOpt,
    FieldsOpt,
    FileOpt,
    FromOpt,
    IndexOpt,
    LevelOpt,
    OutputOpt,
    QueryArg,
    ServiceOpt,
    SinceOpt,
    SpanOpt,
    ToOpt,
    TraceOpt,
    UtcOpt,
)

if TYPE_CHECKING:
    from obsctl.core.context import AppContext
    from obsctl.logs.commands._common import Selection
    from obsctl.logs.query import Filters


def search_cmd(
    ctx: typer.Context,
    query: QueryArg = None,
    index: IndexOpt = None,
    trace_id: TraceOpt = None,
    span_id: SpanOpt = None,
    service: ServiceOpt = None,
    level: LevelOpt = None,
    field: FieldOpt = None,
    since: SinceOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    limit: Annotated[int, typer.Option("-n", "--limit", help="How many of the newest matches.", min=0)] = 100,
    all_: Annotated[
        bool, typer.Option("--all", help="Every match, oldest first, streamed (PIT + search_after).")
    ] = False,
    count: Annotated[bool, typer.Option("--count", help="Print only the number of matches.")] = False,
    stats: Annotated[
        str | None, typer.Option("--stats", help="Top values of FIELD with counts.", metavar="FIELD")
    ] = None,
    histogram: Annotated[
        str | None,
        typer.Option("--histogram", help="Matches per bucket of INTERVAL (1m, 1h).", metavar="INTERVAL"),
    ] = None,
    fields: FieldsOpt = None,
    output: OutputOpt = None,
    utc: UtcOpt = False,
    file: FileOpt = None,
) -> None:
    """Search logs: the newest matches oldest first, every match with --all, or counts.

    \b
    Examples:
      obsctl logs search 'timeout AND NOT health' --since 1h
      obsctl logs search --trace-id 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
      obsctl logs search --level error --stats service.name --since 1d
      obsctl logs search --histogram 5m --since 6h
      obsctl logs search --all --since 1d -o jsonl > day.jsonl
    """
    from obsctl.logs.commands._common import prepare, source_of, warn_missing_roles

    actx, sel, filters = prepare(ctx)
    if sum(bool(x) for x in (count, stats, histogram, all_)) > 1:
        from obsctl.core.errors import UsageError

        raise UsageError("--count, --stats, --histogram and --all go one at a time")
    aggregate = bool(count or stats or histogram)
    source = source_of(actx, sel, page_size=5000 if all_ else 1000, records=not aggregate)
    warn_missing_roles(actx, source, filters)
    if aggregate:
        from obsctl.logs.commands.aggregate import run_aggregate

        run_aggregate(actx, source, filters, sel, count=count, stats=stats, histogram=histogram)
        return
    _records(actx, source, filters, sel, limit=None if all_ else limit)


def _records(actx: AppContext, source: Any, filters: Filters, sel: Selection, *, limit: int | None) -> None:
    from obsctl.logs.commands._common import writer
    from obsctl.logs.files import FileSource
    from obsctl.logs.query import record_predicate

    out = writer(actx, sel)
    try:
        if isinstance(source, FileSource):
            keep = record_predicate(filters)
            if limit is None:
                out.write_all(r for r in source.records() if keep(r))
            else:
                out.write_all(source.last(keep, limit))
        elif limit is None:
            for page in source.pages(filters):
                out.write_all(page)
        else:
            out.write_all(source.last(filters, limit))
    finally:
        out.close()
