"""`obsctl alerts silence list|add|expire`: silences on the running Alertmanager."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.alerts.commands._common import UrlOpt, actx_of, am_client, positive_seconds
from obsctl.core.output import OutputOpt

silence_app = typer.Typer(
    name="silence",
    help=(
        "List, add and expire silences on the running Alertmanager.\n\n"
        "\b\nExamples:\n"
        "  obsctl alerts silence add alertname=NodeDown instance=db1 --duration 2h --comment 'disk swap'\n"
        "  obsctl alerts silence list\n"
        "  obsctl alerts silence expire $(obsctl alerts silence list -q alertname=NodeDown)"
    ),
    no_args_is_help=True,
)


@silence_app.command("list")
def silence_list(
    ctx: typer.Context,
    matchers: Annotated[
        list[str] | None,
        typer.Argument(help="Only silences whose matchers match these filters.", metavar="[MATCHER]..."),
    ] = None,
    expired: Annotated[
        bool, typer.Option("--expired", help="Show expired silences instead of current ones.")
    ] = False,
    all_states: Annotated[
        bool, typer.Option("--all", "-A", help="Show active, pending and expired.")
    ] = False,
    created_by: Annotated[
        str | None, typer.Option("--created-by", help="Only silences by this author.", metavar="AUTHOR")
    ] = None,
    within: Annotated[
        str | None,
        typer.Option(
            "--within",
            help="Only silences ending within this duration (with --expired: that ended within it).",
            metavar="DURATION",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print silence IDs only.")] = False,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """List silences (default: active and pending).

    JSON keys per silence: id, state, matchers, starts_at, ends_at, updated_at, created_by, comment.

    \b
    Examples:
      obsctl alerts silence list
      obsctl alerts silence list alertname=NodeDown --within 2h
      obsctl alerts silence list --expired -o json
    """
    from datetime import timedelta

    from obsctl.alerts.live import list_silences
    from obsctl.alerts.live_render import render_silences
    from obsctl.core.output import check_format

    fmt = check_format(output)
    if expired and all_states:
        raise typer.BadParameter("give --expired or --all, not both", param_hint="'--expired'")
    window = timedelta(seconds=positive_seconds(within, "--within")) if within else None
    actx = actx_of(ctx)
    now = actx.now()
    silences = list_silences(
        am_client(actx, url),
        matchers or [],
        which="all" if all_states else ("expired" if expired else "current"),
        created_by=created_by,
        within=window,
        now=now,
    )
    if not silences and actx.out.is_tty and fmt is None and not quiet:
        actx.out.info("no silences match")
    render_silences(actx.out, silences, fmt, now, quiet=quiet)


@silence_app.command("add")
def silence_add(
    ctx: typer.Context,
    matchers: Annotated[
        list[str] | None,
        typer.Argument(help='Matchers: alertname=NodeDown, instance=~"db.*".', metavar="MATCHER..."),
    ] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="Why (required).", metavar="TEXT")] = None,
    duration: Annotated[
        str | None, typer.Option("--duration", "-d", help="How long (default 1h).", metavar="DURATION")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Start time (default now).", metavar="TIME")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="End time instead of --duration.", metavar="TIME")
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", help="Default: $USER@hostname.", metavar="NAME")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the new silence ID only.")] = False,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """Silence alerts matching all MATCHERS. Matchers are checked before anything is sent.

    \b
    Examples:
      obsctl alerts silence add alertname=NodeDown instance=db1 --comment 'disk swap' -d 2h
      obsctl alerts silence add 'alertname=~"Kube.*"' namespace=dev --end 2026-01-03T08:00:00Z --comment upgrade
      ID=$(obsctl alerts silence add -q job=batch --comment 'nightly rerun')
    """
    from obsctl.alerts.live import add_silence, build_silence_spec
    from obsctl.alerts.live_render import render_silences
    from obsctl.core.output import check_format

    fmt = check_format(output)
    actx = actx_of(ctx)
    now = actx.now()
    spec = build_silence_spec(
        matchers or [],
        now=now,
        duration=duration,
        start=start,
        end=end,
        comment=comment,
        author=author,
        env=actx.env,
    )
    silence = add_silence(am_client(actx, url), spec)
    render_silences(actx.out, [silence], fmt, now, quiet=quiet)


@silence_app.command("expire")
def silence_expire(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(help="Silence IDs.", metavar="[ID]...")] = None,
    all_matching: Annotated[
        list[str] | None,
        typer.Option(
            "--all-matching",
            help="Also expire every current silence matching this filter (repeatable).",
            metavar="MATCHER",
        ),
    ] = None,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """Expire silences by ID, or every current silence matching --all-matching filters.

    Expiring an already expired silence is not an error. JSON keys: id, matchers, previous_state, expired.

    \b
    Examples:
      obsctl alerts silence expire 0233507a-f18d-4b01-98ae-484dfd0b8527
      obsctl alerts silence expire --all-matching alertname=NodeDown --all-matching instance=db1
    """
    from obsctl.alerts.live import expire_silences
    from obsctl.alerts.live_render import render_expired
    from obsctl.core.output import check_format

    fmt = check_format(output)
    actx = actx_of(ctx)
    results = expire_silences(am_client(actx, url), ids or [], all_matching=all_matching or [])
    if not results and fmt is None:
        actx.out.info("no silences match")
    render_expired(actx.out, results, fmt)
