"""Log lines for people (pretty: local time, coloured level, indented multi-line messages, ES
highlight) and for programs (raw, json, jsonl, logfmt, csv: one record per line, no colour).

Writes bypass Rich (it renders ~750 rows/s); each batch is flushed as soon as it is written, so
`obsctl logs tail -f | grep` sees every line when it arrives.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import IO, Any

import orjson

from obsctl.logs.record import LogRecord, lookup

FORMATS = ("pretty", "raw", "json", "jsonl", "logfmt", "csv")
_LEVEL_COLOURS = {
    "trace": "2",
    "debug": "2",
    "info": "32",
    "warn": "33",
    "error": "31",
    "fatal": "1;31",
}
_CSV_COLUMNS = ("timestamp", "level", "service", "message", "trace_id", "span_id", "host", "index", "id")


def iso(ts: datetime | None) -> str | None:
    """RFC 3339 UTC with microseconds and `Z`, the one timestamp form of json/jsonl/logfmt/csv."""
    if ts is None:
        return None
    if ts.tzinfo is not timezone.utc:
        ts = ts.astimezone(timezone.utc)
    return ts.isoformat(timespec="microseconds")[:-6] + "Z"


def as_dict(rec: LogRecord, fields: Sequence[str] = ()) -> dict[str, Any]:
    """The record as JSON: resolved roles plus the stored document (only `fields` if given)."""
    source: Any = rec.source
    if fields:
        source = {name: lookup(rec.source, name) for name in fields}
    return {
        "timestamp": iso(rec.ts),
        "level": rec.level,
        "service": rec.service,
        "message": rec.message,
        "trace_id": rec.trace_id,
        "span_id": rec.span_id,
        "host": rec.host,
        "index": rec.index,
        "id": rec.id,
        "source": source,
    }


_OPTS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
_OPTS_NL = _OPTS | orjson.OPT_APPEND_NEWLINE


class LogWriter:
    """Writes records in one format to a text stream; `flush()` after each batch."""

    def __init__(
        self,
        stream: IO[str],
        fmt: str,
        *,
        color: bool = False,
        utc: bool = False,
        fields: Sequence[str] = (),
        trace_hint: Callable[[str], None] | None = None,
    ) -> None:
        self.stream = stream
        self.fmt = fmt
        self.color = color
        self.utc = utc
        self.fields = tuple(fields)
        self.trace_hint = trace_hint
        self._hinted: set[str] = set()
        self.count = 0
        self._started_array = False
        self._closed = False
        self._csv_writer: Any = None
        self._render: Callable[[LogRecord], str] = getattr(self, f"_fmt_{fmt}")
        if fmt == "csv":
            buf = io.StringIO()
            self._csv_buf = buf
            self._csv_writer = csv.writer(buf, lineterminator="\n")
            self._csv_writer.writerow([*_CSV_COLUMNS, *self.fields])
            stream.write(buf.getvalue())

    def write(self, rec: LogRecord) -> None:
        self.stream.write(self._render(rec))
        self.count += 1
        if self.trace_hint is not None and rec.trace_id and rec.trace_id not in self._hinted:
            self._hinted.add(rec.trace_id)
            self.trace_hint(rec.trace_id)

    def write_all(self, records: Iterable[LogRecord]) -> None:
        if type(records) is list and self.trace_hint is None and self.fmt != "json":
            # A fetched page in one write (streams stay line by line): `search --all` to a pipe.
            render = self._render
            chunk = [render(rec) for rec in records]
            self.stream.write("".join(chunk))
            self.count += len(chunk)
        else:
            for rec in records:
                self.write(rec)
        self.flush()

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        """Flush; `-o json` gets its closing bracket. Once only."""
        if self._closed:
            return
        self._closed = True
        if self.fmt == "json":
            self.stream.write("\n]\n" if self._started_array else "[]\n")
        self.flush()

    # --- formats ------------------------------------------------------------------------------
    def _fmt_raw(self, rec: LogRecord) -> str:
        if rec.raw is not None:
            return rec.raw.rstrip("\n") + "\n"
        return orjson.dumps(rec.source, option=_OPTS_NL).decode()

    def _fmt_jsonl(self, rec: LogRecord) -> str:
        return orjson.dumps(as_dict(rec, self.fields), option=_OPTS_NL).decode()

    def _fmt_json(self, rec: LogRecord) -> str:
        prefix = ",\n" if self._started_array else "[\n"
        self._started_array = True
        return prefix + orjson.dumps(as_dict(rec, self.fields), option=_OPTS).decode()

    def _fmt_logfmt(self, rec: LogRecord) -> str:
        from obsctl.core.stream import logfmt

        pairs = {
            "ts": iso(rec.ts),
            "level": rec.level,
            "service": rec.service,
            "msg": rec.message,
            "trace_id": rec.trace_id,
            "span_id": rec.span_id,
        }
        pairs.update({name: lookup(rec.source, name) for name in self.fields})
        return logfmt(pairs) + "\n"

    def _csv_line(self, row: list[Any]) -> str:
        buf = self._csv_buf
        buf.seek(0)
        buf.truncate()
        self._csv_writer.writerow(row)
        return buf.getvalue()

    def _fmt_csv(self, rec: LogRecord) -> str:
        row = [
            iso(rec.ts),
            rec.level,
            rec.service,
            rec.message,
            rec.trace_id,
            rec.span_id,
            rec.host,
            rec.index,
            rec.id,
        ]
        return self._csv_line([*row, *(lookup(rec.source, n) for n in self.fields)])

    def _fmt_pretty(self, rec: LogRecord) -> str:
        if rec.ts is None:
            when = " " * 23
        else:
            local = rec.ts.astimezone(timezone.utc) if self.utc else rec.ts.astimezone()
            when = local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d}"
        level = (rec.level or "-").upper()[:5].ljust(5)
        message = rec.highlight if (self.color and rec.highlight) else rec.message
        lines = message.rstrip("\n").split("\n")
        head = [self._c(when, "2"), self._c(level, _LEVEL_COLOURS.get(_level_key(rec.level), ""))]
        if rec.service:
            head.append(self._c(rec.service, "36"))
        head.append(lines[0])
        extras = [f"{n}={lookup(rec.source, n)}" for n in self.fields]
        if rec.trace_id:
            extras.append(self._c(f"trace={rec.trace_id[:8]}", "2"))
        text = " ".join(head) + (("  " + " ".join(extras)) if extras else "")
        indent = " " * 30
        rest = "".join(f"\n{indent}{line}" for line in lines[1:])
        return text + rest + "\n"

    def _c(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and code else text


def _level_key(level: str | None) -> str:
    from obsctl.logs.query import LEVELS, level_rank

    rank = level_rank(level)
    return LEVELS[rank] if rank is not None else ""
