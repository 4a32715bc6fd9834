"""The streaming writer: each record written and flushed at once, valid output after Ctrl-C,
quiet stop on a closed pipe."""

from __future__ import annotations

import io
import json
import os
import select
import signal
import subprocess
import sys
import textwrap

import pytest

from obsctl.core.output import Column, Output
from obsctl.core.stream import StreamWriter, logfmt

COLS = [Column("ts", "time"), Column("level", "level"), Column("msg", "message")]
RECS = [
    {"ts": "2026-01-02T03:04:05Z", "level": "info", "msg": "started", "_raw": "x"},
    {"ts": "2026-01-02T03:04:06Z", "level": "error", "msg": 'db "down"\n\tretrying'},
]


class Recorder(io.StringIO):
    """Remembers what had been flushed at each flush, to prove nothing is held back."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


def run(fmt: str, **kwargs) -> tuple[str, list[str]]:
    buf = Recorder()
    with StreamWriter(buf, fmt, COLS, **kwargs) as w:
        for r in RECS:
            w.write(r)
    return buf.getvalue(), buf.flushed


def test_every_record_is_flushed_as_it_is_written():
    text, flushed = run("jsonl")
    lines = text.splitlines()
    assert flushed[:2] == [lines[0] + "\n", text]
    assert json.loads(lines[1]) == {"ts": "2026-01-02T03:04:06Z", "level": "error", "msg": 'db "down"\n\tretrying'}


def test_tsv_csv_logfmt_text():
    assert run("tsv")[0] == (
        "2026-01-02T03:04:05Z\tinfo\tstarted\n2026-01-02T03:04:06Z\terror\tdb \"down\"  retrying\n"
    )
    assert run("tsv", header=True)[0].startswith("time\tlevel\tmessage\n")
    assert run("csv")[0] == (
        'ts,level,msg\n2026-01-02T03:04:05Z,info,started\n2026-01-02T03:04:06Z,error,"db ""down""\n\tretrying"\n'
    )
    assert run("logfmt")[0].splitlines()[1] == (
        'ts=2026-01-02T03:04:06Z level=error msg="db \\"down\\"\\n\\tretrying"'
    )
    text = run("text", text=lambda r: f"{r['level'].upper()} {r['msg']}")[0]
    assert text == 'INFO started\nERROR db "down"\\n\tretrying\n'


def test_json_is_a_valid_array_even_when_empty_or_interrupted():
    assert json.loads(run("json")[0])[1]["level"] == "error"
    buf = io.StringIO()
    with StreamWriter(buf, "json", COLS):
        pass
    assert buf.getvalue() == "[]\n"
    buf = io.StringIO()
    with pytest.raises(KeyboardInterrupt), StreamWriter(buf, "json", COLS) as w:
        w.write(RECS[0])
        raise KeyboardInterrupt
    assert [r["msg"] for r in json.loads(buf.getvalue())] == ["started"]


def test_closed_pipe_stops_writing_and_propagates():
    class Broken(io.StringIO):
        def write(self, s: str) -> int:
            raise BrokenPipeError

    w = StreamWriter(Broken(), "jsonl", COLS)
    with pytest.raises(BrokenPipeError):
        w.write(RECS[0])
    assert w.closed
    w.write(RECS[1])  # a no-op, not a second error
    w.close()


def test_output_stream_defaults_follow_the_table_policy():
    buf = io.StringIO()
    out = Output(buf, io.StringIO(), is_tty=False, env={})
    with out.stream(None, COLS) as w:
        w.write(RECS[0])
    with out.stream("tsv", COLS) as w:
        w.write(RECS[0])
    with out.stream(None, COLS, text=lambda r: r["msg"]) as w:
        w.write(RECS[0])
    assert buf.getvalue().splitlines() == [
        "2026-01-02T03:04:05Z\tinfo\tstarted",
        "time\tlevel\tmessage",
        "2026-01-02T03:04:05Z\tinfo\tstarted",
        "started",
    ]
    with pytest.raises(ValueError, match="unknown stream format"):
        StreamWriter(buf, "yaml")


def test_logfmt_quotes_only_what_needs_it():
    assert logfmt({"a": "x", "b": "two words", "c": "", "d": None, "e": 1.5, "f": True}) == (
        'a=x b="two words" c="" e=1.5 f=true'
    )


CHILD = textwrap.dedent(
    """
    import sys
    from obsctl.core.output import Column
    from obsctl.core.stream import StreamWriter
    with StreamWriter(sys.stdout, "json", [Column("n", "n")]) as w:
        w.write({"n": 1})
        sys.stdin.readline()  # blocks here: the record above must already be readable
        w.write({"n": 2})
    """
)


def _read_exact(fd: int, expected: bytes, timeout: float = 5.0) -> None:
    data = b""
    while len(data) < len(expected):
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"not flushed within {timeout}s; got {data!r}"
        chunk = os.read(fd, len(expected) - len(data))
        assert chunk, f"stream ended early; got {data!r}"
        data += chunk
    assert data == expected


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and select")
def test_a_real_pipe_sees_each_record_at_once_and_ctrl_c_leaves_valid_json():
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        head = b'[\n  {"n":1}'
        _read_exact(child.stdout.fileno(), head)  # while the child still runs
        child.send_signal(signal.SIGINT)
        rest, _ = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert json.loads(head + rest) == [{"n": 1}]
    assert child.returncode != 0
