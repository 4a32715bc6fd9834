"""Flags and helpers the trace verbs share (typer only at import time)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from obsctl.core.context import AppContext
    from obsctl.traces.client import JaegerClient

from obsctl.core.params import output_option, url_option

UrlOpt = Annotated[str | None, url_option("jaeger")]
LIST_FORMATS = ("table", "wide", "json", "jsonl", "yaml", "csv", "tsv")
ListOutputOpt = Annotated[str | None, output_option(LIST_FORMATS)]


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
    """A duration flag in nanoseconds: core's durations (`5ms`, `1.5s`, `2m`), plus `us`/`µs`/`ns`
    because spans are often shorter than a millisecond. UsageError (exit 2) naming the flag."""
    if text is None:
        return None
    import re

    from obsctl.core.params import duration_flag

    small = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ns|us|µs)\s*", text)
    if small:
        return int(float(small.group(1)) * (1 if small.group(2) == "ns" else 1000))
    return int(duration_flag(flag, text, allow_zero=True, example="5ms") * 1e9)
