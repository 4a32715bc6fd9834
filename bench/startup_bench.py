"""Start-up: `obsctl --version`, `--help`, a group's help, TAB (a command, a context name) and one
full command, next to the floor (`python -c pass`, same interpreter) and `amtool --help` (Go), all
interleaved in one run after a warm-up, as whole processes of the installed console script.

Goals (issue 13): --version <= floor + 15 ms, --help <= floor + 60 ms, TAB <= floor + 30 ms.
Run: .venv/bin/python bench/startup_bench.py [--rounds N] [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from _timing import env_with, interleaved, median_ms, obsctl_script, precompile_package

FLOOR = "python -c pass"
AMTOOL = "amtool --help"
BUDGET_MS = {"obsctl --version": 15, "obsctl --help": 60, "obsctl alerts --help": 60, "TAB: obsctl al": 30,
             "TAB: --context <TAB>": 30}


def commands(obsctl: str, contexts: Path) -> dict[str, tuple[list[str], dict[str, str] | None]]:
    tab = {"_OBSCTL_COMPLETE": "complete_bash", "OBSCTL_CONFIG": str(contexts)}
    out: dict[str, tuple[list[str], dict[str, str] | None]] = {
        FLOOR: ([sys.executable, "-c", "pass"], None),
        "obsctl --version": ([obsctl, "--version"], None),
        "obsctl --help": ([obsctl, "--help"], None),
        "obsctl alerts --help": ([obsctl, "alerts", "--help"], None),
        "TAB: obsctl al": ([obsctl], env_with(**tab, COMP_WORDS="obsctl al", COMP_CWORD="1")),
        "TAB: --context <TAB>": ([obsctl], env_with(**tab, COMP_WORDS="obsctl --context ", COMP_CWORD="2")),
        "obsctl config current-context": ([obsctl, "config", "current-context"], env_with(OBSCTL_CONFIG=str(contexts))),
    }
    if shutil.which("amtool"):
        out[AMTOOL] = (["amtool", "--help"], None)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--quick", action="store_true", help="7 rounds")
    args = parser.parse_args()
    rounds = 7 if args.quick else args.rounds
    obsctl = obsctl_script()
    print(f"{obsctl} ({precompile_package()}); {rounds} interleaved rounds after 2 warm-up rounds")
    with tempfile.TemporaryDirectory() as tmp:
        contexts = Path(tmp) / "contexts.yaml"
        contexts.write_text("current-context: prod\ncontexts:\n  prod: {}\n  staging: {}\n")
        samples = interleaved(commands(obsctl, contexts), rounds=rounds)
    floor = median_ms(samples[FLOOR])
    amtool = median_ms(samples[AMTOOL]) if AMTOOL in samples else None
    print(f"{'command':<32} {'median ms':>9} {'- floor':>8} {'goal':>6} {'x floor':>8} {'x amtool':>9}  verdict")
    for name, values in samples.items():
        med = median_ms(values)
        goal = BUDGET_MS.get(name)
        verdict = "" if goal is None else ("ok" if med - floor <= goal else "OVER")
        vs_amtool = f"{med / amtool:>8.1f}x" if amtool else f"{'-':>9}"
        goal_text = f"+{goal}" if goal is not None else ""
        print(f"{name:<32} {med:>9.1f} {med - floor:>+8.1f} {goal_text:>6} {med / floor:>7.1f}x {vs_amtool}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
