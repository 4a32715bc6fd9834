"""`obsctl logs context INDEX/ID -B 20 -A 20`: the lines around one document, from the same
service and host (Kibana's "surrounding documents", in the terminal)."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.logs.commands._common import IndexOpt, OutputOpt, UtcOpt


def context_cmd(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Argument(help="INDEX/ID of the document (from search -o jsonl).", metavar="INDEX/ID")
    ],
    before: Annotated[int, typer.Option("-B", "--before", help="Lines before.", min=0)] = 20,
    after: Annotated[int, typer.Option("-A", "--after", help="Lines after.", min=0)] = 20,
    scope: Annotated[
        str, typer.Option("--scope", help="Roles the neighbours must share (comma-separated; '' for none).")
    ] = "service,host",
    index: IndexOpt = None,
    output: OutputOpt = None,
    utc: UtcOpt = False,
) -> None:
    """Show the documents logged just before and after one document.

    \b
    Examples:
      obsctl logs context .ds-logs-app-default-2026.12.02-000001/Xy12 -B 5 -A 5
      obsctl logs context logs-app/abc --scope service
    """
    from obsctl.core.context import AppContext
    from obsctl.core.errors import UsageError
    from obsctl.logs.commands._common import selection, source_of, writer
    from obsctl.logs.sources import EsSource

    actx = AppContext.of(ctx)
    doc_index, sep, doc_id = target.rpartition("/")
    if not sep or not doc_index or not doc_id:
        raise UsageError(f"expected INDEX/ID, got {target!r}", hint="e.g. logs-app-000001/AbC123")
    sel = selection(index=index or doc_index, output=output, utc=utc)
    source = source_of(actx, sel)
    if not isinstance(source, EsSource):
        raise UsageError("logs context needs Elasticsearch")
    roles = [r.strip() for r in scope.split(",") if r.strip()]
    unknown = [r for r in roles if r not in ("service", "host", "logger")]
    if unknown:
        raise UsageError(f"--scope {unknown[0]}: unknown role", hint="use service, host and/or logger")
    records = source.around(doc_index, doc_id, before, after, roles)
    out = writer(actx, sel)
    try:
        out.write_all(records)
    finally:
        out.close()
