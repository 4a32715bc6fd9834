"""`obsctl instrument`: scaffold traces, metrics, JSON logs and health checks into a Python service.

Imported on every obsctl start: typer only at the top; libcst, tomlkit and the rest load inside
the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from obsctl.instrument import DEFAULT_SAMPLE_RATIO

HELP = """Scaffold OpenTelemetry traces, Prometheus metrics, JSON logs with trace ids and health
endpoints into a FastAPI, Flask or Django service, as reviewable code.

\b
Examples:
  obsctl instrument init --dry-run      # show the plan and the diff, write nothing
  obsctl instrument init                # apply it (all or nothing)
  obsctl instrument check               # start the app and prove spans, metrics and logs come out
  obsctl instrument remove              # take out exactly what init added
"""

app = typer.Typer(name="instrument", help=HELP, no_args_is_help=True, rich_markup_mode=None)

PathArg = Annotated[
    Path, typer.Argument(help="Project root (default: current directory).", show_default=False)
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print the plan and unified diff; write nothing.")]


def _out(ctx: typer.Context) -> Any:
    from obsctl.core.context import AppContext

    return AppContext.of(ctx).out


@app.command(
    "init",
    help="""Write <pkg>/observability/ and edit the app and dependencies (prints the plan first).

Detects packaging (PEP 621, Poetry, uv, requirements*.txt), the framework and app object
(factories too), how it is served and which clients it uses. Edits are one import and one call
where the app is created; dependencies are added without touching existing pins; lock files are
left alone (the plan names the command that refreshes them). Refuses to edit files with
uncommitted changes and to overwrite generated files you edited, unless --force.

Exit status: 0 applied or already instrumented, 2 unknown layout or refused.

\b
Examples:
  obsctl instrument init --dry-run
  obsctl instrument init --dry-run --show-new | less
  obsctl instrument init --app myservice.main:create_app --sentry
  obsctl instrument init --sample-ratio 1        # keep every trace (development)
  obsctl instrument init services/api --no-ops""",
)
def init(
    ctx: typer.Context,
    path: PathArg = Path("."),
    dry_run: DryRunOpt = False,
    app_spec: Annotated[
        str | None,
        typer.Option("--app", help="The app as module:attr or module:factory when detection cannot tell.",
                     metavar="MODULE:ATTR"),
    ] = None,
    ops: Annotated[bool, typer.Option("--ops/--no-ops", help="Also write observability/deploy/ ops files.")] = True,
    sentry: Annotated[bool, typer.Option("--sentry", help="Add Sentry error tracking (from SENTRY_DSN).")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Edit files with uncommitted changes; overwrite edited generated files.")
    ] = False,
    show_new: Annotated[
        bool, typer.Option("--show-new", help="With --dry-run, also print new files as diffs from /dev/null.")
    ] = False,
    sample_ratio: Annotated[
        float,
        typer.Option("--sample-ratio", metavar="RATIO",
                     help="Share of new traces kept, 0 to 1 (default 0.05; a caller's sampled traceparent is always kept)."),
    ] = DEFAULT_SAMPLE_RATIO,
) -> None:
    from obsctl.core.errors import UsageError
    from obsctl.instrument.build import InitOptions, init_plan
    from obsctl.instrument.detect import detect
    from obsctl.instrument.plan import apply, refuse_dirty

    out = _out(ctx)
    if not 0 <= sample_ratio <= 1:
        raise UsageError(f"--sample-ratio {sample_ratio:g} is not between 0 and 1",
                         hint="pass a share such as 0.05 (5% of new traces) or 1 (every trace)")
    det = detect(path, app_spec)
    plan = init_plan(det, InitOptions(ops=ops, sentry=sentry, force=force, sample_ratio=sample_ratio))
    for line in plan.summary:
        out.info(line)
    if plan.noop:
        out.info("already instrumented: nothing to change")
        return
    _show(out, plan, dry_run, show_new)
    if dry_run:
        out.info("dry run: nothing written")
        return
    if not force:
        refuse_dirty(det.root, plan)
    apply(plan)
    out.info(f"instrumented: {len(plan.new_files())} new files, "
             f"{sum(1 for c in plan.changes if c.kind == 'edit')} files edited")
    out.info(f"next: install the added dependencies ({_install_hint(det)}), then `obsctl instrument check`")


def _install_hint(det: Any) -> str:
    kind = det.packaging.kind
    if kind == "poetry":
        return "poetry lock && poetry install"
    if det.packaging.lock_command == "uv lock":
        return "uv sync"
    if kind == "requirements":
        return f"pip install -r {det.packaging.manifest}"
    return "pip install -e ."


def _show(out: Any, plan: Any, dry_run: bool, show_new: bool) -> None:
    if plan.deps_added:
        out.info("dependencies to add: " + ", ".join(f"{n}{s}" for n, s in plan.deps_added))
    for note in plan.notes:
        out.info(note)
    new = plan.new_files()
    if new:
        out.info(f"new files ({len(new)}):")
        for p in new:
            out.info(f"  {p.as_posix()}")
    if dry_run:
        diff = plan.diff(include_new=show_new)
        if diff:
            out.write(diff.rstrip("\n"))


@app.command(
    "remove",
    help="""Take out what init added: delete generated files and undo the edits, byte for byte.

Refuses to delete generated files you edited, unless --force.

\b
Examples:
  obsctl instrument remove --dry-run
  obsctl instrument remove""",
)
def remove(
    ctx: typer.Context,
    path: PathArg = Path("."),
    dry_run: DryRunOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Delete generated files even if you edited them.")] = False,
) -> None:
    from obsctl.instrument.build import remove_plan
    from obsctl.instrument.plan import apply

    out = _out(ctx)
    plan = remove_plan(path, force=force)
    deleted = [c.path.as_posix() for c in plan.changes if c.kind == "delete"]
    out.info(f"files to delete ({len(deleted)}): " + ", ".join(deleted))
    if dry_run:
        edits_only = _edits_diff(plan)
        if edits_only:
            out.write(edits_only.rstrip("\n"))
        out.info("dry run: nothing written")
        return
    apply(plan)
    out.info(f"removed: {len(deleted)} files deleted, {sum(1 for c in plan.changes if c.kind == 'edit')} files restored")


def _edits_diff(plan: Any) -> str:
    from obsctl.instrument.plan import Plan

    only = Plan(root=plan.root, changes=[c for c in plan.changes if c.kind == "edit"])
    return only.diff()


@app.command(
    "check",
    help="""Start the instrumented app and prove that traces, metrics and correlated logs come out.

Runs the app (--cmd, where `{port}` is replaced by a free port, also given as $PORT; else the
detected gunicorn/uvicorn command with at most 2 workers; else the framework's dev server) with
OTEL_EXPORTER_OTLP_ENDPOINT pointing at an in-process OTLP receiver (the one of `obsctl traces
listen`; the `otlp` extra decodes the SDK's protobuf), requests the routes, then checks: the app answered, /health/ready answered, the
request counter in /metrics moved, spans arrived with the service's service.name, and a JSON log
line carries the trace id of one of them. The app is always stopped, also on Ctrl-C.

Exit status: 0 all checks passed, 1 a check failed, 2 not instrumented or bad usage.

\b
Examples:
  obsctl instrument check
  obsctl instrument check --route /items/1 --route /
  obsctl instrument check --cmd "gunicorn -k uvicorn.workers.UvicornWorker -b 127.0.0.1:{port} shop.main:app\"""",
)
def check(
    ctx: typer.Context,
    path: PathArg = Path("."),
    cmd: Annotated[
        str | None, typer.Option("--cmd", help="Command that serves the app; {port} is replaced.", metavar="CMD")
    ] = None,
    route: Annotated[
        list[str] | None, typer.Option("--route", help="Path to request (repeatable; default /).", metavar="PATH")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the app to answer.")] = 30.0,
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", help="table, wide, json, jsonl, yaml, csv, tsv.", metavar="FORMAT"),
    ] = None,
) -> None:
    import time as _time

    from obsctl.core.errors import UsageError
    from obsctl.core.output import check_format
    from obsctl.instrument.check import FORMATS, CheckOptions, render, run, start_receiver
    from obsctl.instrument.detect import detect

    fmt = check_format(output, FORMATS)
    out = _out(ctx)
    det = detect(path)
    config = det.root / det.obs_dir / "config.py"
    if not config.is_file():
        raise UsageError(f"{det.root} is not instrumented ({det.obs_dir}/ missing)",
                         hint="run `obsctl instrument init` first")
    service = _service_name(config.read_text(encoding="utf-8"), det.name)
    routes = tuple(r if r.startswith("/") else "/" + r for r in (route or ["/"]))
    started = _time.monotonic()
    receiver = start_receiver()
    try:
        results = run(det, service, CheckOptions(cmd=cmd, routes=routes, timeout=timeout), receiver)
    finally:
        receiver.stop()
    render(results, fmt, out, (_time.monotonic() - started) * 1000)


def _service_name(config_py: str, default: str) -> str:
    """service.name the app will report: OTEL_SERVICE_NAME, else the generated config's SERVICE_NAME."""
    import os
    import re

    if os.environ.get("OTEL_SERVICE_NAME"):
        return os.environ["OTEL_SERVICE_NAME"]
    m = re.search(r'^SERVICE_NAME = "([^"]*)"', config_py, re.MULTILINE)
    return m.group(1) if m else default
