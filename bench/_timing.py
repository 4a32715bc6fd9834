"""Whole-process timing with public tools only: interleaved rounds, medians, ratios."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence


def time_once(argv: Sequence[str], env: Mapping[str, str] | None = None, stdin: str | None = None) -> float:
    """Wall seconds for one run of argv (output discarded)."""
    start = time.perf_counter()
    subprocess.run(
        list(argv),
        env=dict(env) if env is not None else None,
        input=stdin.encode() if stdin is not None else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - start


def interleaved(
    commands: Mapping[str, tuple[Sequence[str], Mapping[str, str] | None]], rounds: int = 15, warmup: int = 2
) -> dict[str, list[float]]:
    """Run every command once per round, in turn, so machine drift hits all of them alike."""
    for _ in range(warmup):
        for argv, env in commands.values():
            time_once(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, (argv, env) in commands.items():
            samples[name].append(time_once(argv, env))
    return samples


def median_ms(values: Sequence[float]) -> float:
    return statistics.median(values) * 1000


def env_with(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def obsctl_script() -> str:
    """The installed console script beside this interpreter (.venv/bin/obsctl), as a user runs it."""
    import shutil
    import sys
    from pathlib import Path

    script = Path(sys.executable).with_name("obsctl")
    found = str(script) if script.exists() else shutil.which("obsctl")
    if not found:
        raise SystemExit("no obsctl console script: run `pip install -e .` in this environment first")
    return found


def precompile_package() -> str:
    """Write obsctl's .pyc files, as a wheel install does (an editable install with
    PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every module on every run)."""
    import compileall
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("obsctl")
    if spec is None or spec.origin is None:
        return "obsctl is not importable here"
    package = Path(spec.origin).parent
    compileall.compile_dir(str(package), quiet=1)
    return f"precompiled {package}"
