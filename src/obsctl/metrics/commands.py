"""`obsctl metrics`: PromQL from the terminal, for people and for scripts.

Imported on every start (and every TAB press), so only typer and the light output types are
imported here; each command imports its logic inside its body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from obsctl.core.output import OutputOpt
from obsctl.core.params import FromOpt, SinceOpt, ToOpt, match_option, url_option

if TYPE_CHECKING:
    from obsctl.core.context import AppContext
    from obsctl.metrics.client import PromClient
    from obsctl.metrics.explore import Table
    from obsctl.metrics.window import Window

app = typer.Typer(
    name="metrics",
    help=(
        "Query Prometheus and compatibles (Thanos, Mimir, VictoriaMetrics), or read an app's /metrics.\n\n"
        "The server comes from the current context (`obsctl config`), OBSCTL_PROMETHEUS_URL or --url.\n\n"
        "\b\nExamples:\n"
        "  obsctl metrics query 'rate(http_requests_total[5m])' --since 1h\n"
        "  obsctl metrics query up -o graph --since 30m --legend '{{job}}/{{instance}}'\n"
        "  obsctl metrics targets --check\n"
        "  obsctl metrics scrape http://localhost:8000/metrics --match '^http_'"
    ),
    no_args_is_help=True,
)

QUERY_FORMATS = ("table", "wide", "json", "jsonl", "yaml", "csv", "tsv", "graph")

UrlOpt = Annotated[str | None, url_option("prometheus")]
MatchOpt = Annotated[
    list[str] | None, match_option("Series selector to restrict to (repeatable).", metavar="SELECTOR")
]


@app.callback()
def metrics_group(ctx: typer.Context, url: UrlOpt = None) -> None:
    """Query Prometheus and compatibles, or read an app's /metrics."""
    if url:
        _actx(ctx, url)


# --- helpers ----------------------------------------------------------------------------------


def _actx(ctx: typer.Context, url: str | None = None) -> AppContext:
    from obsctl.core.context import AppContext

    actx = AppContext.of(ctx)
    if url:
        from obsctl.core.settings import check_url

        try:
            check_url(url, "--url")
        except Exception as exc:  # ConfigError is exit 2 already; keep the flag's name in it
            raise typer.BadParameter(str(exc), param_hint="'--url'") from None
        actx.override("prometheus", url=url)
    return actx


def _prom(actx: AppContext) -> PromClient:
    from obsctl.metrics.client import PromClient

    return PromClient(actx.client("prometheus"))


def _fmt(output: str | None, allowed: tuple[str, ...] | None = None) -> str | None:
    from obsctl.core.output import OUTPUT_FORMATS, check_format

    return check_format(output, allowed or OUTPUT_FORMATS)


def _notes(actx: AppContext, res: Any) -> None:
    """Server warnings and infos go to stderr, never into the data."""
    for w in res.warnings:
        actx.out.warn(f"prometheus: {w}")
    for i in res.infos:
        actx.out.info(f"obsctl: info: prometheus: {i}")


def _emit(actx: AppContext, table: Table, fmt: str | None) -> None:
    """Render an explore Table (core's View) the one way every command renders."""
    actx.out.render(table, fmt)


def _window(actx: AppContext, **flags: Any) -> Window:
    from obsctl.metrics.window import resolve_window

    return resolve_window(actx.now(), **flags)


def _span(
    actx: AppContext, since: str | None, start: str | None, end: str | None
) -> tuple[float | None, float | None]:
    """Optional [start, end] for the metadata endpoints (series, labels, label values)."""
    if since is None and start is None and end is None:
        return None, None
    w = _window(actx, since=since, start=start, end=end, step=None)
    return w.start_s, w.end_s


def _need_expr(expr: str, what: str = "EXPR") -> str:
    from obsctl.core.errors import UsageError

    if not expr.strip():
        raise UsageError(f"{what} is empty", hint="give a PromQL expression, e.g. 'up'")
    return expr


def _timeout(actx: AppContext, timeout: str | None) -> str | None:
    """--timeout goes to Prometheus (evaluation limit) and stretches the HTTP timeout to fit."""
    if timeout is None:
        return None
    from obsctl.core.params import duration_flag
    from obsctl.core.timeparse import format_duration

    seconds = duration_flag("--timeout", timeout)
    actx.override("prometheus", timeout=seconds + 5)
    return format_duration(seconds)


# --- query ------------------------------------------------------------------------------------


@app.command("query")
def query(
    ctx: typer.Context,
    expr: Annotated[str, typer.Argument(help="PromQL expression.", metavar="EXPR")],
    time: Annotated[
        str | None,
        typer.Option("--time", help="Evaluate an instant query at this time (default now).", metavar="TIME"),
    ] = None,
    since: SinceOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    step: Annotated[
        str | None,
        typer.Option(
            "--step", help="Range resolution (default: about 250 points, at least 1s).", metavar="DURATION"
        ),
    ] = None,
    legend: Annotated[
        str | None,
        typer.Option(
            "--legend", help="Series name template for tables and graphs, e.g. '{{job}}/{{instance}}'."
        ),
    ] = None,
    stats: Annotated[
        bool, typer.Option("--stats", help="Ask for and print the server's query statistics.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", min=1, metavar="N", help="At most this many series (Prometheus 2.54+, else ignored)."
        ),
    ] = None,
    timeout: Annotated[
        str | None,
        typer.Option(
            "--timeout", help="Evaluation timeout sent to the server, e.g. 30s.", metavar="DURATION"
        ),
    ] = None,
    url: UrlOpt = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FORMAT",
            help="table, wide, json, jsonl, yaml, csv (one row per sample), tsv or graph.",
        ),
    ] = None,
) -> None:
    """Evaluate PromQL: an instant query, or a range with --since, --from/--to or --step.

    Tables show one row per series (labels as columns, then the value; ranges show the last value
    and, on a terminal, a trend sparkline). -o graph draws every series on one chart. Server
    warnings and infos go to stderr. Exit 2 on bad PromQL (with the position) or a bad window.

    \b
    Examples:
      obsctl metrics query up
      obsctl metrics query 'sum by (job) (rate(http_requests_total[5m]))' --since 6h -o graph
      obsctl metrics query 'up == 0' --time 2026-01-02T03:00:00Z -o json
      obsctl metrics query node_load1 --from now-2h --to now-1h --step 1m -o csv > load.csv
    """
    from obsctl.metrics.client import QueryParams
    from obsctl.metrics.query import format_stats, from_api, render

    fmt = _fmt(output, QUERY_FORMATS)
    actx = _actx(ctx, url)
    _need_expr(expr)
    if fmt == "graph" and time is None and not any((since, start, end, step)):
        since = "1h"  # a graph of one instant says little: draw the last hour
    window = _window(actx, time=time, since=since, start=start, end=end, step=step)
    params = QueryParams(timeout=_timeout(actx, timeout), limit=limit, stats=stats)
    prom = _prom(actx)
    if window.step is not None:
        res = prom.query_range(expr, window.start_s, window.end_s, window.step, params)
    else:
        res = prom.query(expr, window.end_s, params)
    qr = from_api(expr, res.data, window, res.warnings, res.infos)
    _notes(actx, res)
    if stats:
        actx.out.info(format_stats(qr.stats) if qr.stats else "stats: the server returned none")
    if qr.is_empty and actx.out.is_tty:
        actx.out.info("obsctl: no series matched (unknown metric, or no samples in this window)")
    render(actx.out, qr, fmt, legend_template=legend)


# --- explore ----------------------------------------------------------------------------------


@app.command("series")
def series(
    ctx: typer.Context,
    matchers: Annotated[
        list[str], typer.Argument(help="Series selectors, e.g. 'up{job=\"api\"}'.", metavar="MATCHER")
    ],
    since: SinceOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, metavar="N", help="At most this many series.")
    ] = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List the series (label sets) matching selectors.

    \b
    Examples:
      obsctl metrics series up
      obsctl metrics series '{__name__=~"http_.*", job="api"}' --since 1h -o json
    """
    from obsctl.metrics.explore import series_table

    fmt = _fmt(output)
    actx = _actx(ctx, url)
    t0, t1 = _span(actx, since, start, end)
    res = _prom(actx).series([_need_expr(m, "MATCHER") for m in matchers], t0, t1, limit)
    _notes(actx, res)
    _emit(actx, series_table(res.data or []), fmt)


@app.command("labels")
def labels(
    ctx: typer.Context,
    match: MatchOpt = None,
    since: SinceOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List label names (optionally only those on series matching --match).

    \b
    Examples:
      obsctl metrics labels
      obsctl metrics labels --match 'up{job="node"}'
    """
    from obsctl.metrics.explore import names_table

    fmt = _fmt(output)
    actx = _actx(ctx, url)
    t0, t1 = _span(actx, since, start, end)
    res = _prom(actx).labels(match or [], t0, t1)
    _notes(actx, res)
    _emit(actx, names_table(res.data or [], "label"), fmt)


@app.command("label-values")
def label_values(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Label name; __name__ lists metric names.", metavar="NAME")],
    match: MatchOpt = None,
    since: SinceOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List the values of one label (metric names with __name__).

    \b
    Examples:
      obsctl metrics label-values job
      obsctl metrics label-values __name__ --match '{job="api"}'
    """
    from obsctl.metrics.explore import names_table

    fmt = _fmt(output)
    actx = _actx(ctx, url)
    t0, t1 = _span(actx, since, start, end)
    res = _prom(actx).label_values(name, match or [], t0, t1)
    _notes(actx, res)
    _emit(actx, names_table(res.data or [], "value"), fmt)


@app.command("metadata")
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

    fmt = _fmt(output)
    actx = _actx(ctx, url)
    prom = _prom(actx)
    res = prom.metadata(metric, limit)
    if metric and not res.data:
        # OpenMetrics targets register counters and histograms under the family name.
        for suffix in ("_total", "_bucket", "_count", "_sum", "_created", "_info"):
            if metric.endswith(suffix):
                res = prom.metadata(metric[: -len(suffix)], limit)
                break
    _notes(actx, res)
    _emit(actx, metadata_table(res.data or {}), fmt)


@app.command("targets")
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

    if state not in ("active", "dropped", "any"):
        raise typer.BadParameter(f"{state!r}: choose active, dropped or any", param_hint="'--state'")
    fmt = _fmt(output)
    actx = _actx(ctx, url)
    res = _prom(actx).targets(state, pool)
    _notes(actx, res)
    table = targets_table(res.data or {}, actx.now(), actx.out.style)
    _emit(actx, table, fmt)
    if check:
        bad = [r for r in table.rows if r["health"] not in ("up", "dropped")]
        if bad:
            first = bad[0]
            why = f" ({first['error']})" if first["error"] else ""
            raise CheckFailed(
                f"{len(bad)} of {sum(1 for r in table.rows if r['health'] != 'dropped')} targets are not up: "
                f"{first['pool']} {first['instance']} is {first['health']}{why}"
            )


@app.command("rules")
def rules(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option("--type", help="alert or record.", metavar="TYPE")] = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List alerting and recording rules with their health and state.

    \b
    Examples:
      obsctl metrics rules
      obsctl metrics rules --type alert -o wide
    """
    from obsctl.metrics.explore import rules_table

    if kind not in (None, "alert", "record"):
        raise typer.BadParameter(f"{kind!r}: choose alert or record", param_hint="'--type'")
    fmt = _fmt(output)
    actx = _actx(ctx, url)
    res = _prom(actx).rules(kind)
    _notes(actx, res)
    _emit(actx, rules_table(res.data or {}, actx.out.style), fmt)


@app.command("alerts")
def alerts(
    ctx: typer.Context,
    state: Annotated[
        str | None, typer.Option("--state", help="Only firing or pending alerts.", metavar="STATE")
    ] = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List alerts as Prometheus evaluates them (pending and firing, before Alertmanager).

    \b
    Examples:
      obsctl metrics alerts
      obsctl metrics alerts --state firing -o json
    """
    from obsctl.metrics.explore import Table, alerts_table

    if state not in (None, "firing", "pending"):
        raise typer.BadParameter(f"{state!r}: choose firing or pending", param_hint="'--state'")
    fmt = _fmt(output)
    actx = _actx(ctx, url)
    res = _prom(actx).alerts()
    _notes(actx, res)
    table = alerts_table(res.data or {}, actx.now(), actx.out.style)
    if state:
        rows = [r for r in table.rows if r["state"] == state]
        table = Table(table.columns, rows, rows, table.human)
    _emit(actx, table, fmt)


@app.command("exemplars")
def exemplars(
    ctx: typer.Context,
    expr: Annotated[
        str, typer.Argument(help="PromQL selecting the series, e.g. a histogram's _bucket.", metavar="EXPR")
    ],
    since: SinceOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List exemplars with their trace ids, and the command that shows each trace.

    Needs Prometheus with --enable-feature=exemplar-storage scraping OpenMetrics. Default window:
    the last hour.

    \b
    Examples:
      obsctl metrics exemplars 'http_request_duration_seconds_bucket' --since 15m
      obsctl metrics exemplars 'rate(http_requests_total[5m])' -o json
    """
    from obsctl.metrics.explore import exemplars_table

    fmt = _fmt(output)
    actx = _actx(ctx, url)
    _need_expr(expr)
    window = _window(actx, since=since or (None if start else "1h"), start=start, end=end, step=None)
    res = _prom(actx).exemplars(expr, window.start_s, window.end_s)
    _notes(actx, res)
    table = exemplars_table(res.data or [])
    if not table.rows and actx.out.is_tty:
        actx.out.info(
            "obsctl: no exemplars (is exemplar storage enabled, and does the target serve OpenMetrics?)"
        )
    _emit(actx, table, fmt)


@app.command("buildinfo")
def buildinfo(ctx: typer.Context, url: UrlOpt = None, output: OutputOpt = None) -> None:
    """Show the server's version and build (useful before relying on newer API features).

    \b
    Examples:
      obsctl metrics buildinfo
      obsctl metrics buildinfo --url http://localhost:9090 -o json
    """
    from obsctl.core.http import redact_url
    from obsctl.metrics.explore import buildinfo_table

    fmt = _fmt(output)
    actx = _actx(ctx, url)
    prom = _prom(actx)
    res = prom.buildinfo()
    _notes(actx, res)
    _emit(actx, buildinfo_table(res.data or {}, redact_url(prom.api.base_url)), fmt)


# --- scrape (no server needed) ----------------------------------------------------------------


@app.command("scrape")
def scrape(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Argument(help="http(s) URL of /metrics, a file, or - for stdin.", metavar="URL|FILE")
    ],
    match: Annotated[
        str | None,
        typer.Option(
            "--match", "-m", metavar="REGEX", help="Only families or samples whose name matches this regex."
        ),
    ] = None,
    families: Annotated[
        bool, typer.Option("--families", help="One row per family instead of per sample.")
    ] = False,
    timeout: Annotated[
        str, typer.Option("--timeout", metavar="DURATION", help="How long to wait for the URL, e.g. 5s.")
    ] = "10s",
    output: OutputOpt = None,
) -> None:
    """Read an app's metrics endpoint (or a file) directly: Prometheus text or OpenMetrics.

    Lists samples (or families) with exemplars, no Prometheus needed. Sends Prometheus' Accept
    header, so OpenMetrics-capable apps answer with exemplars. Exit 2 on a malformed file (with
    the line), 3 when a URL answers malformed text or an HTTP error, 5 when it cannot be reached.

    \b
    Examples:
      obsctl metrics scrape http://localhost:8000/metrics
      obsctl metrics scrape http://localhost:8000/metrics --match '^http_' -o wide
      obsctl metrics scrape metrics.txt --families
    """
    from obsctl.metrics import scrape as sc
    from obsctl.metrics.window import parse_seconds

    fmt = _fmt(output)
    actx = _actx(ctx)
    seconds = parse_seconds("--timeout", timeout)
    src = sc.read_source(
        target,
        timeout=seconds,
        env=actx.env,
        transport=actx.seams.transport,
        debug=actx.debug,
        stderr=actx.out.stderr,
    )
    expo = sc.parse_source(src, from_url=sc.is_url(target))
    chosen = sc.select(expo, match)
    table = sc.families_table(chosen) if families else sc.samples_table(chosen)
    if not table.rows and actx.out.is_tty:
        actx.out.info("obsctl: nothing matched" if match else "obsctl: the exposition has no samples")
    _emit(actx, table, fmt)


# --- export -----------------------------------------------------------------------------------


@app.command("export")
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

    fmt = _fmt(output, ("csv", "parquet")) or "csv"
    if fmt == "parquet":
        if not extra_available():
            raise UsageError("-o parquet needs the export extra", hint=EXTRA_HINT)
        if not file:
            raise UsageError("-o parquet writes a binary file: give --file PATH")
    actx = _actx(ctx, url)
    _need_expr(expr)
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

    prom = _prom(actx)
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
