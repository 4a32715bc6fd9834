"""`obsctl traces deps`: the service call graph Jaeger computed, as a table or a tree."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.traces.commands._common import UrlOpt, fmt, jaeger, set_url

DEPS_FORMATS = ("table", "tree", "wide", "json", "jsonl", "yaml", "csv", "tsv")


def register(app: typer.Typer) -> None:
    app.command("deps")(deps_cmd)


def deps_cmd(
    ctx: typer.Context,
    since: Annotated[
        str, typer.Option("--since", help="Look back this far (e.g. 1h, 1d).", metavar="DURATION")
    ] = "1d",
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", help="table, tree, json, jsonl, yaml, csv, tsv.", metavar="FORMAT"),
    ] = None,
    url: UrlOpt = None,
) -> None:
    """Which service calls which, and how often (Jaeger's /api/dependencies).

    \b
    Examples:
      obsctl traces deps --since 1h
      obsctl traces deps -o tree
    """
    from datetime import timedelta

    from obsctl.core.output import Column
    from obsctl.core.params import duration_flag

    actx = set_url(ctx, url)
    out_fmt = fmt(output, DEPS_FORMATS)
    window = timedelta(seconds=duration_flag("--since", since, example="1d"))
    deps = jaeger(actx).dependencies(actx.now(), int(window.total_seconds() * 1000))
    deps.sort(key=lambda d: (d.parent, -d.call_count, d.child))
    if out_fmt == "tree":
        from obsctl.traces.search_view import deps_tree

        actx.out.write_lines(deps_tree(deps))
        return
    rows = [{"parent": d.parent, "child": d.child, "calls": d.call_count} for d in deps]
    cols = [Column("parent", "caller"), Column("child", "callee"), Column("calls", "calls")]
    actx.out.render_rows(cols, rows, out_fmt)
    if not deps:
        actx.out.info(f"obsctl: no dependencies recorded in the last {since}")
