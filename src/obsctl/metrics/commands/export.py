"""`obsctl metrics export`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from obsctl.core.params import FromOpt, SinceOpt, ToOpt
from obsctl.metrics.commands.common import UrlOpt, app_context, check_output, need_expr, prom_client

if TYPE_CHECKING:
    from obsctl.core.context import AppContext


def export(
    ctx: typer.Context,
    expr: Annotated[str, typer.Argument(help="PromQL expression (a range is evaluated).", metavar="EXPR")],
    since: SinceOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    step: Annotated[
        str | None,
        typer.Option(
            "--step", help="Resolution (default: about 250 points per chunk window).", metavar="DURATION"
        ),
    ] = None,
    chunk: Annotated[
        str, typer.Option("--chunk", help="Fetch this much time per request.", metavar="DURATION")
    ] = "1d",
    file: Annotated[
        str | None,
        typer.Option(
            "--file", "-f", help="Write here instead of stdout (required for parquet).", metavar="PATH"
        ),
    ] = None,
    url: UrlOpt = None,
    output: Annotated[
        str | None, typer.Option("-o", "--output", metavar="FORMAT", help="csv (default) or parquet.")
    ] = None,
) -> None:
    """Export a long range as CSV (one row per sample) or Parquet, fetched in chunks.

    CSV needs nothing extra. Parquet needs `pip install 'obsctl[export]'` (prometheus-api-client,
    pandas, pyarrow) and --file; it is configured from the same context (URL, headers, auth, TLS).
    Default window: the last day; default step: about 250 points over the window. A progress bar
    is shown on stderr when it is a terminal.

    \b
    Examples:
      obsctl metrics export 'up' --since 30d --step 5m > up.csv
      obsctl metrics export 'rate(http_requests_total[5m])' --since 30d -o parquet -f requests.parquet
    """
    from obsctl.core.errors import UsageError
    from obsctl.metrics.export import EXTRA_HINT, ExportPlan, extra_available
    from obsctl.metrics.window import MAX_POINTS, parse_seconds, resolve_window

    fmt = check_output(output, ("csv", "parquet")) or "csv"
    if fmt == "parquet":
        if not extra_available():
            raise UsageError("-o parquet needs the export extra", hint=EXTRA_HINT)
        if not file:
            raise UsageError("-o parquet writes a binary file: give --file PATH")
    actx = app_context(ctx, url)
    need_expr(expr)
    chunk_s = parse_seconds("--chunk", chunk)
    # The points limit applies per request (per chunk), not to the whole export.
    window = resolve_window(
        actx.now(),
        since=since or (None if start else "1d"),
        start=start,
        end=end,
        step=step,
        max_points=10**12 if step else MAX_POINTS,
    )
    assert window.step is not None
    plan = ExportPlan(expr, window.start_s, window.end_s, window.step, chunk_s)
    progress = _progress_bar(actx)
    if fmt == "parquet":
        from obsctl.metrics import export as ex

        settings = actx.backend_settings("prometheus")
        if settings is None:
            actx.client("prometheus")  # raises the standard "no prometheus URL" usage error
            return
        pc = ex.connect(settings, actx.env, debug=actx.debug, stderr=actx.out.stderr)
        rows = ex.write_parquet(ex.fetch_frames(pc, plan, progress), str(file))
        _finish_progress(actx)
        actx.out.info(
            f"obsctl: wrote {ex.plural(rows, 'sample')} in {ex.plural(len(plan.chunks()), 'chunk')} to {file}"
        )
        return
    from obsctl.metrics.export import export_csv, plural

    prom = prom_client(actx)
    if file:
        with open(file, "w", encoding="utf-8", newline="") as fh:
            summary = export_csv(prom, plan, fh, progress)
    else:
        summary = export_csv(prom, plan, actx.out.stdout, progress)
    _finish_progress(actx)
    for w in summary.warnings:
        actx.out.warn(f"prometheus: {w}")
    if file or _stderr_tty(actx):
        actx.out.info(
            f"obsctl: wrote {plural(summary.samples, 'sample')} of {summary.series:,} series "
            f"in {plural(summary.chunks, 'chunk')}" + (f" to {file}" if file else "")
        )


def _stderr_tty(actx: AppContext) -> bool:
    try:
        return bool(actx.out.stderr.isatty())
    except (AttributeError, ValueError):
        return False


def _progress_bar(actx: AppContext) -> Any:
    """A one-line progress bar on stderr, only when stderr is a terminal."""
    if not _stderr_tty(actx):
        return None
    err = actx.out.stderr

    def show(done: int, total: int, samples: int) -> None:
        width = 30
        filled = round(width * done / max(total, 1))
        err.write(
            f"\rexporting [{'█' * filled}{'░' * (width - filled)}] {done}/{total} chunks, {samples:,} samples"
        )
        err.flush()

    return show


def _finish_progress(actx: AppContext) -> None:
    if _stderr_tty(actx):
        actx.out.stderr.write("\n")
        actx.out.stderr.flush()
