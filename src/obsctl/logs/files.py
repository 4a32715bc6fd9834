"""Log files (or stdin) as a source: JSON lines (ECS, OTel, the seed's formatter, Filebeat
`json.*`), logfmt-ish `key=value` lines and plain text, with the same filters and outputs as
Elasticsearch. `follow` survives rotation by rename (the old file is drained, the new one read
from its start) and by truncation (read again from the start)."""

from __future__ import annotations

import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

import orjson

from obsctl.core.errors import UsageError
from obsctl.logs.record import LogRecord
from obsctl.logs.roles import Roles, roles_for_document, to_record

_LOGFMT = re.compile(r'([A-Za-z_][\w.@-]*)=("(?:[^"\\]|\\.)*"|\S*)')
_LEADING_TS = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\s+")
_LEADING_LEVEL = re.compile(r"^\[?(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\]?:?\s+", re.I)


def parse_line(line: str) -> dict[str, Any]:
    """One line as a document: JSON object, logfmt pairs, or plain text (leading time/level kept)."""
    text = line.rstrip("\r\n")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            doc = None
        if isinstance(doc, dict):
            return doc
    pairs = _LOGFMT.findall(text)
    if len(pairs) >= 2 and sum(len(k) + len(v) + 1 for k, v in pairs) >= len(text.replace(" ", "")) * 0.6:
        return {k: _unquote(v) for k, v in pairs}
    plain: dict[str, Any] = {}
    rest = text
    match = _LEADING_TS.match(rest)
    if match:
        plain["timestamp"] = match.group(1)
        rest = rest[match.end() :]
    match = _LEADING_LEVEL.match(rest)
    if match:
        plain["level"] = match.group(1)
        rest = rest[match.end() :]
    plain["message"] = rest
    return plain


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
    return value


class FileSource:
    """Local files ('-' is stdin); roles are detected per line shape and cached by its keys."""

    def __init__(
        self,
        paths: Sequence[str],
        *,
        overrides: Mapping[str, Any] | None = None,
        stdin: IO[str] | None = None,
    ) -> None:
        self.paths = list(paths)
        self.overrides = dict(overrides or {})
        self.stdin = stdin
        self._roles: dict[frozenset[str], Roles] = {}
        self._ends: dict[str, tuple[tuple[int, int], int]] = {}
        for path in self.paths:
            if path != "-" and not os.path.isfile(path):
                raise UsageError(
                    f"--file {path}: no such file", hint="give a readable log file, or - for stdin"
                )

    def record(self, line: str) -> LogRecord:
        doc = parse_line(line)
        shape = frozenset(doc)
        roles = self._roles.get(shape)
        if roles is None:
            roles = roles_for_document(doc, self.overrides)
            if len(self._roles) < 1000:
                self._roles[shape] = roles
        return to_record(doc, roles, raw=line.rstrip("\r\n"))

    def _open(self, path: str) -> IO[str]:
        if path == "-":
            return self.stdin or sys.stdin
        try:
            return open(path, encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UsageError(f"--file {path}: {exc.strerror}") from None

    def records(self) -> Iterator[LogRecord]:
        """Every line of every file, in file order; remembers where each file ended, so a follow
        that comes next starts exactly there (no line lost or repeated in between)."""
        for path in self.paths:
            handle = self._open(path)
            try:
                while line := handle.readline():
                    if line.strip():
                        yield self.record(line)
                if path != "-":
                    st = os.fstat(handle.fileno())
                    self._ends[path] = ((st.st_dev, st.st_ino), handle.tell())
            finally:
                if path != "-":
                    handle.close()

    def last(self, keep: Callable[[LogRecord], bool], n: int) -> list[LogRecord]:
        return list(deque((r for r in self.records() if keep(r)), maxlen=max(n, 0))) if n > 0 else []

    def follow(
        self,
        emit: Callable[[LogRecord], None],
        keep: Callable[[LogRecord], bool],
        *,
        sleep: Callable[[float], None] = time.sleep,
        deadline: float | None = None,
        flush: Callable[[], None] = lambda: None,
        interval: float = 0.2,
    ) -> None:
        """Read what is appended from now on, across rotation and truncation, until `deadline`."""
        tails = [_Tail(p, self._open, self._ends.get(p)) for p in self.paths]
        while deadline is None or time.monotonic() < deadline:
            if all(t.eof for t in tails):
                return  # stdin was closed: nothing more can come
            got = 0
            for tail in tails:
                for line in tail.read():
                    rec = self.record(line)
                    if keep(rec):
                        emit(rec)
                        got += 1
            if got:
                flush()
            if not got:
                sleep(interval if deadline is None else max(0.0, min(interval, deadline - time.monotonic())))


class _Tail:
    """One followed file: position, identity (device, inode) and an unfinished last line."""

    def __init__(
        self, path: str, opener: Callable[[str], IO[str]], resume: tuple[tuple[int, int], int] | None = None
    ) -> None:
        self.path = path
        self.opener = opener
        self.handle: IO[str] | None = None
        self.ident: tuple[int, int] | None = None
        self.partial = ""
        self.eof = False
        self._reopen(at_end=True)
        if resume is not None and self.handle is not None and resume[0] == self.ident:
            self.handle.seek(min(resume[1], os.fstat(self.handle.fileno()).st_size))

    def _reopen(self, *, at_end: bool) -> None:
        if self.handle is not None and self.path != "-":
            self.handle.close()
        self.handle = None
        if self.path != "-" and not os.path.exists(self.path):
            return
        self.handle = self.opener(self.path)
        if self.path != "-":
            st = os.fstat(self.handle.fileno())
            self.ident = (st.st_dev, st.st_ino)
            if at_end:
                self.handle.seek(0, os.SEEK_END)

    def read(self) -> Iterable[str]:
        if self.path == "-":
            line = self.handle.readline() if self.handle else ""
            self.eof = line == ""
            if self.eof and self.partial.strip():
                last, self.partial = self.partial, ""
                return [last]  # the final line had no newline
            return self._lines(line)
        lines: list[str] = []
        if self.handle is not None:
            lines.extend(self._drain())
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return lines  # rotated away, not yet recreated: keep the old handle drained
        if self.handle is None or (st.st_dev, st.st_ino) != self.ident:
            if self.handle is not None:
                lines.extend(self._drain())  # what was written before the rename
            self.partial = ""
            self._reopen(at_end=False)
            lines.extend(self._drain())
        elif st.st_size < self.handle.tell():
            self.handle.seek(0)  # truncated (copytruncate): read again from the start
            self.partial = ""
            lines.extend(self._drain())
        return lines

    def _drain(self) -> list[str]:
        assert self.handle is not None
        chunk = self.handle.read()
        if not chunk:
            return []
        return self._lines(chunk)

    def _lines(self, chunk: str) -> list[str]:
        data = self.partial + chunk
        parts = data.split("\n")
        self.partial = parts.pop()
        return [p for p in parts if p.strip()]
