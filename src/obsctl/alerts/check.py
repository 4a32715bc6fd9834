"""`alerts check`: Alertmanager's own validation plus the lint no other tool does.

Errors are what Alertmanager 0.25 refuses to load (config.py finds them, with file:line).
Warnings are things it loads but that are almost certainly mistakes: routes no alert can reach
(an earlier sibling without `continue` catches everything they would), receivers no route uses,
time intervals nothing references, `${VAR}` text Alertmanager will not expand, deprecated
`match`/`match_re`. Info findings are worth knowing but often deliberate (a `null` receiver
without integrations, an inhibit rule without `equal`); they never fail `--strict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from obsctl.alerts.config import AlertmanagerConfig, Finding, Route, analyze_config_text
from obsctl.alerts.matchers import Matcher

if TYPE_CHECKING:
    from obsctl.core.output import Output

__all__ = [
    "check_config_text",
    "check_files",
    "lint_config",
    "matcher_implies",
    "render_check_reports",
    "route_shadowed_by",
    "verdict",
]

Report = tuple[str, list[Finding]]

# Regexes that accept every value (including the empty one and newlines).
_ALWAYS = {"(?s).*", "(?s:.*)", "[\\s\\S]*", "(?s).*?"}


def matcher_implies(b: Matcher, a: Matcher) -> bool:
    """True when every value accepted by `b` is certainly accepted by `a` (same label name)."""
    if a.name != b.name:
        return False
    if (a.op, a.value) == (b.op, b.value):
        return True
    if a.op == "=~" and a.value in _ALWAYS:
        return True
    if b.op == "=":
        return a.matches(b.value)
    if b.op == "!=" and a.op == "!=":
        return False
    if b.op == "=~" and a.op == "!=":
        # b's regex can't produce a's excluded value
        return not b.matches(a.value)
    return False


def _implied(a: Matcher, bs: Sequence[Matcher]) -> bool:
    """Is matcher `a` satisfied by every alert that satisfies all of `bs`?

    When `bs` says nothing about a's label, the label may be absent or anything, so only an
    always-true `a` qualifies.
    """
    if a.op == "=~" and a.value in _ALWAYS:
        return True
    return any(matcher_implies(b, a) for b in bs if b.name == a.name)


def route_shadowed_by(earlier: Route, later: Route) -> bool:
    """Does `earlier` (a sibling without continue) catch every alert `later` could match?"""
    if earlier.continue_:
        return False
    return all(_implied(a, later.compiled) for a in earlier.compiled)


def _contradiction(route: Route) -> str | None:
    eqs: dict[str, str] = {}
    for m in route.compiled:
        if m.op == "=":
            if m.name in eqs and eqs[m.name] != m.value:
                return f'{m.name} cannot equal both "{eqs[m.name]}" and "{m.value}"'
            eqs[m.name] = m.value
    for m in route.compiled:
        if m.name in eqs and m.op != "=" and not m.matches(eqs[m.name]):
            return f'{m.name}="{eqs[m.name]}" contradicts {m}'
    return None


def lint_config(cfg: AlertmanagerConfig) -> list[Finding]:
    """Warnings and info about a config that loads."""
    out: list[Finding] = []
    src = cfg.source

    def add(sev: str, code: str, msg: str, line: int | None, path: str) -> None:
        out.append(Finding(sev, code, msg, src, line, path))

    # Shadowed / unreachable routes.
    for node in cfg.route.walk():
        for j, later in enumerate(node.routes):
            why = _contradiction(later)
            if why:
                add("warning", "unreachable-route", f"route can never match: {why}", later.line, later.path)
                continue
            for earlier in node.routes[:j]:
                if route_shadowed_by(earlier, later):
                    what = (
                        "has no matchers" if not earlier.compiled else "matches everything this route matches"
                    )
                    add(
                        "warning",
                        "shadowed-route",
                        f"route is unreachable: the earlier sibling {earlier.path} (line {earlier.line}) {what} "
                        "and has no `continue: true`",
                        later.line,
                        later.path,
                    )
                    break

    used = {r.receiver for r in cfg.route.walk() if r.receiver}
    for recv in cfg.receivers:
        if recv.name not in used:
            add(
                "warning",
                "unused-receiver",
                f'receiver "{recv.name}" is not used by any route (Alertmanager skips it)',
                recv.line,
                f"receivers[{recv.name}]",
            )
        if not recv.integrations or not any(recv.integrations.values()):
            add(
                "info",
                "receiver-without-integrations",
                f'receiver "{recv.name}" has no integrations: alerts routed to it are dropped'
                + (" (fine for a deliberate blackhole)" if recv.name in used else ""),
                recv.line,
                f"receivers[{recv.name}]",
            )

    referenced = {n for r in cfg.route.walk() for n in (*r.mute_time_intervals, *r.active_time_intervals)}
    for name, line in cfg.time_interval_lines.items():
        if name not in referenced:
            add(
                "warning",
                "unused-time-interval",
                f'time interval "{name}" is not used by any route',
                line,
                "time_intervals",
            )

    for rule in cfg.inhibit_rules:
        path = f"inhibit_rules[{rule.index}]"
        if not rule.target_matchers:
            add(
                "warning",
                "inhibit-all-targets",
                "inhibit rule has no target matchers: a matching source mutes every alert",
                rule.line,
                path,
            )
        if not rule.source_matchers:
            add(
                "warning",
                "inhibit-any-source",
                "inhibit rule has no source matchers: any firing alert is a source",
                rule.line,
                path,
            )
        if not rule.equal:
            add(
                "info",
                "inhibit-without-equal",
                "inhibit rule has no `equal`: one source mutes matching targets everywhere (every cluster/namespace)",
                rule.line,
                path,
            )
    if cfg.route.group_by is None and not cfg.route.group_by_all:
        add(
            "info",
            "root-without-group-by",
            "root route has no group_by: alerts without a more specific route share one notification group",
            cfg.route.line,
            "route",
        )
    return out


def check_config_text(text: str, source: str) -> tuple[AlertmanagerConfig | None, list[Finding]]:
    """All findings for one file, errors first, then by line."""
    cfg, findings = analyze_config_text(text, source)
    findings = list(findings)
    if cfg is not None:
        findings.extend(lint_config(cfg))
    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: (order.get(f.severity, 3), f.line or 0))
    return cfg, findings


# --- `alerts check` over files: read, report, verdict ----------------------------------------------


def check_files(files: Sequence[str]) -> list[Report]:
    """(file, findings) per file; an unreadable or non-UTF-8 file is one error finding, not a crash."""
    from pathlib import Path

    reports: list[Report] = []
    for f in files:
        try:
            text = Path(f).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            from obsctl.alerts.files import read_problem

            findings = [Finding("error", "unreadable", read_problem(f, exc), f)]
        else:
            _, findings = check_config_text(text, f)
        reports.append((f, findings))
    return reports


def _count(findings: Sequence[Finding], severity: str) -> int:
    return sum(1 for x in findings if x.severity == severity)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _document(reports: Sequence[Report]) -> dict[str, Any]:
    return {
        "files": [
            {
                "file": f,
                "valid": not _count(fs, "error"),
                "errors": _count(fs, "error"),
                "warnings": _count(fs, "warning"),
                "findings": [x.to_json() for x in fs],
            }
            for f, fs in reports
        ],
        "errors": sum(_count(fs, "error") for _, fs in reports),
        "warnings": sum(_count(fs, "warning") for _, fs in reports),
    }


_COLORS = {"error": "red", "warning": "yellow", "info": "dim"}


def render_check_reports(out: Output, reports: Sequence[Report], fmt: str | None) -> None:
    """Findings as json/yaml (one document), jsonl (one per finding), tsv, or `file:line: severity: ...` lines."""
    if fmt in ("json", "yaml"):
        out.render_document(_document(reports), fmt)
        return
    if fmt == "jsonl":
        import json

        out.write_lines(json.dumps(x.to_json()) for _, fs in reports for x in fs)
        return
    # -o tsv has a header row, as every command's (docs/output.md).
    lines: list[str] = ["location\tseverity\tcode\tmessage\tpath"] if fmt == "tsv" else []
    for _f, fs in reports:
        for x in fs:
            if fmt == "tsv":
                lines.append("\t".join([x.location(), x.severity, x.code, x.message, x.path]))
            else:
                where = f" [{x.path}]" if x.path else ""
                severity = out.style(x.severity, _COLORS.get(x.severity, "bold"))
                lines.append(f"{x.location()}: {severity}: {x.message}{where}")
    if lines:
        out.write_lines(lines)
    for f, fs in reports:
        e, w = _count(fs, "error"), _count(fs, "warning")
        out.info(f"{f}: {'INVALID' if e else 'valid'} ({_plural(e, 'error')}, {_plural(w, 'warning')})")


def verdict(reports: Sequence[Report], *, strict: bool) -> None:
    """ConfigError (exit 2) when any file is invalid; CheckFailed (exit 1) for warnings with --strict."""
    from obsctl.core.errors import CheckFailed, ConfigError

    n_err = sum(_count(fs, "error") for _, fs in reports)
    n_warn = sum(_count(fs, "warning") for _, fs in reports)
    if n_err:
        bad = sum(1 for _, fs in reports if _count(fs, "error"))
        raise ConfigError(f"{bad} of {_plural(len(reports), 'file')} invalid ({_plural(n_err, 'error')})")
    if strict and n_warn:
        raise CheckFailed(f"{_plural(n_warn, 'warning')} with --strict")
