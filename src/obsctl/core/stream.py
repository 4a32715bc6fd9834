"""A writer for records that arrive over time (`logs tail -f`, watch loops): each record is written
and flushed as it comes, so nothing waits in a buffer when the user presses Ctrl-C or the reader
(`| grep`, `| head`) goes away.

Formats: jsonl (one JSON object per line), json (an array, closed on exit even after Ctrl-C so the
output stays valid), tsv (header only with an explicit `-o tsv`, as for tables), csv (always a
header), logfmt (`key=value ...`) and text (a caller-given line formatter, e.g. a log line).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import IO, Any

from obsctl.core.output import Column, dumps_json, format_value

STREAM_FORMATS = ("text", "jsonl", "json", "tsv", "csv", "logfmt")

LineFormatter = Callable[[Mapping[str, Any]], str]


class StreamWriter:
    """Write records one at a time, flushing each; use as a context manager so `json` closes.

    A closed pipe raises BrokenPipeError out of `write` (the CLI boundary then exits 0 quietly);
    after that the writer is closed and writes nothing more.
    """

    def __init__(
        self,
        stdout: IO[str],
        fmt: str,
        columns: Sequence[Column] = (),
        *,
        text: LineFormatter | None = None,
        header: bool | None = None,
    ) -> None:
        if fmt not in STREAM_FORMATS:
            raise ValueError(f"unknown stream format {fmt!r}")
        if fmt == "text" and text is None:
            fmt = "logfmt"
        self.stdout = stdout
        self.fmt = fmt
        self.columns = list(columns)
        self.text = text
        self.header = (fmt == "csv") if header is None else header
        self.count = 0
        self.closed = False
        self._started = False

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not isinstance(exc, BrokenPipeError):
            self.close()

    def write(self, record: Mapping[str, Any]) -> None:
        """Format one record and write it out now (with the header before the first one)."""
        if self.closed:
            return
        text = self._start() + self._format(record)
        self.count += 1
        self._emit(text)

    def close(self) -> None:
        """End the stream: `json` gets its closing bracket (an empty array if nothing came)."""
        if self.closed:
            return
        tail = ""
        if self.fmt == "json":
            tail = self._start() + ("\n]\n" if self.count else "]\n")
        elif self.header and not self._started:
            tail = self._start()
        if tail:
            self._emit(tail)
        self.closed = True

    def _emit(self, text: str) -> None:
        try:
            self.stdout.write(text)
            self.stdout.flush()
        except BrokenPipeError:
            self.closed = True
            raise

    def _start(self) -> str:
        if self._started:
            return ""
        self._started = True
        if self.fmt == "json":
            return "["
        if self.header and self.fmt == "tsv":
            return "\t".join(c.header for c in self.columns) + "\n"
        if self.header and self.fmt == "csv":
            return _csv_line([c.key for c in self.columns])
        return ""

    def _format(self, record: Mapping[str, Any]) -> str:
        if self.fmt == "jsonl":
            return dumps_json(self._plain(record), indent=False) + "\n"
        if self.fmt == "json":
            sep = ",\n" if self.count else "\n"
            return sep + "  " + dumps_json(self._plain(record), indent=False)
        if self.fmt == "tsv":
            cells = (_one_line(format_value(record.get(c.key)), " ").replace("\t", " ") for c in self.columns)
            return "\t".join(cells) + "\n"
        if self.fmt == "csv":
            return _csv_line([format_value(record.get(c.key)) for c in self.columns])
        if self.fmt == "text" and self.text is not None:
            return _one_line(self.text(record), "\\n") + "\n"
        return logfmt(self._plain(record)) + "\n"

    def _plain(self, record: Mapping[str, Any]) -> dict[str, Any]:
        if not self.columns:
            return {k: v for k, v in record.items() if not str(k).startswith("_")}
        out = {c.key: record.get(c.key) for c in self.columns}
        for k, v in record.items():
            if k not in out and not str(k).startswith("_"):
                out[k] = v
        return out


def logfmt(record: Mapping[str, Any]) -> str:
    """`key=value` pairs as logfmt readers expect: values with spaces, quotes or `=` are quoted."""
    parts = []
    for key, value in record.items():
        if value is None:
            continue
        text = format_value(value)
        if text == "" or any(ch in text for ch in ' ="\\') or not text.isprintable():
            text = dumps_json(text, indent=False)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def _one_line(text: str, newline: str) -> str:
    """One record is one line: embedded newlines would split it for `grep` and `wc -l`."""
    if "\n" not in text and "\r" not in text:
        return text
    return text.replace("\r\n", newline).replace("\n", newline).replace("\r", newline)


def _csv_line(cells: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()
