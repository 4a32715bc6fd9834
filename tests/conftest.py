"""Test isolation and the CLI runner shared by every test folder.

Under CI=true a skipped integration test fails the run: the real servers must run there.
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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if (
        report.skipped
        and os.environ.get("CI", "").lower() == "true"
        and item.get_closest_marker("integration")
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"integration test skipped under CI=true (must run in CI): {reason}"


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
