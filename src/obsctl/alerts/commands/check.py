"""`obsctl alerts check`: validate alertmanager.yml files like `amtool check-config`, plus lint."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.alerts.commands._common import OutputFmt, actx_of, check_fmt


def check_cmd(
    ctx: typer.Context,
    files: Annotated[
        list[str], typer.Argument(metavar="FILE...", help="alertmanager.yml files to validate.")
    ],
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when there are warnings.")] = False,
    output: OutputFmt = None,
) -> None:
    """Validate configs like `amtool check-config`, plus lint Alertmanager does not do.

    Errors (exit 2) are what Alertmanager refuses to load, with file:line. Warnings
    (exit 0, or 1 with --strict): unreachable/shadowed routes, unused receivers and time
    intervals, ${VAR} placeholders Alertmanager will not expand, deprecated match/match_re.

    \b
    Examples:
      obsctl alerts check alertmanager.yml
      obsctl alerts check --strict -o json configs/*.yml
    """
    from obsctl.alerts.check import check_files, render_check_reports, verdict

    actx = actx_of(ctx)
    fmt = check_fmt(output, ("json", "yaml", "table", "tsv", "jsonl"))
    reports = check_files(files)
    render_check_reports(actx.out, reports, fmt)
    verdict(reports, strict=strict)
