"""The typer-free TAB path (obsctl._complete over the generated table) answers exactly as typer's own
completion does, for every command path and for generated word sequences; and its word splitter
agrees with click's shlex-based one."""

from __future__ import annotations

import contextlib
import io
import os
import shlex
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.main import get_command

from obsctl._complete import COMMANDS, OPTS, PARAMS, SECONDARY, complete, resolve
from obsctl._fast import format_items, split_arg_string
from obsctl._surface_build import environ, live_table
from obsctl.cli import app

ROOT = get_command(app)  # one root for every live completion, its groups built once
TREE, SANITIZED = live_table()
VOCAB = sorted(
    {c[0] for n in TREE.values() for c in n[COMMANDS]}
    | {o for n in TREE.values() for p in n[PARAMS] for o in (*p[OPTS], *p[SECONDARY])}
    | {"x", "up", "a=b", "1h", "--", "-", "-ojson", "--output=json", "--context=prod", "-cprod"}
)


@pytest.fixture(scope="module")
def contexts_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path: Path = tmp_path_factory.mktemp("ctx") / "contexts.yaml"
    path.write_text("current-context: prod\ncontexts:\n  prod: {}\n  staging: {}\n")
    return {"OBSCTL_CONFIG": str(path), "COLUMNS": "100000"}


def live(shell: str, words: list[str], incomplete: str, env: dict[str, str]) -> str:
    line = " ".join(shlex.quote(w) for w in ["obsctl", *words])
    extra = (
        {"COMP_WORDS": f"{line} {shlex.quote(incomplete)}", "COMP_CWORD": str(len(words) + 1)}
        if shell == "bash"
        else {"_TYPER_COMPLETE_ARGS": f"{line} {shlex.quote(incomplete)}" if incomplete else f"{line} "}
    )
    if shell == "fish":
        extra["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    out = io.StringIO()
    variables = {**env, "_OBSCTL_COMPLETE": f"complete_{shell}", **extra}
    with environ(variables), contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        ROOT.main(args=[], prog_name="obsctl")
    return out.getvalue()


def fast(shell: str, words: list[str], incomplete: str, env: dict[str, str]) -> str | None:
    items = complete(TREE, words, incomplete, env)
    if items is None:
        return None
    env = {**env, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    return format_items(shell, items, SANITIZED, env) + "\n"


def extension_case(words: list[str], incomplete: str) -> bool:
    """Where obsctl completes more than typer would: `--context` after a sub-command (it is hoisted
    to the root) and `-o` values (read from the option's help, typer knows them as plain strings)."""
    if words[-1:] in (["-o"], ["--output"]) or incomplete.startswith("--output="):
        return True
    last = words[-1:] == ["--context"] or incomplete.startswith("--context=")
    return last and len(resolve(TREE, words)) > 1


def same(shell: str, words: list[str], incomplete: str, env: dict[str, str]) -> None:
    if extension_case(words, incomplete) or "'" in incomplete or '"' in incomplete:
        return
    got = fast(shell, words, incomplete, env)
    if got is None:  # a parameter with its own completer: the full CLI answers
        return
    want = live(shell, words, incomplete, env)
    assert lines(got) == lines(want), (shell, words, incomplete)


def lines(output: str) -> list[str]:
    """Completion lines, order aside (click builds the help option's names from a set)."""
    head, tail = "_arguments '*: :((", "))'"
    body = output.rstrip("\n")
    if body.startswith(head) and body.endswith(tail):
        body = body[len(head) : -len(tail)]
    return sorted(body.splitlines())


def systematic_cases() -> list[tuple[list[str], str]]:
    cases: list[tuple[list[str], str]] = []
    for key, node in TREE.items():
        words = key.split()
        for incomplete in ("", "-", "--", *{c[0][:1] for c in node[COMMANDS]}):
            cases.append((words, incomplete))
        for param in node[PARAMS]:
            if param[0] == "option" and param[4] in ("store", "append"):
                cases.append(([*words, param[OPTS][0]], ""))
                cases.append((words, f"{param[OPTS][-1]}="))
    return cases


def test_every_path_completes_like_typer(contexts_env: dict[str, str]) -> None:
    for words, incomplete in systematic_cases():
        same("bash", words, incomplete, contexts_env)


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_output_like_typer(shell: str, contexts_env: dict[str, str]) -> None:
    for words, incomplete in [([], ""), ([], "al"), (["alerts"], ""), (["config"], "use"), (["--context"], "")]:
        same(shell, words, incomplete, contexts_env)
    for words, incomplete in systematic_cases()[::7]:
        same(shell, words, incomplete, contexts_env)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(st.sampled_from(VOCAB), max_size=6), incomplete=st.sampled_from(["", "-", "--", "a", "c", "j"]))
def test_generated_word_sequences_complete_like_typer(
    words: list[str], incomplete: str, contexts_env: dict[str, str]
) -> None:
    same("bash", words, incomplete, contexts_env)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.text(alphabet=" \t\n'\"\\ab-=", max_size=12))
def test_word_splitter_matches_click(text: str) -> None:
    lex = shlex.shlex(text, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    want: list[str] = []
    try:
        want.extend(lex)
    except ValueError:
        want.append(lex.token)
    assert split_arg_string(text) == want


def test_every_output_format_option_completes_its_formats() -> None:
    from obsctl._surface_build import is_format_option, walk

    missing, checked = [], 0
    for path, command, ctx in walk(ROOT, ROOT.make_context("obsctl", [], resilient_parsing=True)):
        params = command.get_params(ctx)
        for index, p in enumerate(params):
            if not is_format_option(p):
                continue
            checked += 1
            spec = TREE[" ".join(path)][PARAMS][index][8]
            if not (spec and spec[0] in ("choices", "live")):
                missing.append(" ".join(path))
    assert checked >= 10
    assert missing == [], "give -o FORMAT a help like 'table, json or yaml.' or an autocompletion="


@pytest.mark.parametrize(
    "env, flag",
    [
        ({"HOME": "/h"}, None),
        ({"HOME": "/h", "XDG_CONFIG_HOME": "/x"}, None),
        ({"HOME": "/h", "OBSCTL_CONFIG": f"/a.yaml{os.pathsep}~/b.yaml{os.pathsep}"}, None),
        ({"HOME": "/h", "OBSCTL_CONFIG": "/a.yaml"}, "/flag.yaml"),
    ],
)
def test_tab_reads_the_same_contexts_files_as_settings(env: dict[str, str], flag: str | None) -> None:
    from obsctl.config.complete import contexts_files
    from obsctl.core.settings import config_paths

    assert contexts_files(env, flag) == [str(p) for p in config_paths(env, flag)]


def test_context_names_survive_broken_files(tmp_path: Path) -> None:
    from obsctl.config.complete import context_names

    good = tmp_path / "good.yaml"
    good.write_text("contexts:\n  prod: {}\n  lab: {}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe[[[")
    spec = os.pathsep.join([str(bad), str(tmp_path / "missing.yaml"), str(good)])
    assert context_names({"OBSCTL_CONFIG": spec}, None, "") == ["lab", "prod"]
    assert context_names({"OBSCTL_CONFIG": spec}, None, "p") == ["prod"]
