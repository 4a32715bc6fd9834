"""`obsctl logs fields`: every field of the index pattern, its type, and the role obsctl gave it."""

from __future__ import annotations

from typing import Annotated

import typer

from obsctl.core.output import OutputOpt
from obsctl.logs.commands._common import IndexOpt


def fields_cmd(
    ctx: typer.Context,
    index: IndexOpt = None,
    roles_only: Annotated[bool, typer.Option("--roles", help="Only the fields that play a role.")] = False,
    output: OutputOpt = None,
) -> None:
    """List fields with their types and detected roles (timestamp, message, level, trace_id, ...).

    \b
    Examples:
      obsctl logs fields --roles
      obsctl logs fields -i 'logs-*.otel-*' -o json
    """
    from obsctl.core.context import AppContext
    from obsctl.core.errors import UsageError
    from obsctl.core.output import Column, check_format
    from obsctl.logs.commands._common import selection, source_of
    from obsctl.logs.sources import EsSource

    actx = AppContext.of(ctx)
    fmt = check_format(output)
    source = source_of(actx, selection(index=index))
    if not isinstance(source, EsSource):
        raise UsageError("logs fields needs Elasticsearch")
    roles = source.roles
    rows = []
    for name in sorted(roles.all_fields):
        info = roles.all_fields[name]
        role = roles.role_of(name)
        if roles_only and role is None:
            continue
        rows.append({"field": name, "type": info.type, "role": role, "aggregatable": info.aggregatable})
    if not rows and not roles.all_fields:
        actx.out.warn(f"no fields: no index matches {source.index}")
    cols = [
        Column("field", "field"),
        Column("type", "type"),
        Column("role", "role"),
        Column("aggregatable", "aggregatable", True),
    ]
    actx.out.render_rows(cols, rows, fmt)
