"""`obsctl alerts`: route testing, config checks and live Alertmanager verbs, one module per verb.

Offline verbs: test, routes, check, diff. Verbs that talk to a running Alertmanager: list,
silence, fire, coverage. Each module keeps only typer and typing at top level; the engine,
YAML and HTTP code load inside the command that needs them.
"""

from __future__ import annotations

import typer

from obsctl.alerts.commands.check import check_cmd
from obsctl.alerts.commands.coverage import coverage
from obsctl.alerts.commands.diff import diff_cmd
from obsctl.alerts.commands.fire import fire_alert
from obsctl.alerts.commands.list import list_alerts
from obsctl.alerts.commands.routes import routes_cmd
from obsctl.alerts.commands.silence import silence_app
from obsctl.alerts.commands.test import test_cmd

app = typer.Typer(
    name="alerts",
    help=(
        "Test Alertmanager routes offline and live, check configs, list, silence and fire alerts.\n\n"
        "\b\nExamples:\n"
        "  obsctl alerts test severity=critical --am-config alertmanager.yml\n"
        "  obsctl alerts test -f cases.yaml -o junit > report.xml\n"
        "  obsctl alerts check alertmanager.yml --strict\n"
        "  obsctl alerts list -a 'severity=\"critical\"'\n"
        "  obsctl alerts fire --drill alertname=DrillCheck team=storage"
    ),
    no_args_is_help=True,
)

app.command("test")(test_cmd)
app.command("routes")(routes_cmd)
app.command("check")(check_cmd)
app.command("diff")(diff_cmd)
app.command("list")(list_alerts)
app.add_typer(silence_app, name="silence")
app.command("fire")(fire_alert)
app.command("coverage")(coverage)
