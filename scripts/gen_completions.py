"""Write (or --check) completions/obsctl.{bash,zsh,fish} from the CLI itself.

The scripts are click/typer shims that call back into obsctl on each TAB, so they stay right as
commands change; CI still regenerates and diffs them so a typer upgrade that changes the protocol
is caught.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHELLS = ("bash", "zsh", "fish")


def generate(shell: str) -> str:
    env = {**os.environ, "_OBSCTL_COMPLETE": f"source_{shell}", "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "obsctl"], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return proc.stdout


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for shell in SHELLS:
        path = ROOT / "completions" / f"obsctl.{shell}"
        text = generate(shell)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
    if stale:
        print(
            f"stale completions: {', '.join(stale)}; run: python scripts/gen_completions.py", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
