"""`traces get --logs`: a trace's log lines, placed under the span that wrote them.

Log records come from the logs signal's search layer (`obsctl.logs.search`: the context's
Elasticsearch, or JSON-lines files in the seed's, ECS or OTel formats), plus OTLP JSON log lines as
`traces listen --save` writes them, read here. A record carrying a span id of the trace goes under that
span; one without goes under the innermost span running at its timestamp.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from obsctl.core.errors import UsageError
from obsctl.traces.diagnosis import fmt_ns
from obsctl.traces.load import iter_json_documents
from obsctl.traces.model import Span, Trace, any_value, attrs_dict

if TYPE_CHECKING:
    from obsctl.traces.view import Analysed


@dataclass(frozen=True)
class LogRecord:
    time: int  # unix ns
    level: str
    message: str
    trace_id: str
    span_id: str | None = None
    service: str = ""
    logger: str = ""


class TraceLogFinder(Protocol):
    """Anything that can list the log records of one trace between two times."""

    def find_trace_logs(self, trace_id: str, start: datetime, end: datetime) -> list[LogRecord]: ...


def _hex(value: Any, size: int) -> str | None:
    text = str(value or "").strip().lower()
    if not text or not all(c in "0123456789abcdef" for c in text) or int(text, 16) == 0:
        return None
    return text.rjust(size, "0")


def records_from_otlp(doc: Any) -> Iterator[LogRecord]:
    """Log records of one OTLP JSON logs request (`{"resourceLogs": ...}`), as `listen` saves them."""
    if not isinstance(doc, Mapping):
        return
    for rl in doc.get("resourceLogs") or ():
        service = str(attrs_dict((rl.get("resource") or {}).get("attributes")).get("service.name") or "")
        for sl in rl.get("scopeLogs") or ():
            logger = str((sl.get("scope") or {}).get("name") or "")
            for rec in sl.get("logRecords") or ():
                tid = _hex(rec.get("traceId"), 32)
                if tid is None:
                    continue
                time = int(rec.get("timeUnixNano") or rec.get("observedTimeUnixNano") or 0)
                body = any_value(rec.get("body"))
                yield LogRecord(
                    time,
                    str(rec.get("severityText") or ""),
                    "" if body is None else str(body),
                    tid,
                    _hex(rec.get("spanId"), 16),
                    service,
                    logger,
                )


class OtlpLogFileFinder:
    """OTLP JSON log lines in files (`traces listen --save`); the logs layer reads the flat formats."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = list(paths)

    def find_trace_logs(self, trace_id: str, start: datetime, end: datetime) -> list[LogRecord]:
        out: list[LogRecord] = []
        for path in self.paths:
            for line in self._lines(path):
                if '"resourcelogs"' not in line[:20].lower():
                    continue
                try:
                    docs = list(iter_json_documents(line))
                except ValueError:
                    continue
                for doc in docs:
                    out.extend(r for r in records_from_otlp(doc) if r.trace_id == trace_id)
        return sorted(out, key=lambda r: r.time)

    @staticmethod
    def _lines(path: str) -> Iterable[str]:
        try:
            with Path(path).expanduser().open(encoding="utf-8", errors="replace") as fh:
                yield from fh
        except OSError as exc:
            raise UsageError(
                f"cannot read log file {path}: {exc.strerror}", hint="check the --log-file path"
            ) from None


class LogsLayerFinder:
    """The logs signal's search layer (`obsctl.logs.search`): the context's Elasticsearch, or files."""

    def __init__(self, actx: Any, files: Sequence[str] = ()) -> None:
        from obsctl.logs.search import open_source

        try:
            self.source = open_source(actx, files=list(files))
        except UsageError as exc:  # its hint names `logs`' own --file flag
            raise UsageError(
                exc.message,
                hint="set the context's Elasticsearch (OBSCTL_ELASTICSEARCH_URL) or pass --log-file PATH",
            ) from None

    def find_trace_logs(self, trace_id: str, start: datetime, end: datetime) -> list[LogRecord]:
        from obsctl.logs.search import find_trace_logs

        out = []
        for rec in find_trace_logs(self.source, trace_id, start, end):
            when = rec.ts
            if when is None:
                continue
            nanos = int(when.timestamp()) * 1_000_000_000 + when.microsecond * 1000
            out.append(
                LogRecord(
                    nanos,
                    str(rec.level or ""),
                    str(rec.message or ""),
                    trace_id,
                    _hex(rec.span_id, 16),
                    str(rec.service or ""),
                    str(rec.logger or ""),
                )
            )
        return sorted(out, key=lambda r: r.time)


class _Both:
    """Several finders, records merged in time order without repeats."""

    def __init__(self, *finders: TraceLogFinder) -> None:
        self.finders = finders

    def find_trace_logs(self, trace_id: str, start: datetime, end: datetime) -> list[LogRecord]:
        merged = {r: None for f in self.finders for r in f.find_trace_logs(trace_id, start, end)}
        return sorted(merged, key=lambda r: r.time)


def _finder(actx: Any, files: Sequence[str]) -> TraceLogFinder:
    """The logs search layer (ES or files), plus the OTLP log lines it does not read."""
    layer = LogsLayerFinder(actx, files)
    return _Both(layer, OtlpLogFileFinder(files)) if files else layer


def place(trace: Trace, records: Iterable[LogRecord]) -> dict[str, list[LogRecord]]:
    """Span id -> its records: by span id, else the innermost span running at the record's time."""
    placed: dict[str, list[LogRecord]] = {}
    ordered = [s for s, _ in trace.walk()]
    for rec in records:
        target: Span | None = trace.by_id.get(rec.span_id or "")
        if target is None:
            running = [s for s in ordered if s.start <= rec.time <= s.end]
            target = max(running, key=lambda s: s.start) if running else trace.root
        if target is not None:
            placed.setdefault(target.span_id, []).append(rec)
    return placed


def render_record(rec: LogRecord, span: Span) -> str:
    offset = rec.time - span.start
    sign = "+" if offset >= 0 else "-"
    who = f" [{rec.logger}]" if rec.logger else ""
    return f"▸ {sign}{fmt_ns(abs(offset))} {rec.level.upper() or 'LOG'}{who} {rec.message}".rstrip()


def join_logs(actx: Any, analysed: Analysed, files: Sequence[str]) -> dict[str, list[str]]:
    """Rendered log lines per span id for the waterfall and the JSON document."""
    trace = analysed.trace
    finder = _finder(actx, files)
    margin = 60 * 1_000_000_000  # logs are often stamped a little outside the spans
    start = datetime.fromtimestamp((trace.start - margin) / 1e9, timezone.utc)
    end = datetime.fromtimestamp((trace.end + margin) / 1e9, timezone.utc)
    records = finder.find_trace_logs(trace.trace_id, start, end)
    placed = place(trace, records)
    if not records:
        actx.out.info(f"obsctl: no log lines carry trace id {trace.trace_id}")
    return {sid: [render_record(r, trace.by_id[sid]) for r in recs] for sid, recs in placed.items()}
