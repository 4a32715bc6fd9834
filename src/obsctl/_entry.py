"""Console-script entry: answers `--version`, `--help` and TAB before importing the CLI.

`--version` needs obsctl/__init__ only; help and completion come from the generated table
(obsctl._fast) when it matches the sources; a plain `alerts test --am-config FILE NAME=VALUE...`
runs without typer (obsctl._fastverb); everything else runs the typer CLI (obsctl.cli).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run obsctl; the fast paths cost no imports beyond the standard library and obsctl's own."""
    argv = sys.argv[1:]
    if argv == ["--version"]:
        from obsctl import __version__

        sys.stdout.write(f"obsctl {__version__}\n")
        return
    bare_group = len(argv) <= 2 and not any(a.startswith("-") for a in argv)  # `obsctl alerts` shows help
    if bare_group or argv[-1] in ("--help", "-h") or "_OBSCTL_COMPLETE" in os.environ:
        from obsctl._fast import serve

        try:
            code = serve(argv, os.environ)
        except Exception:  # noqa: BLE001 - the fast path never fails a run: the full CLI answers instead
            code = None
        if code is not None:
            sys.exit(code)
    if "test" in argv and "alerts" in argv:  # one route test: without typer when the argv allows
        from obsctl._fastverb import run

        code = run(argv, os.environ)
        if code is not None:
            sys.exit(code)
    from obsctl.cli import main as cli_main

    cli_main()
