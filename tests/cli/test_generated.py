"""Completions and docs are generated from the CLI and must not go stale; TAB really completes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import gen_completions  # noqa: E402
import gen_docs  # noqa: E402
import gen_surface  # noqa: E402


def test_completion_files_match_the_cli():
    for shell in gen_completions.SHELLS:
        assert (ROOT / "completions" / f"obsctl.{shell}").read_text() == gen_completions.generate(shell), (
            shell
        )


def test_docs_pages_match_help():
    for group in gen_docs.GROUPS:
        path = ROOT / "docs" / f"{group}.md"
        assert path.exists(), f"docs/{group}.md is missing"
        assert path.read_text() == gen_docs.render(group, path.read_text()), f"docs/{group}.md is stale"


@pytest.fixture
def obsctl_on_path(tmp_path):
    shim = tmp_path / "bin" / "obsctl"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT / "src"}" exec "{sys.executable}" -m obsctl "$@"\n')
    shim.chmod(0o755)
    return {**os.environ, "PATH": f"{shim.parent}:{os.environ['PATH']}"}


def bash_complete(env, words: str) -> list[str]:
    script = (
        f"source {ROOT / 'completions' / 'obsctl.bash'}\n"
        f"COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1))\n"
        'if [[ "${COMP_WORDS[-1]}" == "__EMPTY__" ]]; then COMP_WORDS[-1]=""; fi\n'
        "_obsctl_completion obsctl\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    proc = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=True)
    return proc.stdout.split()


def test_bash_tab_completes_groups_and_commands(obsctl_on_path):
    groups = bash_complete(obsctl_on_path, "obsctl __EMPTY__")
    assert {"health", "metrics", "alerts", "config"} <= set(groups)
    assert bash_complete(obsctl_on_path, "obsctl con") == ["config"]
    subs = bash_complete(obsctl_on_path, "obsctl config __EMPTY__")
    assert {"view", "get-contexts", "use-context", "set-context", "path"} <= set(subs)


def test_bash_tab_completes_context_names_and_output_formats(obsctl_on_path, tmp_path):
    contexts = tmp_path / "contexts.yaml"
    contexts.write_text("current-context: prod\ncontexts:\n  prod: {}\n  staging: {}\n  stage-eu: {}\n")
    env = {**obsctl_on_path, "OBSCTL_CONFIG": str(contexts)}
    assert bash_complete(env, "obsctl --context __EMPTY__") == ["prod", "stage-eu", "staging"]
    assert bash_complete(env, "obsctl config use-context st") == ["stage-eu", "staging"]
    assert bash_complete(env, "obsctl metrics query up --context p") == ["prod"]
    other = tmp_path / "other.yaml"
    other.write_text("contexts:\n  lab: {}\n")
    assert bash_complete(env, f"obsctl --config {other} config use-context __EMPTY__") == ["lab"]
    assert bash_complete(env, "obsctl config view -o __EMPTY__") == ["yaml", "json"]
    formats = bash_complete(env, "obsctl metrics query up -o __EMPTY__")
    assert {"table", "json", "csv", "graph"} <= set(formats)
    assert bash_complete(env, "obsctl health --output j") == ["json", "jsonl", "junit"]


def test_every_command_has_help_with_an_example():
    missing = []
    for group in gen_docs.GROUPS:
        for path in [[group], *gen_docs.subcommands([group])]:
            text = gen_docs.help_text(path)
            if "Example" not in text:
                missing.append(" ".join(path))
    assert missing == []


def test_surface_table_matches_the_cli():
    assert (ROOT / "src" / "obsctl" / "_surface_data.py").read_text() == gen_surface.generate(), (
        "run: python scripts/gen_surface.py"
    )


@pytest.mark.parametrize(
    "shell, extra, want",
    [
        ("zsh", {"_TYPER_COMPLETE_ARGS": "obsctl --context "}, "_arguments '*: :((\"prod\"\n\"staging\"))'\n"),
        ("fish", {"_TYPER_COMPLETE_ARGS": "obsctl config use-context s", "_TYPER_COMPLETE_FISH_ACTION": "get-args"}, "staging\n"),
        ("zsh", {"_TYPER_COMPLETE_ARGS": "obsctl config view -o j"}, "_arguments '*: :((\"json\"))'\n"),
    ],
)
def test_zsh_and_fish_complete_contexts_and_formats(tmp_path, shell, extra, want):
    contexts = tmp_path / "contexts.yaml"
    contexts.write_text("contexts:\n  prod: {}\n  staging: {}\n")
    env = {**os.environ, "OBSCTL_CONFIG": str(contexts), "_OBSCTL_COMPLETE": f"complete_{shell}", **extra}
    proc = subprocess.run([sys.executable, "-m", "obsctl"], env=env, capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, want, "")
