"""Console-script entry: answers `--version` before importing the CLI (typer and every group)."""

from __future__ import annotations

import sys


def main() -> None:
    """Run obsctl; the version fast path costs no imports beyond obsctl/__init__."""
    if sys.argv[1:] == ["--version"]:
        from obsctl import __version__

        sys.stdout.write(f"obsctl {__version__}\n")
        return
    from obsctl.cli import main as cli_main

    cli_main()
