"""A secret in a backend URL (`OBSCTL_<BACKEND>_URL` with a token in the query or a password in
userinfo) never reaches stdout or stderr, `--debug` request log and traceback included; the error
is one line plus a hint and the exit code is the documented one."""

from __future__ import annotations

import json

import pytest

from obsctl.core.errors import ExitCode

SECRET = "s3cr3t-in-url-4711"
URLS = [
    f"http://127.0.0.1:1/?token={SECRET}",
    f"http://127.0.0.1:1/prefix?X-Amz-Signature={SECRET}&X-Amz-Date=1",
    f"http://127.0.0.1:1/?sig={SECRET}&sv=2024",
    f"http://bob:{SECRET}@127.0.0.1:1/?key={SECRET}",
]
COMMANDS = [
    (["metrics", "query", "up"], "prometheus"),
    (["alerts", "list"], "alertmanager"),
    (["traces", "services"], "jaeger"),
    (["logs", "search", "error"], "elasticsearch"),
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(("args", "backend"), COMMANDS)
def test_no_secret_from_an_unreachable_backend(run_cli, args, backend, url):
    result = run_cli(["--debug", *args], env={f"OBSCTL_{backend.upper()}_URL": url, "OBSCTL_CONFIG": "/nonexistent"})
    assert result.exit_code == ExitCode.UNREACHABLE, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("obsctl: error:")]
    assert len(errors) == 1 and errors[0].endswith(": connection refused"), errors
    assert "REDACTED" in errors[0]


@pytest.mark.parametrize("url", URLS)
def test_no_secret_from_health(run_cli, url):
    env = {f"OBSCTL_{b.upper()}_URL": url for _args, b in COMMANDS}
    result = run_cli(["--debug", "health", "-o", "json"], env={**env, "OBSCTL_CONFIG": "/nonexistent"})
    assert result.exit_code == ExitCode.CHECK_FAILED, result.stderr  # a failed check, docs/health.md
    assert SECRET not in result.stdout + result.stderr
    failed = {r["name"]: r for r in json.loads(result.stdout)["results"] if r["kind"] == "backend"}
    assert sorted(failed) == sorted(b for _args, b in COMMANDS)
    for r in failed.values():
        assert r["status"] == "fail" and "REDACTED" in r["target"] and "connection refused" in r["error"]
