"""The typer-free `alerts test` path (obsctl._fastverb) answers exactly as the typer CLI does.

Every argv runs both ways through the console-script entry (obsctl._entry.main): once as shipped,
once with the fast path disabled; stdout, stderr and the exit code must be identical. Argvs the
fast path does not fully understand must reach the typer CLI with nothing written first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from obsctl import _entry, _fastverb
from obsctl._fast import load_table

AM = Path(__file__).resolve().parents[1] / "fixtures" / "alertmanager"
ROUTING = str(AM / "routing.yml")
KUBE = str(AM / "kube_prometheus_alertmanager.yaml")
BAD = str(AM / "amtool_conf.bad.yml")
T = ["alerts", "test"]

HANDLED: list[list[str]] = [
    [*T, "--am-config", ROUTING, "severity=critical"],
    [*T, "--config.file", ROUTING, "severity=critical", "team=db"],
    [*T, f"--am-config={ROUTING}", "service=api", "severity=warning"],
    [*T, f"--config.file={KUBE}"],
    [*T, "alertname=Watchdog", "--am-config", KUBE],
    [*T, "--am-config", KUBE, "namespace=kube-system", "severity=critical", "-o", "json"],
    [*T, "--am-config", ROUTING, "severity=critical", "-o", "JSON"],
    [*T, "--am-config", ROUTING, "--output=yaml", "team=db"],
    *(
        [*T, "--am-config", ROUTING, "-o", f, "severity=critical"]
        for f in ("wide", "csv", "jsonl", "tsv", "table")
    ),
    [*T, "--am-config", ROUTING, "--tree", "severity=critical", "team=db"],
    [*T, "--am-config", ROUTING, "--tree", "-o", "json", "severity=critical"],
    [*T, "--am-config", ROUTING, "--expect", "pager", "severity=critical"],
    [*T, "--am-config", ROUTING, "--expect", "nobody,else", "severity=critical"],
    [*T, "--am-config", ROUTING, "--verify.receivers=pager", "--tree", "severity=critical"],
    [*T, "--am-config", ROUTING, 'summary="a b, c"', "émoji=☃"],
    [*T, "--am-config", ROUTING, "severity!=critical"],
    [*T, "--am-config", ROUTING, "severity"],
    [*T, "--am-config", ROUTING, "1abc=x"],
    [*T, "--am-config", ROUTING, 'a="unterminated'],
    [*T, "--am-config", ROUTING, "a=b", "a=c"],
    [*T, "--am-config", "no/such/file.yml", "a=b"],
    [*T, "--am-config", BAD, "a=b"],
    [*T, "--am-config", str(AM), "a=b"],
    [*T, "--am-config", "./" + os.path.relpath(ROUTING), "a=b"],
    ["--no-color", *T, "--am-config", ROUTING, "severity=critical"],
    ["--context", "nope", "--config", "/nonexistent", *T, "--am-config", ROUTING, "a=b"],
    ["-c", "nope", *T, "--am-config", ROUTING, "a=b"],
    [*T, "--am-config", ROUTING, "a=b", "--context=x", "--no-color", "--config", "/x"],
    ["alerts", "--no-color", "test", "--am-config", ROUTING, "severity=critical"],
]

FALLBACK: list[list[str]] = [
    [*T, "--am-config", ROUTING, "--help"],
    [*T, "-h"],
    [*T, "--am-config", ROUTING, "--debug", "a=b"],
    ["--debug", *T, "--am-config", ROUTING, "a=b"],
    [*T, "--am-config", ROUTING, "--at", "2026-01-03T02:00:00Z", "a=b"],
    [*T, "--am-config", ROUTING, "--firing", "a=b", "c=d"],
    [*T, "--am-config", ROUTING, "--url", "http://127.0.0.1:1", "a=b"],
    [*T, "-f", "cases.yaml"],
    [*T, "--am-config", ROUTING, "--", "a=b"],
    [*T, "--am-config", ROUTING, "-ojson", "a=b"],
    [*T, "--am-config", ROUTING, "--am-config", ROUTING, "a=b"],
    [*T, "--am-config", ROUTING, "--tree", "--tree", "a=b"],
    [*T, "--am-config"],
    [*T, "--am-config", "-o", "a=b"],
    [*T, "--am-config", ""],
    [*T, "--am-config=", "a=b"],
    [*T, "a=b"],
    [*T, "--am-config", ROUTING, "--bogus", "a=b"],
    [*T, "--am-config", ROUTING, "-o", "bogus", "a=b"],
    [*T, "--am-config", ROUTING, "--tree=1", "a=b"],
    [*T, "--am-config", ROUTING, "-c", "x", "a=b"],
    [*T, "--am-config", ROUTING, "-x=1"],
    ["-cx", *T, "--am-config", ROUTING, "a=b"],
    ["alerts", "routes", "--am-config", ROUTING],
    ["alerts", "tes", "--am-config", ROUTING],
    ["test", "alerts", "--am-config", ROUTING],
]


def _entry_run(
    argv: Sequence[str], fast: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["obsctl", *argv])
    if fast:
        monkeypatch.delenv(_fastverb.DISABLE_ENV, raising=False)
    else:
        monkeypatch.setenv(_fastverb.DISABLE_ENV, "1")
    code = 0
    try:
        _entry.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _fresh_table() -> None:
    assert load_table() is not None, "stale src/obsctl/_surface_data.py: run scripts/gen_surface.py"


@pytest.mark.parametrize("argv", HANDLED, ids=lambda a: " ".join(a[2:])[:60])
def test_fast_path_answers_like_the_typer_cli(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _fastverb.parse(argv, load_table().TREE) is not None  # type: ignore[union-attr]
    fast = _entry_run(argv, True, monkeypatch, capsys)
    slow = _entry_run(argv, False, monkeypatch, capsys)
    assert fast == slow
    assert fast[0] in (0, 1, 2)


@pytest.mark.parametrize("argv", FALLBACK, ids=lambda a: " ".join(a)[:60])
def test_anything_else_reaches_the_typer_cli_untouched(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _fastverb.run(argv, {}) is None
    assert capsys.readouterr() == ("", "")


def test_flag_spellings_come_from_the_table() -> None:
    tree = load_table().TREE  # type: ignore[union-attr]
    assert _fastverb.parse([*T, "--am-config", ROUTING], tree) is not None
    renamed = dict(tree)
    params = [p for p in tree["alerts test"][2] if p[1] != "am_config"]
    params.append(("option", "am_config", ("--alertmanager-config",), (), "store", 1, False, "", None))
    renamed["alerts test"] = (*tree["alerts test"][:2], tuple(params), *tree["alerts test"][3:])
    assert _fastverb.parse([*T, "--am-config", ROUTING], renamed) is None
    assert _fastverb.parse([*T, "--alertmanager-config", ROUTING], renamed) is not None
    reshaped = dict(tree)
    flag = [(*p[:4], "store_const", *p[5:]) if p[1] == "am_config" else p for p in tree["alerts test"][2]]
    reshaped["alerts test"] = (*tree["alerts test"][:2], tuple(flag), *tree["alerts test"][3:])
    assert _fastverb.parse([*T, "--am-config", ROUTING], reshaped) is None


def test_whole_process_both_ways(tmp_path: Path) -> None:
    script = "from obsctl._entry import main; main()"
    env = {k: v for k, v in os.environ.items() if k != _fastverb.DISABLE_ENV}
    for argv in (
        [*T, "--am-config", ROUTING, "severity=critical", "-o", "json"],
        [*T, "--am-config", BAD, "a=b"],
    ):
        runs = [
            subprocess.run(
                [sys.executable, "-c", script, *argv],
                env=e,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            for e in (env, {**env, _fastverb.DISABLE_ENV: "1"})
        ]
        shipped, forced = ((r.returncode, r.stdout, r.stderr) for r in runs)
        assert shipped == forced
        assert runs[0].stdout or runs[0].stderr


def _on_a_terminal(argv: Sequence[str], env: dict[str, str]) -> tuple[int, bytes]:
    """Run the entry with stdout and stderr on a pseudo-terminal: (exit code, what the terminal got)."""
    import pty
    import select

    master, slave = pty.openpty()
    script = "from obsctl._entry import main; main()"
    proc = subprocess.Popen([sys.executable, "-c", script, *argv], env=env, stdout=slave, stderr=slave)
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while select.select([master], [], [], 30)[0]:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    return proc.wait(timeout=30), b"".join(chunks)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal (POSIX)")
def test_terminal_output_with_colour_both_ways() -> None:
    env = {k: v for k, v in os.environ.items() if k not in (_fastverb.DISABLE_ENV, "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    for argv in (
        [*T, "--am-config", ROUTING, "--tree", "severity=critical", "team=db"],
        [*T, "--am-config", BAD],
        [*T, "--am-config", ROUTING, "--expect", "nobody", "severity=critical"],
    ):
        shipped = _on_a_terminal(argv, env)
        forced = _on_a_terminal(argv, {**env, _fastverb.DISABLE_ENV: "1"})
        assert shipped == forced
        assert b"\x1b[" in shipped[1]  # coloured: the terminal branch of the renderer ran
