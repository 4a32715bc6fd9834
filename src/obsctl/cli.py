"""Root of the CLI: global options, the command groups, and the ONE error boundary.

Only typer and light modules are imported at start-up; each command imports what it needs inside
its body, so `obsctl --help` and every TAB press stay fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from obsctl import __version__
from obsctl.core.errors import ExitCode, NotBuiltError, ObsctlError

INTERNAL_ERROR = 70


class ObsctlGroup(TyperGroup):
    """Turns ObsctlError into `obsctl: error: ...` + hint on stderr and its exit code."""

    ORDER = ("health", "metrics", "logs", "traces", "alerts", "instrument", "config")

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(super().list_commands(ctx))
        rank = {n: i for i, n in enumerate(self.ORDER)}
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))

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
            _report(
                ctx,
                f"internal error: {type(exc).__name__}: {exc}",
                "rerun with --debug for the traceback, and please report it",
            )
            raise typer.Exit(INTERNAL_ERROR) from None


_ROOT_VALUE_OPTIONS = ("--context", "-c", "--config")
_HOISTED_FLAGS = ("--no-color", "--debug")


def hoist_global_options(args: list[str]) -> list[str]:
    """Let `--context X`, `--config PATH`, `--no-color` and `--debug` follow the sub-command, as in kubectl.

    `obsctl metrics query up --context prod` becomes `obsctl --context prod metrics query up`.
    Only long forms move (a sub-command may own `-c`), and nothing after `--`.
    """
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        i += 2 if args[i] in _ROOT_VALUE_OPTIONS else 1
    head, tail = list(args[:i]), list(args[i:])
    moved: list[str] = []
    rest: list[str] = []
    j = 0
    while j < len(tail):
        tok = tail[j]
        if tok == "--":
            rest.extend(tail[j:])
            break
        if tok in _HOISTED_FLAGS or tok.startswith(("--context=", "--config=")):
            moved.append(tok)
        elif tok in ("--context", "--config") and j + 1 < len(tail):
            moved.extend(tail[j : j + 2])
            j += 1
        else:
            rest.append(tok)
        j += 1
    return head + moved + rest


def _click_exceptions() -> tuple[type[BaseException], ...]:
    from typer._click.exceptions import ClickException

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


def _flush_quietly() -> None:
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001
        pass


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


app = typer.Typer(
    name="obsctl",
    cls=ObsctlGroup,
    help=(
        "Look at a running system from one terminal: metrics, logs, traces, alerts and health.\n\n"
        "\b\nExamples:\n"
        "  obsctl health\n"
        "  obsctl metrics query 'up' --since 1h\n"
        "  obsctl alerts test severity=critical --am-config alertmanager.yml\n"
        "  obsctl config set-context prod --prometheus-url https://prom.example:9090"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"obsctl {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    ctx: typer.Context,
    context: Annotated[
        str | None,
        typer.Option(
            "--context", "-c", help="Context to use (default: current-context; env OBSCTL_CONTEXT)."
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


def _not_built(name: str, what: str) -> None:
    @app.command(
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


def _wire() -> None:
    from obsctl.alerts.commands import app as alerts_app
    from obsctl.config.commands import app as config_app
    from obsctl.health.commands import app as health_app
    from obsctl.metrics.commands import app as metrics_app

    app.add_typer(metrics_app, name="metrics")
    _not_built("logs", "Search and tail Elasticsearch/OpenSearch logs")
    _not_built("traces", "Fetch Jaeger traces and render waterfalls")
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(health_app, name="health")
    from obsctl.instrument.commands import app as instrument_app

    app.add_typer(instrument_app, name="instrument")
    app.add_typer(config_app, name="config")


_wire()


def main() -> None:
    """Console-script entry point."""
    argv = sys.argv[1:]
    if argv == ["--version"]:
        # Fast path: no option parsing needed to print the version.
        sys.stdout.write(f"obsctl {__version__}\n")
        return
    try:
        app(prog_name="obsctl")
    except KeyboardInterrupt:
        sys.stderr.write("obsctl: interrupted\n")
        sys.exit(int(ExitCode.INTERRUPTED))
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(0)
