"""Test isolation and the CLI runner shared by every test folder.

Under CI=true nothing may be left out silently: a skipped test fails (the real servers, the dev and
export extras are installed there, and a missing binary must not pass as a skip, e.g. the shared
Prometheus fixture when `prometheus` or `promtool` is absent), and so does a run that deselected
tests (`-m`, `-k`) or collected none.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from obsctl.cli import app
from obsctl.core.context import Seams

FIXTURES = Path(__file__).parent / "fixtures"


def _under_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and _under_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        kind = "integration test" if item.get_closest_marker("integration") else "test"
        report.outcome = "failed"
        report.longrepr = f"{kind} skipped under CI=true (must run in CI): {reason}"


_deselected: list[int] = []


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    _deselected.append(len(items))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI=true the run must be the whole suite: deselecting tests or collecting none fails."""
    if not _under_ci() or exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        return
    problem = ""
    if sum(_deselected):
        problem = f"{sum(_deselected)} tests were deselected (-m/-k)"
    elif session.testscollected == 0:
        problem = "no tests were collected"
    if problem:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"CI=true: {problem}; CI runs the whole suite", red=True)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's real contexts file or OBSCTL_* variables."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for key in list(os.environ):
        if key.startswith("OBSCTL_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


RunCli = Callable[..., CliResult]


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run obsctl in-process: run_cli(["alerts", "test", ...], env={...}, tty=False, transport=None)."""

    def run(
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        tty: bool = False,
        transport: Any = None,
        now: Callable[[], datetime] | None = None,
        input: str | None = None,
    ) -> CliResult:
        base = {
            "HOME": str(tmp_path),
            "XDG_CONFIG_HOME": str(tmp_path / ".config"),
            "NO_COLOR": "1",
            "PATH": os.environ.get("PATH", ""),
        }
        base.update(env or {})
        seams = Seams(env=base, stdout_isatty=tty, transport=transport, sleep=lambda _s: None)
        if now is not None:
            seams.now = now
        runner = CliRunner()
        result = runner.invoke(app, list(args), obj=seams, input=input, env=dict(base), catch_exceptions=True)
        exc = result.exception if not isinstance(result.exception, SystemExit) else None
        return CliResult(result.exit_code, result.stdout, result.stderr, exc)

    return run
