"""Flags and helpers the trace verbs share (typer only at import time)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from obsctl.core.context import AppContext
    from obsctl.traces.client import JaegerClient

UrlOpt = Annotated[
    str | None,
    typer.Option("--url", help="Jaeger query URL for this command (overrides the context).", metavar="URL"),
]


def set_url(ctx: typer.Context, url: str | None) -> AppContext:
    """The AppContext, with --url applied to the jaeger backend."""
    from obsctl.core.context import AppContext

    actx = AppContext.of(ctx)
    if url:
        from obsctl.core.settings import check_url

        try:
            check_url(url, "--url")
        except Exception as exc:  # noqa: BLE001 - keep the flag's name in the message
            raise typer.BadParameter(str(exc), param_hint="'--url'") from None
        actx.override("jaeger", url=url)
    return actx


def jaeger(actx: AppContext) -> JaegerClient:
    from obsctl.traces.client import open_client

    return open_client(actx)


def fmt(output: str | None, allowed: tuple[str, ...]) -> str | None:
    from obsctl.core.output import check_format

    return check_format(output, allowed)


def duration_ns(text: str | None, flag: str) -> int | None:
    """A duration flag (`5ms`, `1.5s`, `250us`) in nanoseconds; exit 2 naming the flag if invalid."""
    if text is None:
        return None
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h)\s*", text)
    if not match:
        raise typer.BadParameter(
            f"invalid duration {text!r} (e.g. 500us, 5ms, 1.5s, 2m)", param_hint=f"'{flag}'"
        )
    scale = {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "m": 6e10, "h": 3.6e12}
    return int(float(match.group(1)) * scale[match.group(2)])
