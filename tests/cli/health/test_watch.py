"""--watch: rounds on a pipe, a redrawn table on a TTY, Ctrl-C exits 130."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from obsctl.core.context import AppContext, Seams
from obsctl.health import service
from obsctl.health.config import parse_document
from obsctl.health.probes import ProbeEnv

SRC = str(Path(__file__).parents[3] / "src")


def _probes() -> list:
    return list(parse_document({"probes": [{"name": "t", "command": "true"}]}, "test").probes)


def _actx(tty: bool) -> tuple[AppContext, io.StringIO]:
    stdout = io.StringIO()
    actx = AppContext(Seams(env={"NO_COLOR": "1"}, stdout=stdout, stderr=io.StringIO(), stdout_isatty=tty))
    return actx, stdout


def test_watch_piped_prints_each_round():
    actx, stdout = _actx(tty=False)
    sleeps: list[float] = []
    opts = service.HealthOptions(watch=10.0)
    service.watch(actx, _probes(), ProbeEnv(), opts, rounds=2, sleep=sleeps.append)
    rounds = [r for r in stdout.getvalue().split("\n\n") if r.strip()]
    assert len(rounds) == 2
    assert all(r.split("\t")[:3] == ["pass", "t", "run true"] for r in rounds)
    assert len(sleeps) == 1 and 9 < sleeps[0] <= 10


def test_watch_on_a_tty_redraws_a_table():
    actx, stdout = _actx(tty=True)
    service.watch(
        actx, _probes(), ProbeEnv(), service.HealthOptions(watch=5.0), rounds=2, sleep=lambda s: None
    )
    frames = stdout.getvalue().split("\x1b[H\x1b[2J")
    assert frames[0] == "" and len(frames) == 3
    header = frames[1].splitlines()[0]
    assert header.startswith("Every 5s: obsctl health")
    assert header.endswith("1 passed, 0 failed (1 check in " + header.split(" in ")[-1])
    assert frames[1].splitlines()[2].split() == ["STATUS", "NAME", "CHECK", "DETAIL", "TIME"]


def test_ctrl_c_exits_130(tmp_path):
    probes = tmp_path / "p.yaml"
    probes.write_text(yaml.safe_dump({"probes": [{"name": "t", "command": "true"}]}))
    env = {**os.environ, "PYTHONPATH": SRC, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "obsctl", "health", "-f", str(probes), "--watch", "1s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the first round is out: we are inside the loop
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=20)
    assert first.split("\t")[:2] == ["pass", "t"]
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "obsctl: interrupted"
    assert "Traceback" not in err
