"""`obsctl health`: probe this machine and the context's backends (being built)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="health", help="Probe this machine and the observability stack.", invoke_without_command=True
)


@app.callback()
def health(ctx: typer.Context) -> None:
    """Probe this machine and every backend of the current context."""
    from obsctl.core.errors import NotBuiltError

    raise NotBuiltError("`obsctl health` is not built yet")
