"""`obsctl alerts list`: the alerts of the running Alertmanager."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.alerts.commands._common import UrlOpt, actx_of, am_client
from obsctl.core.output import OutputOpt


def list_alerts(
    ctx: typer.Context,
    matchers: Annotated[
        list[str] | None,
        typer.Argument(
            help='Filters: alertname=~"Node.*", severity!=info; a bare first word is the alertname.',
            metavar="[MATCHER]...",
        ),
    ] = None,
    active: Annotated[bool, typer.Option("--active", "-a", help="Show active alerts.")] = False,
    silenced: Annotated[bool, typer.Option("--silenced", "-s", help="Show silenced alerts.")] = False,
    inhibited: Annotated[bool, typer.Option("--inhibited", "-i", help="Show inhibited alerts.")] = False,
    unprocessed: Annotated[
        bool, typer.Option("--unprocessed", "-u", help="Show unprocessed alerts.")
    ] = False,
    all_states: Annotated[bool, typer.Option("--all", "-A", help="Show alerts in every state.")] = False,
    receiver: Annotated[
        str | None,
        typer.Option(
            "--receiver", "-r", help="Only alerts routed to a receiver matching this regex.", metavar="REGEX"
        ),
    ] = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List the alerts of the running Alertmanager (GET /api/v2/alerts).

    With no state flag only active alerts are shown (as amtool does); combine -a -s -i -u, or --all.
    Receivers are the ones the live routing tree computes. The table's STATE says why an alert is
    suppressed (silenced, inhibited); JSON keeps Alertmanager's state. JSON keys per alert: fingerprint,
    alertname, state, labels, annotations, receivers, starts_at, ends_at, updated_at, silenced_by,
    inhibited_by, muted_by, generator_url.

    \b
    Examples:
      obsctl alerts list
      obsctl alerts list 'alertname=~"Node.*"' severity=critical --all
      obsctl alerts list --silenced --receiver 'team-.*' -o json
    """
    from obsctl.alerts.live import ListOptions
    from obsctl.alerts.live import list_alerts as run
    from obsctl.alerts.live_render import render_alerts
    from obsctl.core.output import check_format

    fmt = check_format(output)
    opts = ListOptions.build(
        matchers or [],
        active=active,
        silenced=silenced,
        inhibited=inhibited,
        unprocessed=unprocessed,
        all_states=all_states,
        receiver=receiver,
    )
    actx = actx_of(ctx)
    alerts = run(am_client(actx, url), opts)
    if not alerts and actx.out.is_tty and fmt is None:
        actx.out.info("no alerts match")
    render_alerts(actx.out, alerts, fmt, actx.now())
