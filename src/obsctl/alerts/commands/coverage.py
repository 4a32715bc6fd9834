"""`obsctl alerts coverage`: route every alerting rule through the tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from obsctl.alerts.commands._common import UrlOpt, actx_of, am_client, am_config_option
from obsctl.core.output import OutputOpt
from obsctl.core.params import url_flag_callback

if TYPE_CHECKING:
    from obsctl.alerts.config import AlertmanagerConfig
    from obsctl.alerts.promrules import AlertRule
    from obsctl.core.context import AppContext


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
        typer.Option(
            "--prometheus-url",
            help="Prometheus URL, overriding the context.",
            metavar="URL",
            callback=url_flag_callback("prometheus"),
        ),
    ] = None,
    am_config: Annotated[
        str | None, am_config_option("alertmanager.yml to route with (default: the running config).")
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
      obsctl alerts coverage rules/*.yml --am-config alertmanager.yml
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
    actx = actx_of(ctx)
    from obsctl.alerts.coverage import compute_coverage
    from obsctl.alerts.live_render import render_coverage
    from obsctl.alerts.matchers import parse_label_args
    from obsctl.alerts.promrules import load_rule_files

    extra = parse_label_args(label or [])
    alert_rules = load_rule_files(files)
    cfg = _coverage_config(actx, am_config, url)
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
    client = am_client(actx, url)
    return load_config_text(client.config_text(), f"{client.api.base_url} (running config)")


def _prometheus_rules(actx: AppContext, url: str | None) -> tuple[list[AlertRule], dict[str, str]]:
    # The one place alerts/ reaches into another signal: the Prometheus client is wired here and
    # handed to promrules as a Protocol, so the rules logic itself depends on no other signal.
    from obsctl.alerts.promrules import rules_from_prometheus
    from obsctl.metrics.client import PromClient

    actx.override("prometheus", url=url, url_flag="--prometheus-url")
    return rules_from_prometheus(PromClient(actx.client("prometheus")))
