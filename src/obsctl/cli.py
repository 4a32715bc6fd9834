"""Root of the CLI: global options, the command groups, and the ONE error boundary.

Groups are built on demand: `obsctl alerts test ...` imports and builds `alerts` only, and
`obsctl --help` / TAB are usually answered from the generated table before this module is imported
(see obsctl._fast). Each command imports what it needs inside its body.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup

from obsctl import __version__
from obsctl._argv import hoist_global_options
from obsctl._fastverb import INTERNAL_ERROR, internal_error
from obsctl._fastverb import flush_quietly as _flush_quietly
from obsctl._fastverb import silence_stdout as _silence_stdout
from obsctl.config.complete import complete_context
from obsctl.core.errors import ExitCode, NotBuiltError, ObsctlError
from obsctl.core.lazycli import LazyCommands, build_command

__all__ = ["GROUPS", "app", "hoist_global_options", "main"]

# The command groups, in `obsctl --help` order: adding one is one line. Each module exposes a typer
# `app`. A non-empty second field is the placeholder help used while that module does not exist yet.
GROUPS: dict[str, tuple[str, str]] = {
    "health": ("obsctl.health.commands", ""),
    "metrics": ("obsctl.metrics.commands", ""),
    "logs": ("obsctl.logs.commands", "Search and tail Elasticsearch/OpenSearch logs"),
    "traces": ("obsctl.traces.commands", ""),
    "alerts": ("obsctl.alerts.commands", ""),
    "instrument": ("obsctl.instrument.commands", ""),
    "config": ("obsctl.config.commands", ""),
}


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the parent package is missing too
        return False


def build_group(name: str) -> Any:
    """Import `obsctl.<name>.commands` and build its click group, exactly as `add_typer` would."""
    module, placeholder = GROUPS[name]
    if not placeholder or _module_exists(module):
        return build_command(name, importlib.import_module(module).app)
    holder = typer.Typer(rich_markup_mode=None, add_completion=False)
    _not_built(holder, name, placeholder)
    return typer.main.get_group(holder).commands[name]


class ObsctlGroup(TyperGroup):
    """Turns ObsctlError into `obsctl: error: ...` + hint on stderr and its exit code."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        eager = dict(self.commands)
        self.commands = LazyCommands(list(GROUPS), build_group)
        for name, command in eager.items():
            self.commands[name] = command

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ObsctlError as exc:
            _report(ctx, exc.message, exc.hint)
            if _debug(ctx):
                import traceback

                traceback.print_exc(file=sys.stderr)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            _flush_quietly()
            sys.stderr.write("obsctl: interrupted\n")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary: no traceback unless --debug
            if isinstance(exc, _click_exceptions()):
                raise
            if _debug(ctx):
                raise
            _report(ctx, *internal_error(exc))
            raise typer.Exit(INTERNAL_ERROR) from None


def _click_exceptions() -> tuple[type[BaseException], ...]:
    from obsctl._clickshim import ClickException

    return (ClickException, typer.Exit, typer.Abort)


def _debug(ctx: Any) -> bool:
    obj = ctx.find_root().obj if ctx is not None else None
    return bool(getattr(obj, "debug", False)) or "--debug" in sys.argv


def _report(ctx: Any, message: str, hint: str | None) -> None:
    obj = ctx.find_root().obj if ctx is not None else None
    out = getattr(obj, "out", None)
    if out is not None:
        out.error(message, hint)
        return
    sys.stderr.write(f"obsctl: error: {message}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")


app = typer.Typer(
    name="obsctl",
    cls=ObsctlGroup,
    help=(
        "Look at a running system from one terminal: metrics, logs, traces, alerts and health.\n\n"
        "\b\nExamples:\n"
        "  obsctl health\n"
        "  obsctl metrics query 'up' --since 1h\n"
        "  obsctl logs tail --trace-id 4bf92f3577b34da6a3ce929d0e0e4736 -f\n"
        "  obsctl traces get 4bf92f3577b34da6a3ce929d0e0e4736 --logs\n"
        "  obsctl alerts test severity=critical --am-config alertmanager.yml\n"
        "  obsctl instrument init --dry-run\n"
        "  obsctl config set-context prod --prometheus-url https://prom.example:9090"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(ctx: typer.Context, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        sys.stdout.write(f"obsctl {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    ctx: typer.Context,
    context: Annotated[
        str | None,
        typer.Option(
            "--context",
            "-c",
            help="Context to use (default: current-context; env OBSCTL_CONTEXT).",
            autocompletion=complete_context,
        ),
    ] = None,
    config: Annotated[
        str | None,
        typer.Option("--config", help="Contexts file(s), ':'-separated (env OBSCTL_CONFIG).", metavar="PATH"),
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="Disable colour (also NO_COLOR=1).")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log HTTP requests to stderr (secrets redacted); show tracebacks.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version_callback, is_eager=True
        ),
    ] = False,
) -> None:
    """Global options apply to every command."""
    from obsctl.core.context import AppContext, Seams

    seams = ctx.obj if isinstance(ctx.obj, Seams) else Seams()
    actx = AppContext(seams, context=context, config=config, no_color=no_color, debug=debug)
    ctx.obj = actx
    ctx.call_on_close(actx.close)


def _complete_from_live_tree(instruction: str) -> None:
    """TAB with a stale generated table: the same rules over a tree built from the live CLI."""
    from obsctl._fast import answer_completion, load_table

    if load_table() is not None:
        return  # the table was fresh: typer answers for parameters with their own completer
    from obsctl._surface_build import live_table

    code = answer_completion(*live_table(), instruction, os.environ)
    if code is not None:
        sys.exit(code)


def _not_built(holder: typer.Typer, name: str, what: str) -> None:
    @holder.command(
        name,
        help=f"{what} (not built yet: exits 2).\n\n\b\nExample:\n  obsctl {name}   # says it is not built yet, exit 2",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=True,
    )
    def _cmd(ctx: typer.Context) -> None:
        raise NotBuiltError(
            f"`obsctl {name}` is not built yet",
            hint="see the README for what works today: health, metrics, alerts, config",
        )


def main() -> None:
    """Run the typer CLI (the console script reaches here through obsctl._entry)."""
    instruction = os.environ.get("_OBSCTL_COMPLETE", "")
    if instruction.startswith("complete_"):
        _complete_from_live_tree(instruction)
    try:
        app(prog_name="obsctl")
    except KeyboardInterrupt:
        sys.stderr.write("obsctl: interrupted\n")
        sys.exit(int(ExitCode.INTERRUPTED))
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(0)
