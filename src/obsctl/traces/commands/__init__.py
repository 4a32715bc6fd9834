"""`obsctl traces`: Jaeger traces in the terminal, and a local OTLP receiver.

Imported on every start (and every TAB press): only typer here and in the verb modules; each
verb imports its logic inside its body.
"""

from __future__ import annotations

import typer

from obsctl.traces.commands._common import UrlOpt, set_url

app = typer.Typer(
    name="traces",
    help=(
        "Jaeger traces in the terminal: waterfall, critical path, errors, the trace's logs; and a local\n"
        "OTLP receiver for apps with no Jaeger.\n\n"
        "The server comes from the current context (`obsctl config`), OBSCTL_JAEGER_URL or --url.\n\n"
        "\b\nExamples:\n"
        "  obsctl traces get 4bf92f3577b34da6a3ce929d0e0e4736 --critical-path\n"
        "  obsctl traces get --file trace.json --summary\n"
        "  obsctl traces search --service frontend --tag error=true --since 1h\n"
        "  obsctl traces listen --save spans.jsonl"
    ),
    no_args_is_help=True,
)


@app.callback()
def traces_group(ctx: typer.Context, url: UrlOpt = None) -> None:
    """Jaeger traces in the terminal, and a local OTLP receiver."""
    set_url(ctx, url)


def _register() -> None:
    from obsctl.traces.commands import deps, get, listen, operations, search, services

    for module in (get, search, services, operations, deps, listen):
        module.register(app)


_register()
