"""Connection errors name the setting the URL came from: the flag the user typed, the env var, or
the context key (a closed loopback port, so each case fails at once with exit 5)."""

from __future__ import annotations

import pytest

from obsctl.core.errors import ExitCode

CLOSED = "http://127.0.0.1:1"

FLAG_CASES = {
    "metrics": (["metrics", "query", "up", "--url", CLOSED], "prometheus", "--url"),
    "alerts": (["alerts", "list", "--url", CLOSED], "alertmanager", "--url"),
    "traces": (["traces", "services", "--url", CLOSED], "jaeger", "--url"),
    "alerts-coverage": (
        ["alerts", "coverage", "--from-prometheus", "--prometheus-url", CLOSED, "--am-config", "AM"],
        "prometheus",
        "--prometheus-url",
    ),
}


@pytest.mark.parametrize("case", sorted(FLAG_CASES))
def test_unreachable_hint_names_the_flag_typed(run_cli, tmp_path, case):
    args, backend, flag = FLAG_CASES[case]
    am = tmp_path / "alertmanager.yml"
    am.write_text("route:\n  receiver: x\nreceivers:\n- name: x\n")
    result = run_cli([str(am) if a == "AM" else a for a in args])
    assert result.exit_code == ExitCode.UNREACHABLE, result.stderr
    assert result.stdout == ""
    message, hint = result.stderr.splitlines()
    assert message == f"obsctl: error: cannot reach {backend} at {CLOSED}: connection refused"
    assert hint == f"hint: is {backend} running? the URL comes from {flag}"


@pytest.mark.parametrize(
    ("args", "backend"),
    [
        (["metrics", "query", "up"], "prometheus"),
        (["alerts", "list"], "alertmanager"),
        (["traces", "services"], "jaeger"),
        (["logs", "search", "error"], "elasticsearch"),
    ],
)
def test_unreachable_hint_names_the_env_var(run_cli, args, backend):
    env_name = f"OBSCTL_{backend.upper()}_URL"
    result = run_cli(args, env={env_name: CLOSED})
    assert result.exit_code == ExitCode.UNREACHABLE, result.stderr
    assert result.stderr.splitlines()[-1] == f"hint: is {backend} running? the URL comes from {env_name}"
