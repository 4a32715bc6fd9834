"""Shared pieces of the `obsctl metrics` verbs: their flags and small helpers.

Imported on every start (and every TAB press), so only typer and the light output types are
imported here; each verb imports its logic inside its body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from obsctl.core.params import match_option, url_option

if TYPE_CHECKING:
    from obsctl.core.context import AppContext
    from obsctl.metrics.client import PromClient
    from obsctl.metrics.explore import Table
    from obsctl.metrics.window import Window

QUERY_FORMATS = ("table", "wide", "json", "jsonl", "yaml", "csv", "tsv", "graph")

UrlOpt = Annotated[str | None, url_option("prometheus")]
MatchOpt = Annotated[
    list[str] | None, match_option("Series selector to restrict to (repeatable).", metavar="SELECTOR")
]


def app_context(ctx: typer.Context, url: str | None = None) -> AppContext:
    """The AppContext with `--url` applied to the prometheus backend."""
    from obsctl.core.context import AppContext

    return AppContext.with_url(ctx, "prometheus", url)


def prom_client(actx: AppContext) -> PromClient:
    from obsctl.metrics.client import PromClient

    return PromClient(actx.client("prometheus"))


def check_output(output: str | None, allowed: tuple[str, ...] | None = None) -> str | None:
    from obsctl.core.output import OUTPUT_FORMATS, check_format

    return check_format(output, allowed or OUTPUT_FORMATS)


def notes(actx: AppContext, res: Any) -> None:
    """Server warnings and infos go to stderr, never into the data."""
    for w in res.warnings:
        actx.out.warn(f"prometheus: {w}")
    for i in res.infos:
        actx.out.info(f"obsctl: info: prometheus: {i}")


def emit(actx: AppContext, table: Table, fmt: str | None) -> None:
    """Render an explore Table (core's View) the one way every command renders."""
    actx.out.render(table, fmt)


def window_of(actx: AppContext, **flags: Any) -> Window:
    from obsctl.metrics.window import resolve_window

    return resolve_window(actx.now(), **flags)


def span(
    actx: AppContext, since: str | None, start: str | None, end: str | None
) -> tuple[float | None, float | None]:
    """Optional [start, end] for the metadata endpoints (series, labels, label values)."""
    if since is None and start is None and end is None:
        return None, None
    w = window_of(actx, since=since, start=start, end=end, step=None)
    return w.start_s, w.end_s


def need_expr(expr: str, what: str = "EXPR") -> str:
    from obsctl.core.errors import UsageError

    if not expr.strip():
        raise UsageError(f"{what} is empty", hint="give a PromQL expression, e.g. 'up'")
    return expr


def server_timeout(actx: AppContext, timeout: str | None) -> str | None:
    """--timeout goes to Prometheus (evaluation limit) and stretches the HTTP timeout to fit."""
    if timeout is None:
        return None
    from obsctl.core.params import duration_flag
    from obsctl.core.timeparse import format_duration

    seconds = duration_flag("--timeout", timeout)
    actx.override("prometheus", timeout=seconds + 5)
    return format_duration(seconds)
