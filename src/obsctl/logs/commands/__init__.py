"""`obsctl logs`: search and follow Elasticsearch/OpenSearch logs, or local files, without
losing a line. One verb per module; each imports its logic inside its body (fast --help/TAB)."""

from __future__ import annotations

import typer

from obsctl.logs.commands.context import context_cmd
from obsctl.logs.commands.fields import fields_cmd
from obsctl.logs.commands.search import search_cmd
from obsctl.logs.commands.tail import tail_cmd

app = typer.Typer(
    name="logs",
    help=(
        "Search and follow logs in Elasticsearch/OpenSearch (7.10+, 8, 9, OpenSearch 1/2) or local files.\n\n"
        "The cluster comes from the context (`obsctl config`) or OBSCTL_ELASTICSEARCH_URL; --file reads files.\n\n"
        "\b\nExamples:\n"
        "  obsctl logs tail -f --service checkout --level warn\n"
        "  obsctl logs tail --trace-id 4bf92f3577b34da6a3ce929d0e0e4736\n"
        "  obsctl logs search 'timeout' --since 1h --stats service.name\n"
        "  obsctl logs tail --file app.log -f"
    ),
    no_args_is_help=True,
)
app.command("tail")(tail_cmd)
app.command("search")(search_cmd)
app.command("context")(context_cmd)
app.command("fields")(fields_cmd)

__all__ = ["app"]
