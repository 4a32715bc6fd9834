"""`obsctl alerts`: route testing, config checks and live Alertmanager verbs.

Offline verbs (test, routes, check, diff) live in engine_commands; verbs that talk to a running
Alertmanager (list, silence, fire, coverage) in live_commands. Both register onto this app.
"""

from __future__ import annotations

import typer

from obsctl.alerts import engine_commands, live_commands

app = typer.Typer(
    name="alerts",
    help=(
        "Test Alertmanager routes offline and live, check configs, list, silence and fire alerts.\n\n"
        "\b\nExamples:\n"
        "  obsctl alerts test severity=critical --config alertmanager.yml\n"
        "  obsctl alerts test -f cases.yaml -o junit > report.xml\n"
        "  obsctl alerts check alertmanager.yml --strict\n"
        "  obsctl alerts list -a 'severity=\"critical\"'\n"
        "  obsctl alerts fire --drill alertname=DrillCheck team=storage"
    ),
    no_args_is_help=True,
)

engine_commands.register(app)
live_commands.register(app)
