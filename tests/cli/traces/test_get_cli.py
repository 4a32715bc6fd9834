"""`obsctl traces get --file`: terminal vs pipe, and input errors with their exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.sdk_traces import checkout_trace, trace_id_of

FIX = Path(__file__).parents[2] / "fixtures" / "jaeger"
HOTROD = str(FIX / "v3" / "get_trace_hotrod_40spans_6services.json")


def test_terminal_gets_bars_pipe_gets_plain_text(run_cli):
    tty = run_cli(["traces", "get", "--file", HOTROD], tty=True)
    piped = run_cli(["traces", "get", "--file", HOTROD])
    assert tty.exit_code == piped.exit_code == 0
    assert "█" in tty.stdout and "█" not in piped.stdout
    assert "\x1b[" not in tty.stdout  # NO_COLOR is set in tests
    assert piped.stdout.splitlines()[1] == " frontend GET /dispatch                            703ms  server"


def test_several_traces_in_a_file_are_listed(run_cli, tmp_path: Path):
    a, b = checkout_trace(), checkout_trace()
    path = tmp_path / "two.jsonl"
    path.write_text(json.dumps(a) + "\n" + json.dumps(b) + "\n")
    result = run_cli(["traces", "get", "--file", str(path)])
    assert result.exit_code == 0
    assert result.stderr == f"obsctl: {path} holds 2 traces; pass one id to see it\n"
    assert sorted(line.split("\t")[-1] for line in result.stdout.splitlines()) == sorted(
        [trace_id_of(a), trace_id_of(b)]
    )
    one = run_cli(["traces", "get", trace_id_of(b)[16:].upper(), "--file", str(path), "-o", "json"])
    assert one.exit_code == 2  # a 16-hex id means the high half is zero: not this trace
    ok = run_cli(["traces", "get", trace_id_of(b).upper(), "--file", str(path), "-o", "json"])
    assert json.loads(ok.stdout)["trace_id"] == trace_id_of(b)


def test_bad_input_exits_2(run_cli, tmp_path: Path):
    bad_id = run_cli(["traces", "get", "not-a-trace", "--file", HOTROD])
    assert (bad_id.exit_code, bad_id.stderr.splitlines()[0]) == (
        2,
        "obsctl: error: invalid trace id 'not-a-trace'",
    )
    no_jaeger = run_cli(["traces", "get", "4bf92f3577b34da6a3ce929d0e0e4736"])
    assert no_jaeger.exit_code == 2 and "no jaeger URL configured" in no_jaeger.stderr
    bad_span = run_cli(["traces", "get", "--file", HOTROD, "--span", "0123456789abcdef"])
    assert bad_span.exit_code == 2 and "span 0123456789abcdef is not in trace" in bad_span.stderr
    bad_format = run_cli(["traces", "get", "--file", HOTROD, "-o", "svg"])
    assert bad_format.exit_code == 2


def test_span_detail(run_cli):
    result = run_cli(["traces", "get", "--file", HOTROD, "--span", "9082D67808FC8870"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == ["span       9082d67808fc8870", "trace      2ea75461946a7dd10f2c15ab36a076cb"]
    assert "  url.full = http://0.0.0.0:8081/customer?customer=123" in lines
