"""`obsctl alerts diff`: which alerts change receivers or grouping between two configs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from obsctl.alerts.commands._common import EngineUrlOpt, OutputFmt, actx_of, am_client, check_fmt

if TYPE_CHECKING:
    from obsctl.core.context import AppContext


def live_label_sets(actx: AppContext) -> list[tuple[str, dict[str, str]]]:
    """(name, labels) of the alerts the running Alertmanager holds now (GET /api/v2/alerts)."""
    alerts = am_client(actx, None).alerts()
    return [
        (f"live {a.labels.get('alertname', '?')} {a.fingerprint}".strip(), dict(a.labels)) for a in alerts
    ]


def diff_cmd(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(metavar="OLD.yml", help="The config in production.")],
    new: Annotated[str, typer.Argument(metavar="NEW.yml", help="The config you want to roll out.")],
    cases: Annotated[
        str | None,
        typer.Option("-f", "--file", metavar="CASES.yaml", help="Route the label sets of this test file."),
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Also route the alerts firing now (GET /api/v2/alerts).")
    ] = False,
    no_probes: Annotated[
        bool,
        typer.Option("--no-probes", help="Do not add one synthetic alert per route of both configs."),
    ] = False,
    fail_on_change: Annotated[
        bool, typer.Option("--fail-on-change", help="Exit 1 when any label set changes.")
    ] = False,
    url: EngineUrlOpt = None,
    output: OutputFmt = None,
) -> None:
    """Show which alerts would change receivers or grouping between two configs.

    Label sets come from -f CASES, from --live firing alerts, and (unless --no-probes)
    from one synthetic alert per route built from the routes' own matchers.

    \b
    Examples:
      obsctl alerts diff prod.yml new.yml
      obsctl alerts diff prod.yml new.yml -f routes-test.yaml --fail-on-change
      obsctl alerts diff prod.yml new.yml --live -o json
    """
    from obsctl.alerts.config import load_config_file
    from obsctl.alerts.diff import diff_label_sets, probe_label_sets, render_changes
    from obsctl.core.errors import CheckFailed

    actx = actx_of(ctx)
    actx.override("alertmanager", url=url)
    fmt = check_fmt(output)
    old_cfg, new_cfg = load_config_file(old), load_config_file(new)
    label_sets: list[tuple[str, Any]] = []
    if cases:
        from obsctl.alerts.cases import load_cases_file

        label_sets += [(c.name, c.labels) for c in load_cases_file(cases).cases]
    if live:
        label_sets += live_label_sets(actx)
    if not no_probes:
        label_sets += probe_label_sets(old_cfg, new_cfg)
    changes = diff_label_sets(old_cfg, new_cfg, label_sets)
    render_changes(actx.out, changes, len(label_sets), fmt)
    if fail_on_change and changes:
        raise CheckFailed(f"{len(changes)} label set{'s' * (len(changes) != 1)} change routing")
