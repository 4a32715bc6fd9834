from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.instrument import samples


@pytest.fixture
def sample(tmp_path: Path):
    """sample("fastapi-pep621") -> root of a freshly committed sample project."""

    def make(name: str) -> Path:
        root = tmp_path / name
        root.mkdir()
        return samples.build(root, name)

    return make


def run_python(root: Path, *args: str, timeout: float = 60,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the venv's python in the sample (its code importable, no span export, no network)."""
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PYTEST_"))}
    env.update({"PYTHONPATH": str(root), "OTEL_TRACES_EXPORTER": "none", "PYTHONDONTWRITEBYTECODE": "1", **extra})
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture
def instrumented_shop(run_cli, tmp_path: Path) -> Path:
    """The FastAPI sample after `instrument init --no-ops`, ready to be served."""
    (tmp_path / "shop").mkdir()
    root = samples.build(tmp_path / "shop", "fastapi-pep621")
    result = run_cli(["instrument", "init", str(root), "--no-ops"])
    assert result.exit_code == 0, result.output
    return root


def serve_env(root: Path, **extra: str) -> dict[str, str]:
    """Environment for serving the sample: its code importable, no span export, no inherited OTEL_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({"PYTHONPATH": str(root), "OTEL_TRACES_EXPORTER": "none", **extra})
    return env
