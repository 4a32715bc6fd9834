"""Run every benchmark in bench/ (one command): .venv/bin/python bench/run.py [--quick]

Each script times the installed console script (.venv/bin/obsctl) beside its anchor tool, interleaved,
and prints its own medians and ratios; nothing here asserts timings. Flags a script does not
declare are not passed to it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _timing import obsctl_script

HERE = Path(__file__).resolve().parent


def main() -> int:
    print(f"console script: {obsctl_script()}  interpreter: {sys.executable}", flush=True)
    scripts = [
        HERE / "startup_bench.py",
        *sorted(p for p in HERE.glob("*_bench.py") if p.name != "startup_bench.py"),
    ]
    failed = 0
    for script in scripts:
        source = script.read_text()
        passed = [a for a in sys.argv[1:] if a.split("=")[0] in source]
        print(f"\n=== {script.name} {' '.join(passed)} ===", flush=True)
        rc = subprocess.run([sys.executable, str(script), *passed], cwd=HERE, check=False).returncode
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
