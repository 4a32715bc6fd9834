"""`obsctl metrics scrape`."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.core.output import OutputOpt
from obsctl.metrics.commands.common import app_context, check_output


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
    Samples are written as they are read (csv, tsv, jsonl and piped output), so pages of any size
    stream in constant memory; -o json/yaml build one document.

    \b
    Examples:
      obsctl metrics scrape http://localhost:8000/metrics
      obsctl metrics scrape http://localhost:8000/metrics --match '^http_' -o wide
      obsctl metrics scrape metrics.txt --families
    """
    from obsctl.metrics import scrape as sc
    from obsctl.metrics.scrape_render import compile_match
    from obsctl.metrics.window import parse_seconds

    fmt = check_output(output)
    actx = app_context(ctx)
    seconds = parse_seconds("--timeout", timeout)
    rx = compile_match(match)
    out = actx.out
    how = sc.Fetch(seconds, actx.env, actx.seams.transport, actx.debug, out.stderr)
    with sc.open_stream(target, how=how, warn=out.warn) as stream:
        rows = sc.write(out, stream, rx, families=families, fmt=fmt)
    if not rows and out.is_tty:
        out.info("obsctl: nothing matched" if match else "obsctl: the exposition has no samples")
