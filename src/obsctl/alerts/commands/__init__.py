"""`obsctl alerts`: route testing, config checks and live Alertmanager verbs, one module per verb.

Offline verbs: test, routes, check, diff. Verbs that talk to a running Alertmanager: list,
silence, fire, coverage. The group knows the verbs by name (VERBS) and imports and builds only
the one being run, so `obsctl alerts test ...` never builds the other seven; `--help` and the
docs generator still list every verb (listing builds them on demand).
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

from obsctl.core.lazycli import LazyCommands, build_command

# verb -> (module, attribute): a command function, or a Typer app for a verb with sub-verbs.
VERBS: dict[str, tuple[str, str]] = {
    "test": ("obsctl.alerts.commands.test", "test_cmd"),
    "routes": ("obsctl.alerts.commands.routes", "routes_cmd"),
    "check": ("obsctl.alerts.commands.check", "check_cmd"),
    "diff": ("obsctl.alerts.commands.diff", "diff_cmd"),
    "list": ("obsctl.alerts.commands.list_alerts", "list_alerts"),
    "fire": ("obsctl.alerts.commands.fire", "fire_alert"),
    "coverage": ("obsctl.alerts.commands.coverage", "coverage"),
    "silence": ("obsctl.alerts.commands.silence", "silence_app"),  # groups list after commands
}


def build_verb(name: str) -> Any:
    """Import one verb's module and build its click command."""
    module, attribute = VERBS[name]
    return build_command(name, getattr(importlib.import_module(module), attribute))


class AlertsGroup(TyperGroup):
    """The `alerts` group with lazily built verbs, listed in VERBS order."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = LazyCommands(list(VERBS), build_verb)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)


app = typer.Typer(
    name="alerts",
    cls=AlertsGroup,
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
