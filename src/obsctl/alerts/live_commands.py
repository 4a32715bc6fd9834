"""Commands that talk to a running Alertmanager: list, silence, fire (+ drill), coverage.

Imported on every obsctl start (and TAB press): top-level imports stay typer, typing and
`obsctl.core.output`. Each command parses flags, hands them to `alerts.live` / `alerts.coverage`
and renders with `alerts.live_render`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from obsctl.core.output import OutputOpt
from obsctl.core.params import url_option

if TYPE_CHECKING:
    from obsctl.alerts.client import AlertmanagerClient
    from obsctl.alerts.config import AlertmanagerConfig
    from obsctl.alerts.promrules import AlertRule
    from obsctl.core.context import AppContext

UrlOpt = Annotated[str | None, url_option("alertmanager")]


def _actx(ctx: typer.Context) -> AppContext:
    from obsctl.core.context import AppContext

    return AppContext.of(ctx)


def _client(actx: AppContext, url: str | None) -> AlertmanagerClient:
    from obsctl.alerts.client import AlertmanagerClient

    actx.override("alertmanager", url=url)
    return AlertmanagerClient(actx.client("alertmanager"))


def _seconds(text: str, flag: str) -> float:
    from obsctl.core.params import duration_flag

    return duration_flag(flag, text)


# --- alerts list ---------------------------------------------------------------------------------


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
    actx = _actx(ctx)
    alerts = run(_client(actx, url), opts)
    if not alerts and actx.out.is_tty and fmt is None:
        actx.out.info("no alerts match")
    render_alerts(actx.out, alerts, fmt, actx.now())


# --- alerts silence ------------------------------------------------------------------------------

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
    window = timedelta(seconds=_seconds(within, "--within")) if within else None
    actx = _actx(ctx)
    now = actx.now()
    silences = list_silences(
        _client(actx, url),
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
    actx = _actx(ctx)
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
    silence = add_silence(_client(actx, url), spec)
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
    actx = _actx(ctx)
    results = expire_silences(_client(actx, url), ids or [], all_matching=all_matching or [])
    if not results and fmt is None:
        actx.out.info("no silences match")
    render_expired(actx.out, results, fmt)


# --- alerts fire ---------------------------------------------------------------------------------


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
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            help="With --drill: the alertmanager.yml to compare with (default: the running config).",
            metavar="FILE",
        ),
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
      obsctl alerts fire --drill alertname=DiskFull severity=critical team=storage --config alertmanager.yml
    """
    from obsctl.core.output import check_format

    fmt = check_format(output)
    actx = _actx(ctx)
    if not drill:
        if config is not None:
            raise typer.BadParameter("--config only applies to --drill", param_hint="'--config'")
        from obsctl.alerts.live import build_fire_spec, fire
        from obsctl.alerts.live_render import render_fired

        spec = build_fire_spec(
            labels or [],
            annotations=annotation or [],
            duration=duration,
            resolve=resolve,
            now=actx.now(),
            generator_url=generator_url,
        )
        fire(_client(actx, url), spec)
        render_fired(actx.out, spec, fmt)
        return
    if resolve:
        raise typer.BadParameter("a drill resolves its alert itself", param_hint="'--resolve'")
    wait = _seconds(timeout, "--timeout")
    _run_drill(actx, labels or [], annotation or [], config, wait, author, url, fmt)


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
    from obsctl.alerts.live import (
        DrillOptions,
        default_author,
        parse_alert_labels,
        parse_annotations,
        run_drill,
    )
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
        _client(actx, url),
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


# --- alerts coverage -----------------------------------------------------------------------------


def coverage(
    ctx: typer.Context,
    rule_files: Annotated[
        list[str] | None,
        typer.Argument(help="Prometheus rule files (same as --rules).", metavar="[RULE_FILE]..."),
    ] = None,
    rules: Annotated[
        list[str] | None, typer.Option("--rules", help="Prometheus rule file (repeatable).", metavar="FILE")
    ] = None,
    from_prometheus: Annotated[
        bool,
        typer.Option("--from-prometheus", help="Read alerting rules (and external labels) from Prometheus."),
    ] = False,
    prometheus_url: Annotated[
        str | None,
        typer.Option("--prometheus-url", help="Prometheus URL, overriding the context.", metavar="URL"),
    ] = None,
    config: Annotated[
        str | None,
        typer.Option(
            "--config", help="alertmanager.yml to route with (default: the running config).", metavar="FILE"
        ),
    ] = None,
    label: Annotated[
        list[str] | None,
        typer.Option(
            "--label",
            "-l",
            help="Extra label on every alert, e.g. cluster=prod (repeatable).",
            metavar="NAME=VALUE",
        ),
    ] = None,
    fail_on_default: Annotated[
        bool, typer.Option("--fail-on-default", help="Exit 1 if any alert falls to the default receiver.")
    ] = False,
    fail_on_unreached: Annotated[
        bool, typer.Option("--fail-on-unreached", help="Exit 1 if some route is reached by no rule.")
    ] = False,
    url: UrlOpt = None,
    output: OutputOpt = None,
) -> None:
    """Route every alerting rule through the tree: which receivers each alert reaches, which alerts
    fall to the default (root) receiver, and which routes no rule reaches.

    Each rule is routed with alertname + its static labels (+ --label, + Prometheus' external labels
    with --from-prometheus); labels set from the query's series are not known before the alert
    fires, and templated label values are left out (noted in the table). JSON keys: config,
    default_receiver, alerts[{alert, labels, receivers, routes, default, source, templated_labels}],
    unreached_routes[{route, receiver, matchers, line}], summary{alerts, default, routes, unreached_routes}.

    \b
    Examples:
      obsctl alerts coverage rules/*.yml --config alertmanager.yml
      obsctl alerts coverage --from-prometheus --fail-on-default
      obsctl alerts coverage --rules node.rules.yml -l cluster=prod -o json
    """
    from obsctl.core.output import check_format

    fmt = check_format(output)
    files = [*(rule_files or []), *(rules or [])]
    if not files and not from_prometheus:
        raise typer.BadParameter(
            "give rule files (or --rules FILE) or --from-prometheus", param_hint="'--rules'"
        )
    actx = _actx(ctx)
    from obsctl.alerts.coverage import compute_coverage
    from obsctl.alerts.live_render import render_coverage
    from obsctl.alerts.matchers import parse_label_args
    from obsctl.alerts.promrules import load_rule_files

    extra = parse_label_args(label or [])
    alert_rules = load_rule_files(files)
    cfg = _coverage_config(actx, config, url)
    if from_prometheus:
        fetched, external = _prometheus_rules(actx, prometheus_url)
        alert_rules.extend(fetched)
        extra = {**external, **extra}
    report = compute_coverage(cfg, alert_rules, extra_labels=extra)
    render_coverage(actx.out, report, fmt)
    from obsctl.core.errors import CheckFailed

    if report.defaulted and not fail_on_default:
        actx.out.info(
            f"{len(report.defaulted)} of {len(report.rows)} alerts fall to the default receiver "
            f"{report.default_receiver!r}"
        )
    if fail_on_default and report.defaulted:
        names = ", ".join(sorted({r.alert for r in report.defaulted}))
        raise CheckFailed(
            f"{len(report.defaulted)} of {len(report.rows)} alerts fall to the default receiver: {names}",
            hint="add a route for them, or drop --fail-on-default",
        )
    if fail_on_unreached and report.unreached:
        raise CheckFailed(
            f"{len(report.unreached)} of {report.route_count} routes are reached by no rule",
            hint="remove the dead routes, or drop --fail-on-unreached",
        )


def _coverage_config(actx: AppContext, config: str | None, url: str | None) -> AlertmanagerConfig:
    from obsctl.alerts.config import load_config_file, load_config_text

    if config is not None:
        return load_config_file(config)
    client = _client(actx, url)
    return load_config_text(client.config_text(), f"{client.api.base_url} (running config)")


def _prometheus_rules(actx: AppContext, url: str | None) -> tuple[list[AlertRule], dict[str, str]]:
    from obsctl.alerts.promrules import external_labels, rules_from_api

    actx.override("prometheus", url=url)
    prom = actx.client("prometheus")
    rules = rules_from_api(prom.get_json("/api/v1/rules", params={"type": "alert"}))
    status = prom.get_json("/api/v1/status/config")
    yaml_text = status.get("data", {}).get("yaml", "") if isinstance(status, dict) else ""
    return rules, external_labels(yaml_text if isinstance(yaml_text, str) else "")


def register(app: typer.Typer) -> None:
    """Add the live verbs to the alerts app."""
    app.command("list")(list_alerts)
    app.add_typer(silence_app, name="silence")
    app.command("fire")(fire_alert)
    app.command("coverage")(coverage)
