"""Terminal width without importing shutil (which pulls in bz2, lzma and fnmatch: ~2 ms a start)."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is not imported on the help/TAB path
if TYPE_CHECKING:
    from collections.abc import Mapping


def terminal_columns(env: Mapping[str, str], fallback: int = 80) -> int:
    """`shutil.get_terminal_size((fallback, 24)).columns`: $COLUMNS, else stdout's terminal, else fallback."""
    try:
        columns = int(env.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = fallback
        columns = columns or fallback
    return columns
