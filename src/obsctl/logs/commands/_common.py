"""Flags shared by the `logs` verbs and the glue from flags to a source, filters and a writer.

Imported at start-up by every verb module: only typer and typing here; the rest lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from obsctl.core.params import from_option, output_option, since_option, to_option

if TYPE_CHECKING:
    from obsctl.core.context import AppContext
    from obsctl.logs.format import LogWriter
    from obsctl.logs.query import Filters

QueryArg = Annotated[
    str | None,
    typer.Argument(help="Lucene query_string (ES), or words/field:value (files).", metavar="QUERY"),
]
IndexOpt = Annotated[
    str | None,
    typer.Option(
        "--index", "-i", help="Index pattern (default: the context's, else logs-*).", metavar="PATTERN"
    ),
]
TraceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--trace-id", help="32/16-hex trace id (any case) or a W3C traceparent; repeatable.", metavar="ID"
    ),
]
SpanOpt = Annotated[
    list[str] | None, typer.Option("--span-id", help="16-hex span id; repeatable.", metavar="ID")
]
ServiceOpt = Annotated[
    list[str] | None, typer.Option("--service", "-s", help="Service name; repeatable.", metavar="S")
]
LevelOpt = Annotated[
    str | None,
    typer.Option(
        "--level", "-l", help="At or above: trace, debug, info, warn, error, fatal.", metavar="LEVEL"
    ),
]
FieldOpt = Annotated[
    list[str] | None, typer.Option("--field", help="Exact field match KEY=VALUE; repeatable.", metavar="K=V")
]
SinceOpt = Annotated[
    str | None, since_option("Only the last DURATION before --to (15m, 1h, 2d); default: no time limit.")
]
FromOpt = Annotated[str | None, from_option()]
ToOpt = Annotated[str | None, to_option()]
FieldsOpt = Annotated[
    str | None, typer.Option("--fields", help="Extra fields to show, comma-separated (a,b).", metavar="A,B")
]
OutputOpt = Annotated[
    str | None,
    output_option(
        ("pretty", "raw", "json", "jsonl", "logfmt", "csv"), "pretty on a terminal, raw when piped"
    ),
]
UtcOpt = Annotated[bool, typer.Option("--utc", help="Show times in UTC (default: local time).")]
FileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--file", help="Read log files instead of Elasticsearch ('-' is stdin); repeatable.", metavar="PATH"
    ),
]


@dataclass(frozen=True)
class Selection:
    """Flags common to tail and search, as typed."""

    query: str | None = None
    index: str | None = None
    trace_ids: tuple[str, ...] = ()
    span_ids: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    level: str | None = None
    fields: tuple[str, ...] = ()
    since: str | None = None
    start: str | None = None
    end: str | None = None
    show: str | None = None
    output: str | None = None
    utc: bool = False
    files: tuple[str, ...] = ()


def selection(**kwargs: Any) -> Selection:
    """A Selection from the verb's keyword arguments (lists become tuples, None lists empty)."""
    values: dict[str, Any] = {k: tuple(v or ()) if k in _LISTS else v for k, v in kwargs.items()}
    return Selection(**values)


_LISTS = ("trace_ids", "span_ids", "services", "fields", "files")
# The verbs' parameter names for the Selection fields (the rest are spelled the same).
_PARAMS = {
    "trace_id": "trace_ids",
    "span_id": "span_ids",
    "service": "services",
    "field": "fields",
    "from_": "start",
    "to": "end",
    "fields": "show",
    "file": "files",
}
_SELECTION = frozenset(Selection.__dataclass_fields__)


def prepare(ctx: typer.Context) -> tuple[AppContext, Selection, Filters]:
    """What tail and search share: the app context, their common flags (from `ctx.params`, so a
    verb lists its options once) as a Selection, and those flags validated into Filters."""
    from obsctl.core.context import AppContext

    actx = AppContext.of(ctx)
    named = {_PARAMS.get(k, k): v for k, v in ctx.params.items()}
    sel = selection(**{k: v for k, v in named.items() if k in _SELECTION})
    return actx, sel, filters_of(actx, sel)


def filters_of(actx: AppContext, sel: Selection) -> Filters:
    """Validated filters (bad ids, levels, times -> exit 2 with the flag named). Without --since
    or --from there is no lower time bound: `tail` shows the newest N whatever their age."""
    from obsctl.core.params import time_flag, time_range
    from obsctl.logs.query import Filters, parse_field_filters, parse_level, parse_span_id, parse_trace_id

    now = actx.now()
    start = end = None
    if sel.since or sel.start:
        window = time_range(now, since=sel.since, start=sel.start, end=sel.end)
        start, end = window.start, (window.end if sel.end else None)
    elif sel.end:
        end = time_flag("--to", sel.end, now)
    traces = tuple(t for raw in sel.trace_ids for t in parse_trace_id(raw))
    spans = tuple(s for raw in sel.span_ids for s in parse_span_id(raw))
    return Filters(
        query=sel.query or None,
        trace_ids=traces,
        span_ids=spans,
        services=sel.services,
        level=parse_level(sel.level) if sel.level else None,
        fields=parse_field_filters(sel.fields),
        start=start,
        end=end,
    )


def output_format(actx: AppContext, value: str | None) -> str:
    from obsctl.logs.format import FORMATS

    if value is None:
        return "pretty" if actx.out.is_tty else "raw"
    fmt = value.lower()
    if fmt not in FORMATS:
        raise typer.BadParameter(
            f"unknown format {value!r}; choose one of {', '.join(FORMATS)}", param_hint="'-o'"
        )
    return fmt


def shown_fields(sel: Selection) -> list[str]:
    return [f.strip() for f in (sel.show or "").split(",") if f.strip()]


def writer(actx: AppContext, sel: Selection) -> LogWriter:
    from obsctl.logs.format import LogWriter

    fmt = output_format(actx, sel.output)
    out = actx.out
    hint = None
    if out.is_tty and fmt == "pretty":

        def hint(trace_id: str) -> None:
            out.info(f"  trace {trace_id}: obsctl traces get {trace_id}")

    return LogWriter(
        out.stdout,
        fmt,
        color=out.color and fmt == "pretty",
        utc=sel.utc,
        fields=shown_fields(sel),
        trace_hint=hint,
    )


def source_of(actx: AppContext, sel: Selection, *, page_size: int = 1000, records: bool = True) -> Any:
    """The log source for these flags; `records` False for counts/aggregations (-o is a table format)."""
    from obsctl.logs.query import highlight
    from obsctl.logs.search import open_source

    fmt = output_format(actx, sel.output) if records else "aggregate"
    colour = actx.out.color and fmt == "pretty" and bool(sel.query)
    return open_source(
        actx,
        files=sel.files,
        index=sel.index,
        page_size=page_size,
        source_fields=shown_fields(sel) if fmt != "raw" else (),
        highlight=(lambda roles: highlight(roles, True)) if colour else None,
    )


def warn_missing_roles(actx: AppContext, source: Any, filters: Filters) -> None:
    """Say so when a filter's role has no field in the index (the filter cannot match)."""
    from obsctl.logs.sources import EsSource

    if not isinstance(source, EsSource):
        return
    roles = source.roles
    for role, active in (
        ("trace_id", filters.trace_ids),
        ("span_id", filters.span_ids),
        ("service", filters.services),
    ):
        if active and not roles.many(role):
            actx.out.warn(
                f"no {role} field found in {source.index}; set elasticsearch.logs.fields.{role} in the context"
            )
