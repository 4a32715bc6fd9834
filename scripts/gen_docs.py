"""Write (or --check) the generated `--help` reference at the end of each docs/<group>.md.

Prose above the marker is the authors'; everything below it is generated from the CLI, so the
docs cannot drift from `--help`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

MARKER = "<!-- BEGIN GENERATED: obsctl --help (scripts/gen_docs.py); do not edit below -->"
GROUPS = {
    "health": "Health probes",
    "metrics": "Metrics (Prometheus and compatibles)",
    "logs": "Logs",
    "traces": "Traces",
    "alerts": "Alerts (Alertmanager)",
    "instrument": "Instrument",
    "config": "Config and contexts",
}


def help_text(args: list[str]) -> str:
    from typer.testing import CliRunner

    from obsctl.cli import app

    result = CliRunner().invoke(
        app, [*args, "--help"], env={"COLUMNS": "100", "NO_COLOR": "1"}, prog_name="obsctl"
    )
    if result.exit_code != 0:
        raise SystemExit(f"obsctl {' '.join(args)} --help failed: {result.output}")
    return result.stdout.rstrip() + "\n"


def subcommands(args: list[str]) -> list[list[str]]:
    """All command paths below args, depth first, in the order --help lists them."""
    from typer.main import get_command

    from obsctl.cli import app

    cmd = get_command(app)
    ctx_cmd = cmd
    for a in args:
        ctx_cmd = ctx_cmd.commands[a]  # type: ignore[attr-defined]
    out: list[list[str]] = []
    commands = getattr(ctx_cmd, "commands", None)
    if not commands:
        return out
    for name in commands:
        if getattr(commands[name], "hidden", False):
            continue
        out.append([*args, name])
        out.extend(subcommands([*args, name]))
    return out


def generated(group: str) -> str:
    parts = [MARKER, "", "## Reference", ""]
    for path in [[group], *subcommands([group])]:
        parts += [f"### `obsctl {' '.join(path)}`", "", "```text", help_text(path).rstrip(), "```", ""]
    return "\n".join(parts)


def render(group: str, current: str | None) -> str:
    if current and MARKER in current:
        prose = current.split(MARKER)[0].rstrip() + "\n\n"
    elif current:
        prose = current.rstrip() + "\n\n"
    else:
        prose = f"# obsctl {group} — {GROUPS[group]}\n\n"
    return prose + generated(group)


def main(argv: list[str]) -> int:
    os.environ["COLUMNS"] = "100"
    check = "--check" in argv
    stale = []
    for group in GROUPS:
        path = ROOT / "docs" / f"{group}.md"
        current = path.read_text() if path.exists() else None
        text = render(group, current)
        if check:
            if current != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.write_text(text)
    if stale:
        print(
            f"docs out of date with --help: {', '.join(stale)}; run: python scripts/gen_docs.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
