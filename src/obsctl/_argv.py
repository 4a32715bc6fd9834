"""Argument rewriting shared by the CLI and the typer-free TAB path (standard library only)."""

from __future__ import annotations

ROOT_VALUE_OPTIONS = ("--context", "-c", "--config")
HOISTED_FLAGS = ("--no-color", "--debug")


def hoist_global_options(args: list[str]) -> list[str]:
    """Let `--context X`, `--config PATH`, `--no-color` and `--debug` follow the sub-command, as in kubectl.

    `obsctl metrics query up --context prod` becomes `obsctl --context prod metrics query up`.
    Only long forms move (a sub-command may own `-c`), and nothing after `--`.
    """
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        i += 2 if args[i] in ROOT_VALUE_OPTIONS else 1
    head, tail = list(args[:i]), list(args[i:])
    moved: list[str] = []
    rest: list[str] = []
    j = 0
    while j < len(tail):
        tok = tail[j]
        if tok == "--":
            rest.extend(tail[j:])
            break
        if tok in HOISTED_FLAGS or tok.startswith(("--context=", "--config=")):
            moved.append(tok)
        elif tok in ("--context", "--config") and j + 1 < len(tail):
            moved.extend(tail[j : j + 2])
            j += 1
        else:
            rest.append(tok)
        j += 1
    return head + moved + rest
