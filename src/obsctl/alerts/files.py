"""Reading the files `obsctl alerts` is given: one wording for missing, unreadable and non-UTF-8 files.

Alertmanager configs, case files and rule files all exit 2 with `FILE: problem` and never a
traceback (a Latin-1 or binary file is a usage error, not an internal one).
"""

from __future__ import annotations

import os

from obsctl.core.errors import ConfigError, ObsctlError

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from pathlib import Path


def _already_normal(text: str) -> bool:
    """True when pathlib would open `text` unchanged (no empty or `.` parts): pathlib not needed."""
    inner = text[1:] if text.startswith("/") else text
    return os.sep == "/" and inner != "" and "//" not in f"/{inner}/" and "/./" not in f"/{inner}/"


def _read_utf8(path: str | Path) -> str:
    """Path(path).read_text(encoding="utf-8"), without importing pathlib for ordinary paths."""
    if isinstance(path, str) and _already_normal(path):
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    from pathlib import Path

    return Path(path).read_text(encoding="utf-8")


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
        return _read_utf8(path)
    except (OSError, UnicodeDecodeError) as exc:
        hint = "save the file as UTF-8" if isinstance(exc, UnicodeDecodeError) else None
        raise error(f"{path}: {read_problem(path, exc, what)}", hint=hint) from None
