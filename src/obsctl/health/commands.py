"""`obsctl health`: probe this machine and the observability stack, or run checks as code.

Imported on every obsctl start (and TAB press): typer and obsctl.core.output only at the top;
everything else is imported inside the command.
"""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.core.params import output_option

HealthOutputOpt = Annotated[
    str | None,
    output_option(("table", "wide", "json", "jsonl", "yaml", "csv", "tsv", "junit", "prometheus")),
]

HELP = """Probe this machine and every backend of the current context, or run checks as code.

With no configuration it checks memory, swap, every real filesystem's space and inodes, load per
core and open-file headroom (warn 80%, fail 90% for memory and disk), then each backend the
context names: Prometheus (/-/ready, build info, targets down), Alertmanager (/-/ready, cluster),
Elasticsearch (cluster health, age of the newest log) and Jaeger (services).

With -f (or a `health:` section in the context) it runs your probes: http, tcp, dns, redis,
postgres, system, process, command and backend. See docs/health.md for the file format.

Exit status: 0 all passed (warnings allowed unless --strict), 1 a check failed, 2 bad usage or an
invalid probes file.

\b
Examples:
  obsctl health
  obsctl health -f probes.yaml --only api,cache
  obsctl health -f probes.yaml -o junit > health.xml
  obsctl health -f probes.yaml -o prometheus > /var/lib/node_exporter/obsctl.prom
  obsctl health --watch 10s --skip system
"""

app = typer.Typer(
    name="health", help=HELP, invoke_without_command=True, rich_markup_mode=None, subcommand_metavar=""
)


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for item in values or [] for v in item.split(",") if v.strip())


@app.callback(invoke_without_command=True)
def health(
    ctx: typer.Context,
    file: Annotated[
        str | None,
        typer.Option("-f", "--file", help="Probes file (YAML); '-' reads stdin.", metavar="PATH"),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Run only probes whose name, kind or tag matches (glob; repeat or comma-separate).",
            metavar="NAME",
        ),
    ] = None,
    skip: Annotated[
        list[str] | None,
        typer.Option(
            "--skip",
            help="Skip probes whose name, kind or tag matches (glob; repeat or comma-separate).",
            metavar="NAME",
        ),
    ] = None,
    output: HealthOutputOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too.")] = False,
    fail_fast: Annotated[
        bool,
        typer.Option("--fail-fast", help="Stop at the first failed check; the rest are reported as skipped."),
    ] = False,
    watch: Annotated[
        str | None,
        typer.Option("--watch", help="Re-run every DURATION (e.g. 10s) until Ctrl-C.", metavar="DURATION"),
    ] = None,
    concurrency: Annotated[
        int,
        typer.Option(
            "-j",
            "--concurrency",
            help="Probes in flight at once (default 256).",
            min=1,
            max=4096,
            show_default=False,
            metavar="N",
        ),
    ] = 256,
) -> None:
    """Probe this machine and the observability stack, or run checks as code."""
    from obsctl.core.context import AppContext
    from obsctl.core.output import check_format
    from obsctl.core.timeparse import to_rfc3339
    from obsctl.health import service
    from obsctl.health.report import FORMATS, render, summary_line

    fmt = check_format(output, FORMATS)
    opts = service.HealthOptions(
        file=file,
        only=_split(only),
        skip=_split(skip),
        output=fmt,
        strict=strict,
        fail_fast=fail_fast,
        watch=_watch_seconds(watch),
        concurrency=concurrency,
    )
    actx = AppContext.of(ctx)
    probes, source = service.load_probes(actx, opts)
    penv = service.probe_env(actx, probes, source)
    if opts.watch is not None:
        service.watch(actx, probes, penv, opts)
        return
    report = service.run_once(probes, penv, opts, to_rfc3339(actx.now()))
    render(report, fmt, actx.out)
    if fmt in (None, "table", "wide"):
        actx.out.info(summary_line(report))
    service.outcome(report)


def _watch_seconds(text: str | None) -> float | None:
    if text is None:
        return None
    from obsctl.core.params import duration_flag

    return duration_flag("--watch", text, minimum=1.0, example="10s")
