"""`obsctl alerts fire`: post an alert, or run a fire drill that pages no one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from obsctl.alerts.commands._common import UrlOpt, actx_of, am_client, am_config_option, positive_seconds
from obsctl.core.output import OutputOpt

if TYPE_CHECKING:
    from obsctl.core.context import AppContext


def fire_alert(
    ctx: typer.Context,
    labels: Annotated[
        list[str] | None,
        typer.Argument(
            help="Labels: alertname=X severity=warning (or the alertname first).", metavar="NAME=VALUE..."
        ),
    ] = None,
    annotation: Annotated[
        list[str] | None,
        typer.Option("--annotation", help="Annotation name=value (repeatable).", metavar="NAME=VALUE"),
    ] = None,
    duration: Annotated[
        str, typer.Option("--duration", "-d", help="Firing for how long (endsAt).", metavar="DURATION")
    ] = "5m",
    resolve: Annotated[bool, typer.Option("--resolve", help="Resolve the alert (endsAt now).")] = False,
    generator_url: Annotated[
        str | None, typer.Option("--generator-url", help="Link back to the alert's source.", metavar="URL")
    ] = None,
    drill: Annotated[
        bool,
        typer.Option(
            "--drill",
            help="Fire drill: silence, fire, read back the receivers, resolve, expire; exit 1 if routing differs.",
        ),
    ] = False,
    am_config: Annotated[
        str | None,
        am_config_option("With --drill: the alertmanager.yml to compare with (default: the running config)."),
    ] = None,
    timeout: Annotated[
        str,
        typer.Option("--timeout", help="With --drill: how long to wait for the alert.", metavar="DURATION"),
    ] = "10s",
    author: Annotated[
        str | None,
        typer.Option(
            "--author", help="With --drill: silence author (default $USER@hostname).", metavar="NAME"
        ),
    ] = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """Post an alert to the running Alertmanager, or run a fire drill that pages no one.

    A plain fire posts startsAt=now, endsAt=now+--duration (it resolves by itself), and --resolve
    ends it now. --drill proves the running Alertmanager routes as a file says: it refuses labels
    that match an inhibit rule's source side, silences a unique obsctl_drill label, posts the alert,
    reads back the receivers and groups Alertmanager computed, then always resolves the alert and
    expires the silence (also on errors and Ctrl-C). Exit 1 when receivers or groups differ.
    Drill JSON keys: drill_id, labels, passed, expected{source,receivers,groups},
    actual{receivers,state,silenced_by,groups}, checks[{check,expected,actual,ok}],
    cleanup{silence_id,alert_resolved,silence_expired,errors}.

    \b
    Examples:
      obsctl alerts fire alertname=DiskFull severity=warning --annotation summary='disk 95% full'
      obsctl alerts fire alertname=DiskFull severity=warning --resolve
      obsctl alerts fire --drill alertname=DiskFull severity=critical team=storage --am-config alertmanager.yml
    """
    from obsctl.core.output import check_format

    fmt = check_format(output)
    actx = actx_of(ctx)
    if not drill:
        if am_config is not None:
            raise typer.BadParameter("--am-config only applies to --drill", param_hint="'--am-config'")
        from obsctl.alerts.firing import build_fire_spec, fire
        from obsctl.alerts.live_render import render_fired

        spec = build_fire_spec(
            labels or [],
            annotations=annotation or [],
            duration=duration,
            resolve=resolve,
            now=actx.now(),
            generator_url=generator_url,
        )
        fire(am_client(actx, url), spec)
        render_fired(actx.out, spec, fmt)
        return
    if resolve:
        raise typer.BadParameter("a drill resolves its alert itself", param_hint="'--resolve'")
    wait = positive_seconds(timeout, "--timeout")
    _run_drill(actx, labels or [], annotation or [], am_config, wait, author, url, fmt)


def _run_drill(
    actx: AppContext,
    labels: list[str],
    annotations: list[str],
    config: str | None,
    timeout: float,
    author: str | None,
    url: str | None,
    fmt: str | None,
) -> None:
    from obsctl.alerts.drill import DrillOptions, run_drill
    from obsctl.alerts.firing import parse_alert_labels, parse_annotations
    from obsctl.alerts.live import default_author
    from obsctl.alerts.live_render import render_drill
    from obsctl.core.errors import CheckFailed

    opts = DrillOptions(
        labels=parse_alert_labels(labels),
        annotations=parse_annotations(annotations),
        timeout=timeout,
        author=author or default_author(actx.env),
    )
    expected_cfg = None
    if config is not None:
        from obsctl.alerts.config import load_config_file

        expected_cfg = load_config_file(config)
    report = run_drill(
        am_client(actx, url),
        opts,
        expected_config=expected_cfg,
        expected_source=config or "running config",
        now=actx.now,
        sleep=actx.seams.sleep,
    )
    render_drill(actx.out, report, fmt)
    if not report.passed:
        failed = [c.check for c in report.checks if c.ok is False] or ["receivers"]
        raise CheckFailed(
            f"fire drill {report.drill_id}: the running Alertmanager differs from {report.expected_source} "
            f"({', '.join(failed)})",
            hint="compare with `obsctl alerts test` on both configs, or reload Alertmanager after editing",
        )
    actx.out.info(f"fire drill {report.drill_id}: routing matches {report.expected_source}; cleaned up")
