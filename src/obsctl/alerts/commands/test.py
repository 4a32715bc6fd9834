"""`obsctl alerts test`: which receivers an alert notifies, for one label set or a file of cases.

Only typer and typing at module level: a single `alerts test` should import the route engine, the
YAML loader and the renderer, nothing more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from obsctl.alerts.commands._common import (
    FORMATS,
    AmConfigOpt,
    EngineUrlOpt,
    OutputFmt,
    actx_of,
    check_fmt,
    load_am_config,
)

if TYPE_CHECKING:
    from obsctl.core.context import AppContext


def _parse_at(value: str | None, actx: AppContext) -> Any:
    if value is None:
        return None
    from obsctl.alerts.cases import CaseFileError, parse_at

    try:
        return parse_at(value, "--at")
    except CaseFileError:
        pass
    try:
        from obsctl.core.timeparse import parse_time

        return parse_time(value, now=actx.now())
    except Exception:
        raise typer.BadParameter(
            f"{value!r} is not a time; use RFC 3339 such as 2026-01-03T02:00:00+01:00", param_hint="'--at'"
        ) from None


def _firing_args(values: list[str] | None) -> list[dict[str, str]] | None:
    if not values:
        return None
    from obsctl.alerts.matchers import parse_label_args, parse_matchers

    return [parse_label_args([str(m) for m in parse_matchers(v)]) for v in values]


def _test_file(
    actx: AppContext, cases_path: str, config_path: str | None, *, at: Any, fmt: str | None
) -> None:
    import gc

    # ~10 small objects per case and no cycles: cyclic GC passes only cost time here.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _run_test_file(actx, cases_path, config_path, at=at, fmt=fmt)
    finally:
        if was_enabled:
            gc.enable()


def _run_test_file(
    actx: AppContext, cases_path: str, config_path: str | None, *, at: Any, fmt: str | None
) -> None:
    import time

    from obsctl.alerts.cases import load_cases_file, run_cases
    from obsctl.alerts.route_render import render_case_results

    started = time.perf_counter()
    cf = load_cases_file(cases_path)
    cfg = load_am_config(actx, config_path or cf.config)
    results = run_cases(cfg, cf.cases, default_at=at)
    render_case_results(actx.out, results, fmt, suite=f"obsctl alerts test {cases_path}", started=started)


def test_cmd(
    ctx: typer.Context,
    labels: Annotated[
        list[str] | None,
        typer.Argument(metavar="[NAME=VALUE]...", help="Labels of the alert to route.", show_default=False),
    ] = None,
    am_config: AmConfigOpt = None,
    url: EngineUrlOpt = None,
    cases: Annotated[
        str | None,
        typer.Option(
            "-f",
            "--file",
            metavar="CASES.yaml",
            help="Run every case of a test file (see docs/alerts.md).",
        ),
    ] = None,
    expect: Annotated[
        str | None,
        typer.Option(
            "--expect",
            "--verify.receivers",
            metavar="A,B",
            help="Fail (exit 1) unless the receivers are exactly these, in this order.",
        ),
    ] = None,
    tree: Annotated[
        bool, typer.Option("--tree", help="Draw the matched path(s) through the routing tree.")
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", metavar="TIME", help="Evaluate mute/active time intervals at this instant (RFC 3339)."
        ),
    ] = None,
    firing: Annotated[
        list[str] | None,
        typer.Option(
            "--firing", metavar="'k=v,k=v'", help="An alert already firing, for inhibit_rules (repeatable)."
        ),
    ] = None,
    output: OutputFmt = None,
) -> None:
    """Show which receivers an alert with these labels notifies, in order.

    Works like `amtool config routes test`, plus test files, time intervals, inhibition
    and JSON/JUnit output. Exit 1 when an expectation fails, 2 on an invalid config.

    \b
    Examples:
      obsctl alerts test --am-config alertmanager.yml severity=critical service=api
      obsctl alerts test --am-config am.yml --tree --expect pager,slack team=db
      obsctl alerts test --am-config am.yml --at 2026-01-03T02:00:00+01:00 severity=warning
      obsctl alerts test -f routes-test.yaml -o junit > report.xml
    """
    actx = actx_of(ctx)
    actx.override("alertmanager", url=url)
    fmt = check_fmt(output, (*FORMATS, "junit") if cases else FORMATS)
    when = _parse_at(at, actx)
    if cases:
        if labels:
            raise typer.BadParameter("give either labels or -f CASES, not both", param_hint="'-f'")
        if expect or tree or firing:
            raise typer.BadParameter(
                "--expect, --tree and --firing are for one label set; put expectations in the file",
                param_hint="'-f'",
            )
        _test_file(actx, cases, am_config, at=when, fmt=fmt)
        return
    from obsctl.alerts.matchers import parse_label_args

    label_set = parse_label_args(labels or [])
    firing_sets = _firing_args(firing)
    cfg = load_am_config(actx, am_config)
    from obsctl.alerts.single import run_single

    run_single(actx, cfg, label_set, expect=expect, tree=tree, at=when, firing=firing_sets, fmt=fmt)
