"""The search layer other signals may use (traces: `traces get ID --logs`).

from obsctl.logs.search import find_trace_logs, open_source
source = open_source(app_context)            # ES from the context, or files
for rec in find_trace_logs(source, "4bf92f3577b34da6a3ce929d0e0e4736", start, end):
    print(rec.ts, rec.level, rec.service, rec.message)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from obsctl.core.errors import UsageError
from obsctl.logs.files import FileSource
from obsctl.logs.query import Filters, parse_trace_id, record_predicate
from obsctl.logs.record import LogRecord
from obsctl.logs.sources import DEFAULT_INDEX, EsSource

if TYPE_CHECKING:
    from obsctl.core.context import AppContext

Source = EsSource | FileSource
NO_SOURCE_HINT = (
    "set an Elasticsearch URL (OBSCTL_ELASTICSEARCH_URL, or `obsctl config set-context NAME "
    "--elasticsearch-url URL`) or read files with --file PATH (- for stdin)"
)


def logs_options(actx: AppContext) -> dict[str, Any]:
    """The context's `elasticsearch.logs` block (index, fields, lag) merged with the older
    `index` / `timestamp_field` / `trace_id_field` keys."""
    settings = actx.backend_settings("elasticsearch")
    options: Mapping[str, Any] = settings.options if settings is not None else {}
    block = options.get("logs") or {}
    if not isinstance(block, Mapping):
        raise UsageError("elasticsearch.logs: must be a mapping with index, fields, lag")
    fields = dict(block.get("fields") or {})
    if options.get("timestamp_field"):
        fields.setdefault("timestamp", options["timestamp_field"])
    if options.get("trace_id_field"):
        fields.setdefault("trace_id", options["trace_id_field"])
    return {
        "index": block.get("index") or options.get("index") or DEFAULT_INDEX,
        "fields": fields,
        "lag": block.get("lag"),
    }


def open_source(
    actx: AppContext,
    *,
    files: Sequence[str] = (),
    index: str | None = None,
    page_size: int = 1000,
    source_fields: Sequence[str] = (),
    highlight: Any = None,
) -> Source:
    """Files when given; else the context's Elasticsearch; else a usage error (exit 2)."""
    if files:
        options = logs_options(actx) if actx.backend_settings("elasticsearch") else {"fields": {}}
        return FileSource(files, overrides=options["fields"], stdin=None)
    if actx.backend_settings("elasticsearch") is None:
        ctx = actx.settings.context
        where = (
            f"context {ctx!r} has no elasticsearch" if ctx else "no context and no OBSCTL_ELASTICSEARCH_URL"
        )
        raise UsageError(f"no log source: {where}", hint=NO_SOURCE_HINT)
    from obsctl.logs.client import EsClient

    options = logs_options(actx)
    client = EsClient(actx.client("elasticsearch"), warn=actx.out.warn)
    return EsSource(
        client,
        index or options["index"],
        overrides=options["fields"],
        page_size=page_size,
        source_fields=source_fields,
        highlight=highlight,
    )


def find_trace_logs(
    source: Source,
    trace_id: str,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    limit: int = 10_000,
) -> list[LogRecord]:
    """Every log line of one trace (oldest first) over ES or files, whatever the mapping: the
    trace id may be 32/16 hex in any case or a traceparent; every trace-id field present is ORed."""
    filters = Filters(trace_ids=tuple(parse_trace_id(trace_id)), start=start, end=end)
    if isinstance(source, FileSource):
        keep = record_predicate(filters)
        return [r for r in source.records() if keep(r)][:limit]
    out: list[LogRecord] = []
    for page in source.pages(filters, limit=limit):
        out.extend(page)
    return out


def with_time(filters: Filters, start: datetime | None, end: datetime | None) -> Filters:
    return replace(filters, start=start, end=end)
