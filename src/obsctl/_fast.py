"""Serve `--help` and TAB from the generated table (obsctl/_surface_data.py) without importing typer.

The table is generated from the live CLI by scripts/gen_surface.py and checked in CI like the docs.
It carries a digest of every source file of the package: when the tree has changed since it was
generated (a developer edited a command and has not regenerated), the digest differs and every
request takes the normal typer path, so output is never stale. Pre-rendered help is used only at
terminal widths where click's rendering does not depend on the width (80 columns and more).
"""

from __future__ import annotations

import os
import sys

from obsctl.core.term import terminal_columns

TYPE_CHECKING = False  # typing itself is not imported on the help/TAB path
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import ModuleType
    from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_FILE = "_surface_data.py"
MIN_COLUMNS = 80
SHELLS = ("bash", "zsh", "fish")


def source_files(root: str = HERE) -> list[str]:
    """Every .py file of the package but the table itself, as sorted '/'-separated relative paths."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        for name in filenames:
            if name.endswith(".py") and not (rel == "." and name == DATA_FILE):
                found.append(name if rel == "." else f"{rel}/{name}")
    return sorted(found)


def source_digest(root: str = HERE) -> str:
    """A cheap fingerprint of the sources the table was generated from (about 1 ms)."""
    import zlib

    crc = 0
    size = 0
    files = source_files(root)
    for rel in files:
        with open(os.path.join(root, rel), "rb") as fh:
            data = fh.read()
        crc = zlib.crc32(rel.encode() + b"\0", crc)
        crc = zlib.crc32(data, crc)
        size += len(data)
    return f"{len(files)}-{size}-{crc:08x}"


def load_table() -> ModuleType | None:
    """The generated table if it matches the sources on disk, else None."""
    try:
        from obsctl import _surface_data as data
    except ImportError:
        return None
    try:
        fresh = source_digest() == data.DIGEST
    except OSError:
        return None
    return data if fresh else None


def serve(argv: Sequence[str], env: Mapping[str, str]) -> int | None:
    """Answer a help or completion request from the table; None means "run the full CLI"."""
    instruction = env.get("_OBSCTL_COMPLETE")
    if instruction:
        return _serve_completion(instruction, env)
    asks_help = bool(argv) and argv[-1] in ("--help", "-h")
    words = argv[:-1] if asks_help else argv
    if any(word.startswith("-") for word in words):
        return None
    table = load_table()
    if table is None or terminal_columns(env) < MIN_COLUMNS:
        return None
    return _serve_help(table, list(argv))


def _serve_help(table: ModuleType, argv: list[str]) -> int | None:
    """`PATH --help` (stdout, 0), or a bare group that shows its help (stderr, 2), as click does."""
    from obsctl._complete import HELP_NAMES, NO_ARGS_IS_HELP

    asks_help = bool(argv) and argv[-1] in ("--help", "-h")
    path = " ".join(argv[:-1] if asks_help else argv)
    node = table.TREE.get(path)
    text = table.HELP.get(path)
    if node is None or text is None:
        return None
    if asks_help:
        if argv[-1] not in node[HELP_NAMES]:
            return None
        stream, code = sys.stdout, 0
    elif node[NO_ARGS_IS_HELP]:
        stream, code = sys.stderr, 2
    else:
        return None
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:  # `obsctl --help | head -1`: end quietly, as the full CLI does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    return code


def _serve_completion(instruction: str, env: Mapping[str, str]) -> int | None:
    table = load_table()
    if table is None:
        return None
    return answer_completion(table.TREE, table.SANITIZED, instruction, env)


def answer_completion(
    tree: Mapping[str, Any],
    sanitized: Mapping[str, tuple[str, str]],
    instruction: str,
    env: Mapping[str, str],
) -> int | None:
    """Print what typer's `complete_<shell>` would; None for requests only typer can answer."""
    command, _, shell = instruction.partition("_")
    if command != "complete" or shell not in SHELLS:
        return None
    from obsctl._complete import complete

    args, incomplete = _completion_words(shell, env)
    items = complete(tree, args, incomplete, env)
    if items is None:
        return None
    if shell == "fish" and env.get("_TYPER_COMPLETE_FISH_ACTION") == "is-args":
        return 0 if items else 1
    sys.stdout.write(format_items(shell, items, sanitized, env) + "\n")
    return 0


def _completion_words(shell: str, env: Mapping[str, str]) -> tuple[list[str], str]:
    """What typer's BashComplete/ZshComplete/FishComplete read from the environment."""
    if shell == "bash":
        words = split_arg_string(env.get("COMP_WORDS", ""))
        try:
            cword = int(env.get("COMP_CWORD", ""))
        except ValueError:  # typer would fail here; complete the last word instead
            cword = max(len(words) - 1, 1)
        return words[1:cword], (words[cword] if 0 <= cword < len(words) else "")
    line = env.get("_TYPER_COMPLETE_ARGS", "")
    words = split_arg_string(line)[1:]
    if words and not line.endswith(" "):
        return words[:-1], words[-1]
    return words, ""


def split_arg_string(text: str) -> list[str]:
    """click's split_arg_string (shlex, POSIX, whitespace-split, partial last token kept) without
    importing shlex and re; tests/cli/test_generated.py checks the two agree."""
    out: list[str] = []
    token = ""
    started = False
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote == "'":
            if ch == "'":
                quote = ""
            else:
                token += ch
        elif ch == "\\" and quote != "'":
            if i + 1 == len(text):
                out.append(token)
                return out
            nxt = text[i + 1]
            if quote == '"' and nxt not in ('"', "\\"):
                token += ch
            token += nxt
            started = True
            i += 1
        elif quote == '"':
            if ch == '"':
                quote = ""
            else:
                token += ch
        elif ch in " \t\r\n":
            if started:
                out.append(token)
            token, started = "", False
        elif ch in "'\"":
            quote, started = ch, True
        else:
            token += ch
            started = True
        i += 1
    if started or quote:
        out.append(token)
    return out


def _zsh_escape(s: str) -> str:
    return (
        s.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")
    )


def format_items(
    shell: str, items: list[tuple[str, Any]], sanitized: Mapping[str, tuple[str, str]], env: Mapping[str, str]
) -> str:
    """The lines typer's completion classes print for these items, per shell."""
    if shell == "bash":
        return "\n".join(value for value, _ in items)
    if shell == "fish" and (env.get("_TYPER_COMPLETE_FISH_ACTION") != "get-args" or not items):
        return ""
    which, plain = (0, _zsh_escape) if shell == "zsh" else (1, _fish_space)
    lines = []
    for value, help_text in items:
        shown = (
            (sanitized[help_text][which] if help_text in sanitized else plain(help_text))
            if help_text
            else None
        )
        if shell == "zsh":
            lines.append(
                f'"{_zsh_escape(value)}":"{shown}"' if shown is not None else f'"{_zsh_escape(value)}"'
            )
        else:
            lines.append(f"{value}\t{shown}" if shown is not None else value)
    if shell == "fish":
        return "\n".join(lines)
    return "_arguments '*: :((" + "\n".join(lines) + "))'" if lines else "_files"


def _fish_space(text: str) -> str:
    return "".join(" " if ch.isspace() else ch for ch in text)
