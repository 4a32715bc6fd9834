"""`obsctl logs tail`: the last N matching lines, oldest first; with -f, then every new one."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from obsctl.core.params import timeout_option
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
    from obsctl.logs.format import LogWriter
    from obsctl.logs.record import LogRecord


class _Until(Exception):
    """The --until line was printed."""


def tail_cmd(
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
    lines: Annotated[
        int, typer.Option("-n", "--lines", help="How many of the newest lines first.", min=0)
    ] = 100,
    follow: Annotated[
        bool, typer.Option("-f", "--follow", help="Keep printing new lines until Ctrl-C.")
    ] = False,
    lag: Annotated[
        str | None,
        typer.Option(
            "--lag",
            help="How late a line may become searchable and still be caught (default 30s).",
            metavar="DURATION",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="Stop at the first line matching REGEX: exit 0 (1 at --timeout).", metavar="REGEX"
        ),
    ] = None,
    timeout: Annotated[
        str | None,
        timeout_option("With --until or -f: stop after DURATION (default 60s with --until)."),
    ] = None,
    fields: FieldsOpt = None,
    output: OutputOpt = None,
    utc: UtcOpt = False,
    file: FileOpt = None,
) -> None:
    """Print the newest matching lines, oldest first; -f follows with no gap and no duplicate.

    \b
    Examples:
      obsctl logs tail --service checkout --level warn -f
      obsctl logs tail --trace-id 4bf92f3577b34da6a3ce929d0e0e4736
      obsctl logs tail -f --until 'Application startup complete' --timeout 2m
      obsctl logs tail --file app.log -f -o jsonl | jq .message
    """
    from obsctl.logs.commands._common import prepare, source_of, warn_missing_roles, writer

    actx, sel, filters = prepare(ctx)
    lag_seconds = _seconds(lag, "--lag", 0.0) if lag else None
    pattern = _until(until)
    deadline = _deadline(timeout, default=60.0 if pattern else None)
    out = writer(actx, sel)
    source = source_of(actx, sel)
    warn_missing_roles(actx, source, filters)
    emit = _emitter(out, pattern)
    try:
        _run(
            actx,
            source,
            filters,
            out,
            emit,
            lines=lines,
            follow=follow or pattern is not None,
            lag=lag_seconds,
            deadline=deadline,
        )
    except _Until:
        return
    finally:
        out.close()  # also on Ctrl-C: what was fetched is flushed, a -o json array is closed
    if pattern is not None:
        from obsctl.core.errors import CheckFailed

        raise CheckFailed(
            f"--until {until!r} not seen before --timeout", hint="raise --timeout, or check the filters"
        )


def _run(
    actx: AppContext,
    source: Any,
    filters: Any,
    out: LogWriter,
    emit: Any,
    *,
    lines: int,
    follow: bool,
    lag: float | None,
    deadline: float | None,
) -> None:
    from obsctl.logs.files import FileSource
    from obsctl.logs.follow import EsFollower, FollowConfig
    from obsctl.logs.query import record_predicate

    if isinstance(source, FileSource):
        keep = record_predicate(filters)
        for rec in source.last(keep, lines) if not follow or source.paths != ["-"] else []:
            emit(rec)
        out.flush()
        if follow:
            source.follow(emit, keep, sleep=actx.seams.sleep, deadline=deadline, flush=out.flush)
        return
    config = FollowConfig(lag=lag if lag is not None else _context_lag(actx))
    follower = EsFollower(source, filters, config, warn=actx.out.warn) if follow else None
    if follower is not None:
        follower.baseline()
    history = source.last(filters, lines)
    for rec in history:
        emit(rec)
    out.flush()
    if follower is not None:
        follower.baseline_add(history)
        follower.run(emit, sleep=actx.seams.sleep, deadline=deadline, flush=out.flush)


def _context_lag(actx: AppContext) -> float:
    from obsctl.logs.search import logs_options

    if actx.backend_settings("elasticsearch") is None:
        return 30.0
    value = logs_options(actx).get("lag")
    return _seconds(str(value), "elasticsearch.logs.lag", 30.0) if value else 30.0


def _seconds(text: str | None, flag: str, default: float) -> float:
    from obsctl.core.params import duration_flag

    return duration_flag(flag, text, example="30s") if text else default


def _deadline(timeout: str | None, default: float | None) -> float | None:
    seconds = _seconds(timeout, "--timeout", default or 0.0) if timeout or default else None
    return None if seconds is None else time.monotonic() + seconds


def _until(pattern: str | None) -> Any:
    if pattern is None:
        return None
    import re

    from obsctl.core.errors import UsageError

    try:
        return re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"--until: invalid regular expression: {exc}") from None


def _emitter(out: LogWriter, pattern: Any) -> Any:
    if pattern is None:
        return out.write

    def emit(rec: LogRecord) -> None:
        out.write(rec)
        if pattern.search(rec.message) or (rec.raw is not None and pattern.search(rec.raw)):
            out.flush()
            raise _Until

    return emit
