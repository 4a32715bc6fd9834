"""Start-up cost: `obsctl --version`, `--help` and one TAB completion, next to `python -c pass`
and `amtool --help` (Go), in one interleaved run.

Budgets (issue #2): --version within 130 ms of `python -c pass`, --help within 250 ms, TAB within 150 ms.
Run: python bench/startup_bench.py [--rounds N]
"""

from __future__ import annotations

import argparse
import shutil
import sys

from _timing import env_with, interleaved, median_ms

BUDGET_MS = {"obsctl --version": 130, "obsctl --help": 250, "TAB (bash)": 150}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    py = sys.executable
    obsctl = shutil.which("obsctl") or ""
    cmd = [obsctl] if obsctl else [py, "-m", "obsctl"]
    commands = {
        "python -c pass": ([py, "-c", "pass"], None),
        "obsctl --version": ([*cmd, "--version"], None),
        "obsctl --help": ([*cmd, "--help"], None),
        "TAB (bash)": (
            cmd,
            env_with(_OBSCTL_COMPLETE="complete_bash", COMP_WORDS="obsctl metrics ", COMP_CWORD="2"),
        ),
        "obsctl config path": ([*cmd, "config", "path"], None),
    }
    if shutil.which("amtool"):
        commands["amtool --help"] = (["amtool", "--help"], None)
    samples = interleaved(commands, rounds=args.rounds)
    base = median_ms(samples["python -c pass"])
    print(f"{'command':<22} {'median ms':>10} {'- python':>10} {'budget':>8}  verdict")
    for name, values in samples.items():
        med = median_ms(values)
        over = med - base
        budget = BUDGET_MS.get(name)
        verdict = "" if budget is None else ("ok" if over <= budget else "OVER")
        print(f"{name:<22} {med:>10.1f} {over:>10.1f} {budget or '':>8}  {verdict}")
    if "amtool --help" in samples:
        ratio = median_ms(samples["obsctl --help"]) / median_ms(samples["amtool --help"])
        print(f"ratio obsctl --help / amtool --help: {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
