"""`obsctl metrics`: PromQL from the terminal (being built)."""

from __future__ import annotations

import typer

app = typer.Typer(name="metrics", help="Query Prometheus and compatibles.", no_args_is_help=True)


@app.command("query")
def query(expr: str) -> None:
    """Evaluate a PromQL expression."""
    from obsctl.core.errors import NotBuiltError

    raise NotBuiltError("`obsctl metrics query` is not built yet")
