"""`obsctl metrics`: PromQL from the terminal, for people and for scripts; one module per verb.

The group knows the verbs by name (VERBS) and imports and builds only the one being run, as the
alerts group does (core/lazycli.py); `--help` and the docs generator still list every verb.
"""

from __future__ import annotations

import typer

from obsctl.core.lazycli import verb_group
from obsctl.metrics.commands.common import UrlOpt, app_context

# verb -> (module, function), in the order `--help` lists them.
VERBS: dict[str, tuple[str, str]] = {
    "query": ("obsctl.metrics.commands.query", "query"),
    "series": ("obsctl.metrics.commands.series", "series"),
    "labels": ("obsctl.metrics.commands.labels", "labels"),
    "label-values": ("obsctl.metrics.commands.label_values", "label_values"),
    "metadata": ("obsctl.metrics.commands.metadata", "metadata"),
    "targets": ("obsctl.metrics.commands.targets", "targets"),
    "rules": ("obsctl.metrics.commands.rules", "rules"),
    "alerts": ("obsctl.metrics.commands.alerts", "alerts"),
    "exemplars": ("obsctl.metrics.commands.exemplars", "exemplars"),
    "buildinfo": ("obsctl.metrics.commands.buildinfo", "buildinfo"),
    "scrape": ("obsctl.metrics.commands.scrape", "scrape"),
    "export": ("obsctl.metrics.commands.export", "export"),
}


app = typer.Typer(
    name="metrics",
    cls=verb_group(VERBS),
    help=(
        "Query Prometheus and compatibles (Thanos, Mimir, VictoriaMetrics), or read an app's /metrics.\n\n"
        "The server comes from the current context (`obsctl config`), OBSCTL_PROMETHEUS_URL or --url.\n\n"
        "\b\nExamples:\n"
        "  obsctl metrics query 'rate(http_requests_total[5m])' --since 1h\n"
        "  obsctl metrics query up -o graph --since 30m --legend '{{job}}/{{instance}}'\n"
        "  obsctl metrics targets --check\n"
        "  obsctl metrics scrape http://localhost:8000/metrics --match '^http_'"
    ),
    no_args_is_help=True,
)


@app.callback()
def metrics_group(ctx: typer.Context, url: UrlOpt = None) -> None:
    """Query Prometheus and compatibles, or read an app's /metrics."""
    if url:
        app_context(ctx, url)


__all__ = ["VERBS", "app"]
