"""Files: line shapes, follow across rotation by rename and by truncation; output formats."""

from __future__ import annotations

import io
import json
import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from obsctl.logs.files import FileSource, parse_line
from obsctl.logs.format import LogWriter
from obsctl.logs.query import Filters, record_predicate
from obsctl.logs.record import LogRecord


def test_line_shapes():
    assert (
        parse_line('{"@timestamp":"2026-01-02T03:04:05Z","log.level":"info","message":"hi"}\n')["message"]
        == "hi"
    )
    assert parse_line('ts=2026-01-02T03:04:05Z level=warn msg="disk almost full" service=db') == {
        "ts": "2026-01-02T03:04:05Z",
        "level": "warn",
        "msg": "disk almost full",
        "service": "db",
    }
    assert parse_line("2026-01-02 03:04:05,123 ERROR boom happened") == {
        "timestamp": "2026-01-02 03:04:05,123",
        "level": "ERROR",
        "message": "boom happened",
    }
    assert parse_line("just text with a=b inside") == {"message": "just text with a=b inside"}


def test_records_from_every_shape(tmp_path: Path):
    path = tmp_path / "mixed.log"
    path.write_text(
        '{"timestamp": "2026-12-02T10:00:00.5", "level": "INFO", "message": "seed", "trace_id": "00000000000000000000000000000000"}\n'
        'time=2026-12-02T10:00:01Z level=error msg="logfmt line" trace_id=4BF92F3577B34DA6A3CE929D0E0E4736\n'
        "2026-12-02T10:00:02Z WARN plain line\n"
    )
    recs = list(FileSource([str(path)]).records())
    assert [r.message for r in recs] == ["seed", "logfmt line", "plain line"]
    assert [r.level for r in recs] == ["INFO", "error", "WARN"]
    assert recs[0].trace_id is None and recs[1].trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert recs[0].ts == datetime(2026, 12, 2, 10, 0, 0, 500000, tzinfo=timezone.utc)
    keep = record_predicate(Filters(level="warn"))
    assert [r.message for r in recs if keep(r)] == ["logfmt line", "plain line"]


def _follow(source: FileSource, seconds: float) -> tuple[list[str], threading.Thread]:
    got: list[str] = []
    deadline = time.monotonic() + seconds
    thread = threading.Thread(
        target=source.follow,
        args=(lambda r: got.append(r.message), lambda r: True),
        kwargs={"deadline": deadline, "interval": 0.02},
        daemon=True,
    )
    thread.start()
    time.sleep(0.15)
    return got, thread


def _wait(got: list[str], n: int) -> None:
    end = time.monotonic() + 3
    while len(got) < n and time.monotonic() < end:
        time.sleep(0.02)


def test_follow_across_rename_rotation_and_truncation(tmp_path: Path):
    path = tmp_path / "app.log"
    path.write_text("old line, not printed\n")
    got, thread = _follow(FileSource([str(path)]), 2.5)
    with path.open("a") as fh:
        fh.write("one\ntw")
        fh.flush()
        _wait(got, 1)
        fh.write("o\n")  # a line written in two pieces comes out once, whole
        fh.write("three\n")  # written just before the rename: still read from the old file
    os.rename(path, tmp_path / "app.log.1")
    path.write_text("four\n")
    _wait(got, 4)
    with path.open("r+") as fh:  # copytruncate
        fh.truncate(0)
    time.sleep(0.1)
    with path.open("a") as fh:
        fh.write("five\n")
    _wait(got, 5)
    thread.join()
    assert got == ["one", "two", "three", "four", "five"]


def _rec(**kw) -> LogRecord:
    base = dict(
        ts=datetime(2026, 12, 2, 10, 0, 0, 123000, tzinfo=timezone.utc),
        message="hello",
        level="error",
        service="checkout",
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        index="logs-a",
        id="1",
        source={"message": "hello", "http": {"status": 502}},
    )
    base.update(kw)
    return LogRecord(**base)


def _render(fmt: str, *recs: LogRecord, **kw) -> str:
    buf = io.StringIO()
    writer = LogWriter(buf, fmt, **kw)
    writer.write_all(recs)
    writer.close()
    return buf.getvalue()


def test_formats():
    rec = _rec()
    assert _render("logfmt", rec, fields=["http.status"]) == (
        "ts=2026-12-02T10:00:00.123000Z level=error service=checkout msg=hello "
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 http.status=502\n"
    )
    assert _render("raw", rec) == '{"message":"hello","http":{"status":502}}\n'
    assert _render("csv", rec).splitlines() == [
        "timestamp,level,service,message,trace_id,span_id,host,index,id",
        "2026-12-02T10:00:00.123000Z,error,checkout,hello,4bf92f3577b34da6a3ce929d0e0e4736,,,logs-a,1",
    ]
    assert _render("json") == "[]\n"
    assert json.loads(_render("json", rec, rec))[1]["message"] == "hello"
    assert _render("jsonl", rec).count("\n") == 1


def test_pretty_indents_multiline_and_colours_level_and_highlight():
    rec = _rec(
        message="boom\nTraceback (most recent call last):\n  File x", highlight="\x1b[1;31mboom\x1b[0m"
    )
    plain = _render("pretty", rec, utc=True)
    assert plain.splitlines() == [
        "2026-12-02 10:00:00.123 ERROR checkout boom  trace=4bf92f35",
        " " * 30 + "Traceback (most recent call last):",
        " " * 30 + "  File x",
    ]
    hints: list[str] = []
    coloured = _render("pretty", rec, _rec(), utc=True, color=True, trace_hint=hints.append)
    assert "\x1b[31mERROR\x1b[0m" in coloured and "\x1b[1;31mboom\x1b[0m" in coloured
    assert hints == ["4bf92f3577b34da6a3ce929d0e0e4736"]  # once per trace id
