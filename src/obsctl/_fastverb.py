"""Run the common `obsctl alerts test --am-config FILE NAME=VALUE...` without importing typer.

A single route test is amtool's `config routes test`; building the typer CLI (importing typer,
constructing the root and the `alerts test` command) costs more than the routing itself. This path
parses the argv itself when, and only when, every word is one it fully understands:

- root options `--context X`, `--config X`, `--no-color` (before or after the verb, as the CLI
  hoists them), in the spellings the generated table lists;
- `alerts test` options `--am-config/--config.file FILE`, `--expect/--verify.receivers A,B`,
  `--tree`, `-o/--output FORMAT` (a format the table lists), each at most once, values not
  empty and not starting with `-`; every other word a `NAME=VALUE` label (not starting with `-`).

Anything else (help, `--debug`, `--at`, `-f`, `--firing`, `--url`, `--`, a repeated or unknown
flag, no `--am-config`, a stale table, `_OBSCTL_NO_FASTVERB` set) returns None before any output
and the typer CLI runs instead. The flag spellings are read from the generated table
(obsctl/_surface_data.py, used only when its digest matches the sources, and checked in CI against
the live CLI), so this path cannot drift from the CLI definition; the run itself calls the same
functions as the typer command (obsctl.alerts.single) inside the same error boundary rules as
obsctl.cli.ObsctlGroup.invoke. tests/cli/test_fastverb.py runs many argvs both ways and compares
stdout, stderr and exit codes.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is not imported on this path
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

DISABLE_ENV = "_OBSCTL_NO_FASTVERB"
VERB = ("alerts", "test")
INTERNAL_ERROR = 70
INTERRUPTED = 130
# Parameters (by the CLI's parameter names) this path parses: name -> takes a value.
ROOT_PARAMS = {"context": True, "config": True, "no_color": False}
VERB_PARAMS = {"am_config": True, "expect": True, "tree": False, "output": True}


def flush_quietly() -> None:
    """Flush stdout ignoring errors (before the interrupt message)."""
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001
        pass


def silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def internal_error(exc: BaseException) -> tuple[str, str]:
    """The message and hint of an unexpected exception at the error boundary (exit 70)."""
    return (
        f"internal error: {type(exc).__name__}: {exc}",
        "rerun with --debug for the traceback, and please report it",
    )


def _spellings(params: Sequence[Any], wanted: Mapping[str, bool]) -> dict[str, str] | None:
    """flag spelling -> parameter name, for the wanted parameters of one table entry."""
    found: dict[str, str] = {}
    for kind, name, opts, secondary, action, nargs, *_ in params:
        if name not in wanted:
            continue
        expected = "store" if wanted[name] else "store_const"
        if kind != "option" or secondary or action != expected or nargs != 1:
            return None  # the CLI changed shape: leave it to typer
        found.update(dict.fromkeys(opts, name))
    return found if set(found.values()) == set(wanted) else None


def _take(
    args: list[str], i: int, flags: Mapping[str, str], takes: Mapping[str, bool], into: dict[str, Any]
) -> int:
    """Parse the option at args[i] into `into`; the next index, or -1 when not understood."""
    word = args[i]
    value: str | None = None
    if word.startswith("--") and "=" in word:
        word, value = word.split("=", 1)
    name = flags.get(word)
    if name is None or name in into:
        return -1
    if not takes[name]:
        if value is not None:
            return -1
        into[name] = True
        return i + 1
    if value is None:
        if i + 1 >= len(args):
            return -1
        value = args[i + 1]
        i += 1
    if not value or value.startswith("-"):
        return -1
    into[name] = value
    return i + 1


def parse(
    argv: Sequence[str], tree: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], list[str]] | None:
    """(root options, verb options, labels) when this path understands every word, else None."""
    from obsctl._argv import hoist_global_options

    root_flags = _spellings(tree[""][2], ROOT_PARAMS)
    verb_flags = _spellings(tree[" ".join(VERB)][2], VERB_PARAMS)
    if root_flags is None or verb_flags is None:
        return None
    args = hoist_global_options(list(argv))
    root: dict[str, Any] = {}
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i = _take(args, i, root_flags, ROOT_PARAMS, root)
        if i < 0:
            return None
    if tuple(args[i : i + 2]) != VERB:
        return None
    verb: dict[str, Any] = {}
    labels: list[str] = []
    i += 2
    while i < len(args):
        if not args[i].startswith("-"):
            labels.append(args[i])
            i += 1
            continue
        i = _take(args, i, verb_flags, VERB_PARAMS, verb)
        if i < 0:
            return None
    if "am_config" not in verb or not _known_format(verb.get("output"), tree):
        return None
    return root, verb, labels


def _known_format(fmt: str | None, tree: Mapping[str, Any]) -> bool:
    """-o absent, or one of the formats the table lists for `alerts test` (any case, as the CLI)."""
    return fmt is None or fmt.lower() in _formats(tree)


def run(argv: Sequence[str], env: Mapping[str, str]) -> int | None:
    """Run `alerts test` and return its exit code, or None (nothing written) for the typer CLI."""
    if DISABLE_ENV in env or env.get("_OBSCTL_COMPLETE"):
        return None
    try:
        from obsctl._fast import load_table

        table = load_table()
        tree = table.TREE if table is not None else None
        parsed = parse(argv, tree) if tree is not None else None
    except Exception:  # noqa: BLE001 - this path never fails a run: the full CLI answers instead
        parsed = None
    if parsed is None or tree is None:
        return None
    root, verb, labels = parsed
    from obsctl.core.context import AppContext, Seams

    actx = AppContext(
        Seams(), context=root.get("context"), config=root.get("config"), no_color=bool(root.get("no_color"))
    )
    try:
        return _route(actx, verb, labels, tree)
    finally:
        actx.close()


def _route(actx: Any, verb: Mapping[str, Any], labels: list[str], tree: Mapping[str, Any]) -> int:
    """The body of `alerts test` for one label set, inside the CLI's error boundary."""
    from obsctl.core.errors import ObsctlError

    try:
        from obsctl.alerts.config import load_config_file
        from obsctl.alerts.matchers import parse_label_args
        from obsctl.alerts.single import run_single
        from obsctl.core.output import check_format

        fmt = check_format(verb.get("output"), _formats(tree))
        label_set = parse_label_args(labels)
        cfg = load_config_file(verb["am_config"])
        run_single(
            actx,
            cfg,
            label_set,
            expect=verb.get("expect"),
            tree=bool(verb.get("tree")),
            at=None,
            firing=None,
            fmt=fmt,
        )
        return 0
    except ObsctlError as exc:
        actx.out.error(exc.message, exc.hint)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        flush_quietly()
        sys.stderr.write("obsctl: interrupted\n")
        return INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return 0
    except Exception as exc:  # noqa: BLE001 - the boundary: no traceback (--debug takes the typer path)
        actx.out.error(*internal_error(exc))
        return INTERNAL_ERROR


def _formats(tree: Mapping[str, Any]) -> tuple[str, ...]:
    """The `-o` formats of `alerts test`, from its completion spec in the table."""
    for param in tree[" ".join(VERB)][2]:
        spec = param[8]
        if param[1] == "output" and spec and spec[0] == "choices":
            return tuple(spec[1])
    return ()
