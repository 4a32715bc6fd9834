"""The root CLI: help, version, wiring of the groups, exit codes at the boundary."""

from __future__ import annotations

import subprocess
import sys

import pytest

from obsctl import __version__


def test_version(run_cli):
    result = run_cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"obsctl {__version__}\n"


def test_help_lists_every_group_in_order(run_cli):
    result = run_cli(["--help"])
    assert result.exit_code == 0
    lines = result.stdout.split("Commands:")[1].splitlines()
    groups = [line.split()[0] for line in lines if line.startswith("  ") and line.split()]
    assert groups == ["health", "metrics", "logs", "traces", "alerts", "instrument", "config"]


def test_unknown_flag_exits_2(run_cli):
    result = run_cli(["--no-such-flag"])
    assert result.exit_code == 2
    assert "No such option" in result.stderr


def test_not_built_group_says_so_and_exits_2(run_cli, monkeypatch):
    from obsctl import cli

    monkeypatch.setitem(cli.GROUPS, "later", ("obsctl.later_not_there.commands", "Something for later"))
    result = run_cli(["later", "tail", "--trace-id", "abc"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == "obsctl: error: `obsctl later` is not built yet"


def test_python_dash_m_runs_the_same_cli():
    proc = subprocess.run(
        [sys.executable, "-m", "obsctl", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"obsctl {__version__}"


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; sys.argv=['obsctl','--help']\n"
        "from obsctl.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('elasticsearch','opentelemetry','prometheus_api_client','requests','libcst','pandas',"
        "'rich','yaml','psutil','tabulate','re2') if m in sys.modules]\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "HEAVY=" in proc.stderr
    assert proc.stderr.split("HEAVY=")[1].strip() == ""


def test_version_does_not_import_heavy_libraries():
    code = (
        "import sys; sys.argv=['obsctl','--version']\n"
        "from obsctl._entry import main\nmain()\n"
        "heavy=[m for m in ('elasticsearch','opentelemetry','prometheus_api_client','requests','libcst','pandas',"
        "'httpx','typer','obsctl.cli','yaml') if m in sys.modules]\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.stderr.split("HEAVY=")[1].strip() == ""


def test_global_options_may_follow_the_subcommand(run_cli, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("current-context: a\ncontexts:\n  a: {}\n  b: {}\n")
    result = run_cli(
        ["config", "current-context", "--context", "b", "--no-color", "--debug"],
        env={"OBSCTL_CONFIG": str(cfg)},
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "b\n"


def test_hoisting_leaves_values_and_double_dash_alone():
    from obsctl.cli import hoist_global_options

    assert hoist_global_options(["--context", "x", "alerts", "test", "--am-config", "am.yml", "--debug"]) == [
        "--context",
        "x",
        "--debug",
        "alerts",
        "test",
        "--am-config",
        "am.yml",
    ]
    # --config is the global contexts file wherever it is written (alerts files take --am-config)
    assert hoist_global_options(["alerts", "test", "--config", "ctx.yaml", "a=b"]) == [
        "--config",
        "ctx.yaml",
        "alerts",
        "test",
        "a=b",
    ]
    assert hoist_global_options(["metrics", "query", "--", "--debug"]) == [
        "metrics",
        "query",
        "--",
        "--debug",
    ]
    assert hoist_global_options(["metrics", "query", "up", "--context=prod"]) == [
        "--context=prod",
        "metrics",
        "query",
        "up",
    ]


def test_broken_pipe_exits_quietly(tmp_path):
    cfg = tmp_path / "many.yaml"
    cfg.write_text(
        "contexts:\n"
        + "".join(f"  ctx{i}: {{prometheus: {{url: 'http://h{i}:9090'}}}}\n" for i in range(5000))
    )
    env = {
        **__import__("os").environ,
        "OBSCTL_CONFIG": str(cfg),
        "PYTHONPATH": str(__import__("pathlib").Path(__file__).resolve().parents[2] / "src"),
    }
    script = f'set -o pipefail; "{sys.executable}" -m obsctl config get-contexts | head -n 1; echo "rc=${{PIPESTATUS[0]}}"'
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, check=False)
    assert proc.stdout.splitlines()[0].split("\t")[1] == "ctx0"
    assert proc.stdout.splitlines()[-1] == "rc=0"
    assert proc.stderr == ""


def test_only_the_invoked_group_is_imported(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("current-context: a\ncontexts:\n  a: {}\n")
    code = (
        "import sys; sys.argv=['obsctl','config','current-context']\n"
        "from obsctl.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "loaded=[m for m in ('obsctl.alerts.commands','obsctl.metrics.commands','obsctl.health.commands')"
        " if m in sys.modules]\n"
        "sys.stderr.write('LOADED=' + ','.join(loaded))\n"
    )
    env = {**__import__("os").environ, "OBSCTL_CONFIG": str(cfg)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    assert proc.stdout == "a\n", proc.stderr
    assert proc.stderr.split("LOADED=")[1].strip() == ""


def test_group_registry_builds_placeholders_for_missing_modules(monkeypatch):
    from obsctl import cli

    monkeypatch.setitem(cli.GROUPS, "zzz", ("obsctl.zzz_not_there.commands", "Something later"))
    command = cli.build_group("zzz")
    assert command.name == "zzz"
    assert "not built yet" in (command.help or "")
    with pytest.raises(ModuleNotFoundError):
        monkeypatch.setitem(cli.GROUPS, "zzz", ("obsctl.zzz_not_there.commands", ""))
        cli.build_group("zzz")


def test_registry_order_is_help_order():
    from obsctl.cli import GROUPS

    assert list(GROUPS) == ["health", "metrics", "logs", "traces", "alerts", "instrument", "config"]


def test_click_shim_matches_typer():
    import typer

    from obsctl._clickshim import ClickException, custom_completer
    from obsctl.config.complete import complete_context

    assert issubclass(typer.BadParameter, ClickException)
    from typer.main import get_command

    from obsctl.cli import app

    root = get_command(app)
    by_name = {p.name: p for p in root.params}
    assert custom_completer(by_name["context"]) is complete_context
    assert custom_completer(by_name["debug"]) is None
    from obsctl._clickshim import is_file_type, sanitize_help_text

    assert sanitize_help_text("plain [bold]text[/bold]") == "plain text"
    assert not is_file_type(by_name["config"].type)


def _run_entry(module: str, args: list[str]) -> tuple[int, str, str, bool]:
    code = (
        "import sys\n"
        f"sys.argv = ['obsctl', *{args!r}]\n"
        f"from {module} import main\n"
        "rc = 0\n"
        "try:\n    main()\nexcept SystemExit as e:\n    rc = e.code or 0\n"
        "sys.stdout.flush(); sys.stderr.write('\\nTYPER=%s RC=%s' % ('typer' in sys.modules, rc))\n"
    )
    env = {**__import__("os").environ, "COLUMNS": "100"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    err, _, tail = proc.stderr.rpartition("\nTYPER=")
    typer_loaded, rc = tail.split(" RC=")
    return int(rc), proc.stdout, err, typer_loaded == "True"


@pytest.mark.parametrize("args", [["--help"], ["alerts", "test", "--help"], ["config", "-h"], [], ["alerts"]])
def test_help_from_the_table_is_the_live_help_without_typer(args):
    fast = _run_entry("obsctl._entry", args)
    live = _run_entry("obsctl.cli", args)
    assert fast[:3] == live[:3]
    assert (fast[3], live[3]) == (False, True)
