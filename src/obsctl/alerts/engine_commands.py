"""Offline `obsctl alerts` verbs: test, routes, check, diff.

Each command parses flags, calls the pure engine (config/routing/cases/check/diff) and renders.
Only typer and typing are imported at module level: this module loads on every CLI start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from obsctl.alerts.config import AlertmanagerConfig
    from obsctl.core.context import AppContext

_FORMATS = ("table", "wide", "json", "jsonl", "yaml", "csv", "tsv")

OutputFmt = Annotated[
    str | None,
    typer.Option(
        "-o",
        "--output",
        metavar="FORMAT",
        help="table, wide, json, jsonl, yaml, csv, tsv. Default: table on a terminal, TSV when piped.",
    ),
]
ConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--config",
        "--config.file",
        metavar="FILE",
        help="alertmanager.yml to use. Default: the running Alertmanager's config (GET /api/v2/status).",
    ),
]


UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Alertmanager URL to read the running config from, overriding the context (env OBSCTL_ALERTMANAGER_URL).",
        metavar="URL",
    ),
]


def _actx(ctx: typer.Context) -> AppContext:
    from obsctl.core.context import AppContext

    return AppContext.of(ctx)


def _fmt(fmt: str | None, allowed: tuple[str, ...] = _FORMATS) -> str | None:
    from obsctl.core.output import check_format

    return check_format(fmt, allowed)


def load_live_config(actx: AppContext) -> AlertmanagerConfig:
    """The running Alertmanager's config, from GET /api/v2/status (config.original)."""
    from obsctl.alerts.config import load_config_text

    if actx.backend_settings("alertmanager") is None:
        from obsctl.core.errors import UsageError

        raise UsageError(
            "no --config file given and no Alertmanager configured to read the running config from",
            hint="pass --config alertmanager.yml, or set OBSCTL_ALERTMANAGER_URL / a context's alertmanager.url",
        )
    from obsctl.alerts.client import AlertmanagerClient

    text = AlertmanagerClient(actx.client("alertmanager")).config_text()
    return load_config_text(text, "alertmanager:/api/v2/status")


def _load(actx: AppContext, path: str | None) -> AlertmanagerConfig:
    from obsctl.alerts.config import load_config_file

    return load_config_file(path) if path else load_live_config(actx)


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


def _route_rows(routes: list[Any], muted: list[tuple[bool, str | None]] | None) -> list[dict[str, Any]]:
    rows = []
    for i, r in enumerate(routes):
        row = {
            "receiver": r.receiver,
            "route": r.key_path,
            "group_by": ",".join(r.group_by),
            "group_wait": r.group_wait,
            "group_interval": r.group_interval,
            "repeat_interval": r.repeat_interval,
            "continue": r.continue_,
            "matchers": ",".join(r.matchers),
        }
        if muted is not None:
            row["muted"] = muted[i][0]
            row["muted_reason"] = muted[i][1] or ""
        rows.append(row)
    return rows


def _expect_diff(expected: list[str], got: list[str]) -> list[str]:
    import difflib

    lines: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=expected, b=got, autojunk=False).get_opcodes():
        if tag == "equal":
            lines.extend(f"    {x}" for x in expected[i1:i2])
            continue
        lines.extend(f"  - {x}   (expected)" for x in expected[i1:i2])
        lines.extend(f"  + {x}   (got)" for x in got[j1:j2])
    return lines


def _test_single(
    actx: AppContext,
    cfg: AlertmanagerConfig,
    labels: dict[str, str],
    *,
    expect: str | None,
    tree: bool,
    at: Any,
    firing: list[dict[str, str]] | None,
    fmt: str | None,
) -> None:
    from obsctl.alerts.routing import match_routes
    from obsctl.core.errors import CheckFailed
    from obsctl.core.output import Column

    routes = match_routes(cfg, labels)
    receivers = [r.receiver for r in routes]
    muted = None
    if at is not None:
        from obsctl.alerts.timeintervals import is_muted

        muted = [is_muted(cfg, r, at) for r in routes]
    inhibited = None
    if firing is not None:
        from obsctl.alerts.inhibit import inhibiting_rule

        inhibited = inhibiting_rule(cfg, labels, firing)

    if tree:
        from obsctl.alerts.routing import compile_tree
        from obsctl.alerts.tree import render_tree

        paths = [r.path for r in routes]
        lines = render_tree(compile_tree(cfg), style=actx.out.style, only=set(paths), marked=paths)
        (actx.out.info if fmt in ("json", "yaml", "jsonl") else actx.out.write)("\n".join(lines))

    document: dict[str, Any] = {"receivers": receivers, "routes": [r.to_json() for r in routes]}
    if muted is not None:
        document["at"] = at.isoformat()
        document["muted"] = bool(muted) and all(m[0] for m in muted)
        for rj, m in zip(document["routes"], muted):
            rj["muted"], rj["muted_reason"] = m
    if firing is not None:
        document["inhibited"] = inhibited is not None
        document["inhibited_by"] = inhibited[0].label if inhibited else None
    columns = [
        Column("receiver", "Receiver"),
        Column("route", "Route"),
        Column("group_by", "Group by"),
        Column("group_wait", "Wait", True),
        Column("group_interval", "Interval", True),
        Column("repeat_interval", "Repeat"),
        Column("continue", "Continue", True),
        Column("matchers", "Matchers", True),
    ]
    if muted is not None:
        columns += [Column("muted", "Muted"), Column("muted_reason", "Why")]
    if not tree or fmt is not None:
        actx.out.render_rows(columns, _route_rows(routes, muted), fmt, document=document)
    if inhibited is not None and fmt not in ("json", "yaml"):
        rule, src = inhibited
        actx.out.info(
            f"inhibited by {rule.label} ({rule.describe()}) via firing alert {{{', '.join(f'{k}={v}' for k, v in src.items())}}}"
        )
    elif firing is not None and fmt not in ("json", "yaml"):
        actx.out.info("not inhibited by the given firing alerts")

    if expect is not None:
        want = [x.strip() for x in expect.split(",") if x.strip()]
        if want != receivers:
            actx.out.info("receivers differ from --expect:\n" + "\n".join(_expect_diff(want, receivers)))
            raise CheckFailed(
                f"expected receivers {','.join(want) or '(none)'}, got {','.join(receivers) or '(none)'}",
                hint="the order counts: receivers are listed in notification order, duplicates kept",
            )


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

    from obsctl.alerts.cases import load_cases_file, run_cases, summary_document, to_junit
    from obsctl.alerts.config import load_config_file
    from obsctl.core.errors import CheckFailed
    from obsctl.core.output import Column

    started = time.perf_counter()
    cf = load_cases_file(cases_path)
    path = config_path or cf.config
    cfg = load_config_file(path) if path else load_live_config(actx)
    results = run_cases(cfg, cf.cases, default_at=at)
    elapsed = time.perf_counter() - started
    failed = [r for r in results if not r.passed]

    if fmt == "junit":
        actx.out.write(to_junit(results, suite=f"obsctl alerts test {cases_path}", elapsed=elapsed))
    elif fmt == "json" and len(results) > 1000:
        import json

        # the indenting encoder is pure Python (~45 µs/case); big runs get compact JSON
        actx.out.write(json.dumps(summary_document(results), ensure_ascii=False))
    elif fmt in ("json", "yaml"):
        actx.out.render_document(summary_document(results), fmt)
    else:
        style = actx.out.style
        rows = [
            {
                "name": r.case.name,
                "result": style("PASS", "green") if r.passed else style("FAIL", "red", "bold"),
                "receivers": ",".join(r.receivers),
                "details": "; ".join(r.failures),
                "labels": ",".join(f"{k}={v}" for k, v in r.case.labels.items()),
                "muted": "" if r.muted is None else r.muted,
                "inhibited": "" if r.inhibited is None else r.inhibited,
            }
            for r in results
        ]
        if fmt == "jsonl":
            rows = [r.to_json() for r in results]
        columns = [
            Column("result", "Result"),
            Column("name", "Name"),
            Column("receivers", "Receivers"),
            Column("details", "Details"),
            Column("labels", "Labels", True),
            Column("muted", "Muted", True),
            Column("inhibited", "Inhibited", True),
        ]
        actx.out.render_rows(columns, rows, fmt)
    summary = f"{len(results)} case{'s' if len(results) != 1 else ''}: {len(results) - len(failed)} passed, {len(failed)} failed ({elapsed:.2f}s)"
    actx.out.info(summary)
    if failed:
        raise CheckFailed(
            f"{len(failed)} of {len(results)} route test cases failed",
            hint=f"first failure: {failed[0].case.name}: {failed[0].failures[0]}",
        )


def _firing_args(values: list[str] | None) -> list[dict[str, str]] | None:
    if not values:
        return None
    from obsctl.alerts.matchers import parse_label_args, parse_matchers

    out = []
    for v in values:
        ms = parse_matchers(v)
        out.append(parse_label_args([str(m) for m in ms]))
    return out


def register(app: typer.Typer) -> None:
    """Add the offline verbs (test, routes, check, diff) to the alerts app."""

    @app.command("test")
    def test_cmd(
        ctx: typer.Context,
        labels: Annotated[
            list[str] | None,
            typer.Argument(
                metavar="[NAME=VALUE]...", help="Labels of the alert to route.", show_default=False
            ),
        ] = None,
        config: ConfigOpt = None,
        url: UrlOpt = None,
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
                "--firing",
                metavar="'k=v,k=v'",
                help="An alert already firing, for inhibit_rules (repeatable).",
            ),
        ] = None,
        output: OutputFmt = None,
    ) -> None:
        """Show which receivers an alert with these labels notifies, in order.

        Works like `amtool config routes test`, plus test files, time intervals, inhibition
        and JSON/JUnit output. Exit 1 when an expectation fails, 2 on an invalid config.

        \b
        Examples:
          obsctl alerts test --config alertmanager.yml severity=critical service=api
          obsctl alerts test --config am.yml --tree --expect pager,slack team=db
          obsctl alerts test --config am.yml --at 2026-01-03T02:00:00+01:00 severity=warning
          obsctl alerts test -f routes-test.yaml -o junit > report.xml
        """
        actx = _actx(ctx)
        actx.override("alertmanager", url=url)
        fmt = _fmt(output, (*_FORMATS, "junit") if cases else _FORMATS)
        when = _parse_at(at, actx)
        if cases:
            if labels:
                raise typer.BadParameter("give either labels or -f CASES, not both", param_hint="'-f'")
            if expect or tree or firing:
                raise typer.BadParameter(
                    "--expect, --tree and --firing are for one label set; put expectations in the file",
                    param_hint="'-f'",
                )
            _test_file(actx, cases, config, at=when, fmt=fmt)
            return
        from obsctl.alerts.matchers import parse_label_args

        label_set = parse_label_args(labels or [])
        firing_sets = _firing_args(firing)
        cfg = _load(actx, config)
        _test_single(actx, cfg, label_set, expect=expect, tree=tree, at=when, firing=firing_sets, fmt=fmt)

    @app.command("routes")
    def routes_cmd(
        ctx: typer.Context,
        config: ConfigOpt = None,
        url: UrlOpt = None,
        output: OutputFmt = None,
    ) -> None:
        """Draw the routing tree: matchers, receivers, continue, grouping and timing.

        Inherited receivers are marked; the root shows the effective defaults.

        \b
        Examples:
          obsctl alerts routes --config alertmanager.yml
          obsctl alerts routes -o json | jq '.routes[].receiver'
        """
        from obsctl.alerts.routing import compile_tree
        from obsctl.alerts.tree import node_json, render_tree

        actx = _actx(ctx)
        actx.override("alertmanager", url=url)
        fmt = _fmt(output, ("json", "yaml", "table"))
        cfg = _load(actx, config)
        root = compile_tree(cfg)
        if fmt in ("json", "yaml"):
            actx.out.render_document(node_json(root), fmt)
            return
        actx.out.write("\n".join(render_tree(root, style=actx.out.style)))

    @app.command("check")
    def check_cmd(
        ctx: typer.Context,
        files: Annotated[
            list[str], typer.Argument(metavar="FILE...", help="alertmanager.yml files to validate.")
        ],
        strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when there are warnings.")] = False,
        output: OutputFmt = None,
    ) -> None:
        """Validate configs like `amtool check-config`, plus lint Alertmanager does not do.

        Errors (exit 2) are what Alertmanager refuses to load, with file:line. Warnings
        (exit 0, or 1 with --strict): unreachable/shadowed routes, unused receivers and time
        intervals, ${VAR} placeholders Alertmanager will not expand, deprecated match/match_re.

        \b
        Examples:
          obsctl alerts check alertmanager.yml
          obsctl alerts check --strict -o json configs/*.yml
        """
        from pathlib import Path

        from obsctl.alerts.check import check_config_text
        from obsctl.alerts.config import Finding
        from obsctl.core.errors import CheckFailed, ConfigError

        actx = _actx(ctx)
        fmt = _fmt(output, ("json", "yaml", "table", "tsv", "jsonl"))
        reports = []
        for f in files:
            try:
                text = Path(f).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                findings = [
                    Finding("error", "unreadable", f"cannot read: {getattr(exc, 'strerror', None) or exc}", f)
                ]
            else:
                _, findings = check_config_text(text, f)
            reports.append((f, findings))

        n_err = sum(1 for _, fs in reports for x in fs if x.severity == "error")
        n_warn = sum(1 for _, fs in reports for x in fs if x.severity == "warning")
        if fmt in ("json", "yaml"):
            doc = {
                "files": [
                    {
                        "file": f,
                        "valid": not any(x.severity == "error" for x in fs),
                        "errors": sum(1 for x in fs if x.severity == "error"),
                        "warnings": sum(1 for x in fs if x.severity == "warning"),
                        "findings": [x.to_json() for x in fs],
                    }
                    for f, fs in reports
                ],
                "errors": n_err,
                "warnings": n_warn,
            }
            actx.out.render_document(doc, fmt)
        elif fmt == "jsonl":
            actx.out.write_lines(__import__("json").dumps(x.to_json()) for _, fs in reports for x in fs)
        else:
            colors = {"error": "red", "warning": "yellow", "info": "dim"}
            # -o tsv has a header row, as every command's (docs/output.md).
            lines: list[str] = ["location\tseverity\tcode\tmessage\tpath"] if fmt == "tsv" else []
            for _f, fs in reports:
                for x in fs:
                    where = f" [{x.path}]" if x.path else ""
                    if fmt == "tsv":
                        lines.append("\t".join([x.location(), x.severity, x.code, x.message, x.path]))
                    else:
                        lines.append(
                            f"{x.location()}: {actx.out.style(x.severity, colors.get(x.severity, 'bold'))}: {x.message}{where}"
                        )
            if lines:
                actx.out.write_lines(lines)
            for f, fs in reports:
                e = sum(1 for x in fs if x.severity == "error")
                w = sum(1 for x in fs if x.severity == "warning")
                verdict = "INVALID" if e else "valid"
                actx.out.info(f"{f}: {verdict} ({e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)})")
        if n_err:
            bad = sum(1 for _, fs in reports if any(x.severity == "error" for x in fs))
            raise ConfigError(
                f"{bad} of {len(reports)} file{'s' * (len(reports) != 1)} invalid ({n_err} error{'s' * (n_err != 1)})"
            )
        if strict and n_warn:
            raise CheckFailed(f"{n_warn} warning{'s' * (n_warn != 1)} with --strict")

    @app.command("diff")
    def diff_cmd(
        ctx: typer.Context,
        old: Annotated[str, typer.Argument(metavar="OLD.yml", help="The config in production.")],
        new: Annotated[str, typer.Argument(metavar="NEW.yml", help="The config you want to roll out.")],
        cases: Annotated[
            str | None,
            typer.Option(
                "-f", "--file", metavar="CASES.yaml", help="Route the label sets of this test file."
            ),
        ] = None,
        live: Annotated[
            bool, typer.Option("--live", help="Also route the alerts firing now (GET /api/v2/alerts).")
        ] = False,
        no_probes: Annotated[
            bool,
            typer.Option("--no-probes", help="Do not add one synthetic alert per route of both configs."),
        ] = False,
        fail_on_change: Annotated[
            bool, typer.Option("--fail-on-change", help="Exit 1 when any label set changes.")
        ] = False,
        url: UrlOpt = None,
        output: OutputFmt = None,
    ) -> None:
        """Show which alerts would change receivers or grouping between two configs.

        Label sets come from -f CASES, from --live firing alerts, and (unless --no-probes)
        from one synthetic alert per route built from the routes' own matchers.

        \b
        Examples:
          obsctl alerts diff prod.yml new.yml
          obsctl alerts diff prod.yml new.yml -f routes-test.yaml --fail-on-change
          obsctl alerts diff prod.yml new.yml --live -o json
        """
        from obsctl.alerts.config import load_config_file
        from obsctl.alerts.diff import diff_label_sets, probe_label_sets
        from obsctl.core.errors import CheckFailed
        from obsctl.core.output import Column

        actx = _actx(ctx)
        actx.override("alertmanager", url=url)
        fmt = _fmt(output)
        old_cfg, new_cfg = load_config_file(old), load_config_file(new)
        label_sets: list[tuple[str, Any]] = []
        if cases:
            from obsctl.alerts.cases import load_cases_file

            label_sets += [(c.name, c.labels) for c in load_cases_file(cases).cases]
        if live:
            label_sets += live_label_sets(actx)
        if not no_probes:
            label_sets += probe_label_sets(old_cfg, new_cfg)
        changes = diff_label_sets(old_cfg, new_cfg, label_sets)
        rows = [
            {
                "name": c.name,
                "changes": ",".join(c.kinds),
                "old_receivers": ",".join(c.old_receivers),
                "new_receivers": ",".join(c.new_receivers),
                "old_group_by": " | ".join(",".join(g) for g in c.old_group_by),
                "new_group_by": " | ".join(",".join(g) for g in c.new_group_by),
                "labels": ",".join(f"{k}={v}" for k, v in c.labels.items()),
            }
            for c in changes
        ]
        columns = [
            Column("name", "Name"),
            Column("changes", "Changes"),
            Column("old_receivers", "Old receivers"),
            Column("new_receivers", "New receivers"),
            Column("old_group_by", "Old group_by", True),
            Column("new_group_by", "New group_by", True),
            Column("labels", "Labels", True),
        ]
        document = {
            "checked": len(label_sets),
            "changed": len(changes),
            "changes": [c.to_json() for c in changes],
        }
        actx.out.render_rows(columns, rows, fmt, document=document)
        actx.out.info(f"{len(changes)} of {len(label_sets)} label sets change routing")
        if fail_on_change and changes:
            raise CheckFailed(f"{len(changes)} label set{'s' * (len(changes) != 1)} change routing")


def live_label_sets(actx: AppContext) -> list[tuple[str, dict[str, str]]]:
    """(name, labels) of the alerts the running Alertmanager holds now (GET /api/v2/alerts)."""
    from obsctl.alerts.client import AlertmanagerClient

    alerts = AlertmanagerClient(actx.client("alertmanager")).alerts()
    return [
        (f"live {a.labels.get('alertname', '?')} {a.fingerprint}".strip(), dict(a.labels)) for a in alerts
    ]
