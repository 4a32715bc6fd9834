"""The one place obsctl reaches into typer's private modules (its vendored click, `typer._click`,
and its completion helpers).

Everything else imports typer's public API only; when typer moves these, this module (and its test,
tests/cli/test_root.py) is the one thing to change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from typer._click.exceptions import ClickException

__all__ = ["ClickException", "custom_completer", "is_file_type", "sanitize_help_text"]


def custom_completer(param: Any) -> Callable[..., Any] | None:
    """The function given as `autocompletion=` to a typer parameter.

    typer wraps it twice (a signature adapter, then a click `shell_complete` adapter); this follows
    the closures back to the user's function, or returns the outermost callable it cannot unwrap.
    """
    fn: Any = getattr(param, "_custom_shell_complete", None)
    for _ in range(4):
        code = getattr(fn, "__code__", None)
        cells = dict(zip(code.co_freevars, fn.__closure__ or ())) if code is not None else {}
        inner = cells.get("autocompletion") or cells.get("callback")
        if inner is None:
            break
        fn = inner.cell_contents
    return fn


def is_file_type(param_type: Any) -> bool:
    """click.File completes by echoing the word back (the shell then completes file names)."""
    from typer._click.types import File

    return isinstance(param_type, File)


def sanitize_help_text(text: str) -> str:
    """What typer's zsh/fish completion prints for a help text (rich markup rendered to plain text)."""
    from typer._completion_classes import _sanitize_help_text

    return _sanitize_help_text(text)
