"""Flags and helpers shared by the `obsctl alerts` verbs.

Loaded whenever one alerts verb is built: top-level imports stay typer and typing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from obsctl.core.params import url_option

if TYPE_CHECKING:
    from obsctl.alerts.client import AlertmanagerClient
    from obsctl.alerts.config import AlertmanagerConfig
    from obsctl.core.context import AppContext

FORMATS = ("table", "wide", "json", "jsonl", "yaml", "csv", "tsv")

OutputFmt = Annotated[
    str | None,
    typer.Option(
        "-o",
        "--output",
        metavar="FORMAT",
        help="table, wide, json, jsonl, yaml, csv, tsv. Default: table on a terminal, TSV when piped.",
    ),
]

AM_CONFIG_FLAGS = ("--am-config", "--config.file")


def am_config_option(help_text: str) -> typer.models.OptionInfo:
    """`--am-config FILE` (also amtool's `--config.file`): an alertmanager.yml.

    Not `--config`: that is the global contexts file and may follow any sub-command.
    """
    return typer.Option(*AM_CONFIG_FLAGS, metavar="FILE", help=help_text)


AmConfigOpt = Annotated[
    str | None,
    am_config_option(
        "alertmanager.yml to use. Default: the running Alertmanager's config (GET /api/v2/status)."
    ),
]

EngineUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Alertmanager URL to read the running config from, overriding the context (env OBSCTL_ALERTMANAGER_URL).",
        metavar="URL",
    ),
]

UrlOpt = Annotated[str | None, url_option("alertmanager")]


def actx_of(ctx: typer.Context) -> AppContext:
    """The AppContext the root callback stored on the click context."""
    from obsctl.core.context import AppContext

    return AppContext.of(ctx)


def check_fmt(fmt: str | None, allowed: tuple[str, ...] = FORMATS) -> str | None:
    """Validate -o against the formats this verb supports (exit 2 otherwise)."""
    from obsctl.core.output import check_format

    return check_format(fmt, allowed)


def am_client(actx: AppContext, url: str | None) -> AlertmanagerClient:
    """The Alertmanager API client of the context, with --url applied."""
    from obsctl.alerts.client import AlertmanagerClient

    actx.override("alertmanager", url=url)
    return AlertmanagerClient(actx.client("alertmanager"))


def load_live_config(actx: AppContext) -> AlertmanagerConfig:
    """The running Alertmanager's config, from GET /api/v2/status (config.original)."""
    from obsctl.alerts.config import load_config_text

    if actx.backend_settings("alertmanager") is None:
        from obsctl.core.errors import UsageError

        raise UsageError(
            "no --am-config file given and no Alertmanager configured to read the running config from",
            hint="pass --am-config alertmanager.yml, or set OBSCTL_ALERTMANAGER_URL / a context's alertmanager.url",
        )
    from obsctl.alerts.client import AlertmanagerClient

    text = AlertmanagerClient(actx.client("alertmanager")).config_text()
    return load_config_text(text, "alertmanager:/api/v2/status")


def load_am_config(actx: AppContext, path: str | None) -> AlertmanagerConfig:
    """--am-config FILE when given, else the running Alertmanager's config."""
    from obsctl.alerts.config import load_config_file

    return load_config_file(path) if path else load_live_config(actx)


def positive_seconds(text: str, flag: str) -> float:
    """A positive duration flag in seconds; UsageError (exit 2) naming the flag otherwise."""
    from obsctl.core.params import duration_flag

    return duration_flag(flag, text)
