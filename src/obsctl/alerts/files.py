"""Reading the files `obsctl alerts` is given: one wording for missing, unreadable and non-UTF-8 files.

Alertmanager configs, case files and rule files all exit 2 with `FILE: problem` and never a
traceback (a Latin-1 or binary file is a usage error, not an internal one).
"""

from __future__ import annotations

from pathlib import Path

from obsctl.core.errors import ConfigError, ObsctlError


def read_problem(path: str | Path, exc: OSError | UnicodeDecodeError, what: str = "file") -> str:
    """`no such file`, `cannot read: Permission denied`, or `not UTF-8 text (byte 0xff at offset 0)`."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    if isinstance(exc, FileNotFoundError):
        return f"no such {what}"
    return f"cannot read: {exc.strerror or exc}"


def read_text(path: str | Path, what: str = "file", error: type[ObsctlError] = ConfigError) -> str:
    """The file's text as UTF-8; `error` (exit 2) naming the file and the problem otherwise."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        hint = "save the file as UTF-8" if isinstance(exc, UnicodeDecodeError) else None
        raise error(f"{path}: {read_problem(path, exc, what)}", hint=hint) from None
