"""Run every benchmark in bench/ (one command): python bench/run.py [--quick]

Each script prints its own side-by-side table and ratios; nothing here asserts timings.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = [
        HERE / "startup_bench.py",
        *sorted(p for p in HERE.glob("*_bench.py") if p.name != "startup_bench.py"),
    ]
    failed = 0
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        rc = subprocess.run([sys.executable, str(script), *sys.argv[1:]], cwd=HERE, check=False).returncode
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
