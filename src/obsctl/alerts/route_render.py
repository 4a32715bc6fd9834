"""Rendering of route tests: one label set (`alerts test a=b`) and a file of cases (`-f`).

The logic (routing, muting, inhibition, case runs) lives in routing/timeintervals/inhibit/cases;
this module turns its results into rows, documents and messages, and raises CheckFailed for
expectations that were not met.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from typing import Any

    from obsctl.alerts.cases import CaseResult
    from obsctl.alerts.config import AlertmanagerConfig
    from obsctl.alerts.inhibit import InhibitRule
    from obsctl.alerts.routing import MatchedRoute
    from obsctl.core.output import Output

_DOCS = ("json", "yaml")


def route_rows(routes: Sequence[Any], muted: list[tuple[bool, str | None]] | None) -> list[dict[str, Any]]:
    """One row per matched route, in notification order."""
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


def expect_diff(expected: list[str], got: list[str]) -> list[str]:
    """A line diff of expected vs actual receivers (order matters)."""
    import difflib

    lines: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=expected, b=got, autojunk=False).get_opcodes():
        if tag == "equal":
            lines.extend(f"    {x}" for x in expected[i1:i2])
            continue
        lines.extend(f"  - {x}   (expected)" for x in expected[i1:i2])
        lines.extend(f"  + {x}   (got)" for x in got[j1:j2])
    return lines


def check_expected(out: Output, expect: str, receivers: list[str]) -> None:
    """--expect A,B: CheckFailed (exit 1) with a diff unless the receivers are exactly these."""
    from obsctl.core.errors import CheckFailed

    want = [x.strip() for x in expect.split(",") if x.strip()]
    if want != receivers:
        out.info("receivers differ from --expect:\n" + "\n".join(expect_diff(want, receivers)))
        raise CheckFailed(
            f"expected receivers {','.join(want) or '(none)'}, got {','.join(receivers) or '(none)'}",
            hint="the order counts: receivers are listed in notification order, duplicates kept",
        )


def _single_document(
    routes: Sequence[MatchedRoute],
    at: Any,
    muted: list[tuple[bool, str | None]] | None,
    firing: list[dict[str, str]] | None,
    inhibited: tuple[InhibitRule, Mapping[str, str]] | None,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "receivers": [r.receiver for r in routes],
        "routes": [r.to_json() for r in routes],
    }
    if muted is not None:
        document["at"] = at.isoformat()
        document["muted"] = bool(muted) and all(m[0] for m in muted)
        for rj, m in zip(document["routes"], muted, strict=False):
            rj["muted"], rj["muted_reason"] = m
    if firing is not None:
        document["inhibited"] = inhibited is not None
        document["inhibited_by"] = inhibited[0].label if inhibited else None
    return document


def render_single(
    out: Output,
    cfg: AlertmanagerConfig,
    routes: Sequence[MatchedRoute],
    *,
    fmt: str | None,
    tree: bool,
    at: Any,
    muted: list[tuple[bool, str | None]] | None,
    firing: list[dict[str, str]] | None,
    inhibited: tuple[InhibitRule, Mapping[str, str]] | None,
) -> None:
    """Table/TSV/JSON of the matched routes, the optional tree, and the inhibition note."""
    from obsctl.core.output import Column

    if tree:
        from obsctl.alerts.routing import compile_tree
        from obsctl.alerts.tree import render_tree

        paths = [r.path for r in routes]
        lines = render_tree(compile_tree(cfg), style=out.style, only=set(paths), marked=paths)
        (out.info if fmt in ("json", "yaml", "jsonl") else out.write)("\n".join(lines))
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
        document = _single_document(routes, at, muted, firing, inhibited)
        out.render_rows(columns, route_rows(routes, muted), fmt, document=document)
    if inhibited is not None and fmt not in _DOCS:
        rule, src = inhibited
        out.info(
            f"inhibited by {rule.label} ({rule.describe()}) via firing alert {{{', '.join(f'{k}={v}' for k, v in src.items())}}}"
        )
    elif firing is not None and fmt not in _DOCS:
        out.info("not inhibited by the given firing alerts")


def _case_rows(out: Output, results: Sequence[CaseResult], fmt: str | None) -> list[dict[str, Any]]:
    from obsctl.core.output import label_text

    if fmt == "jsonl":
        return [r.to_json() for r in results]
    style = out.style
    return [
        {
            "name": r.case.name,
            "result": style("PASS", "green") if r.passed else style("FAIL", "red", "bold"),
            "receivers": ",".join(r.receivers),
            "details": "; ".join(r.failures),
            "labels": label_text(r.case.labels),
            "muted": "" if r.muted is None else r.muted,
            "inhibited": "" if r.inhibited is None else r.inhibited,
        }
        for r in results
    ]


def render_case_results(
    out: Output, results: Sequence[CaseResult], fmt: str | None, *, suite: str, started: float
) -> None:
    """Write the results of a case file in `fmt`, the one-line summary, and fail (exit 1) on failures."""
    import time

    from obsctl.core.errors import CheckFailed
    from obsctl.core.output import Column

    elapsed = time.perf_counter() - started
    failed = [r for r in results if not r.passed]
    if fmt == "junit":
        out.write(to_junit(results, suite=suite, elapsed=elapsed))
    elif fmt == "json" and len(results) > 1000:
        import json

        # the indenting encoder is pure Python (~45 µs/case); big runs get compact JSON
        out.write(json.dumps(summary_document(results), ensure_ascii=False))
    elif fmt in _DOCS:
        out.render_document(summary_document(results), fmt)
    else:
        columns = [
            Column("result", "Result"),
            Column("name", "Name"),
            Column("receivers", "Receivers"),
            Column("details", "Details"),
            Column("labels", "Labels", True),
            Column("muted", "Muted", True),
            Column("inhibited", "Inhibited", True),
        ]
        out.render_rows(columns, _case_rows(out, results, fmt), fmt)
    n = len(results)
    out.info(
        f"{n} case{'s' if n != 1 else ''}: {n - len(failed)} passed, {len(failed)} failed ({elapsed:.2f}s)"
    )
    if failed:
        raise CheckFailed(
            f"{len(failed)} of {n} route test cases failed",
            hint=f"first failure: {failed[0].case.name}: {failed[0].failures[0]}",
        )


def summary_document(results: Sequence[CaseResult]) -> dict[str, Any]:
    """`-o json`: {"cases": [...], "passed": N, "failed": M}."""
    passed = sum(1 for r in results if r.passed)
    return {"cases": [r.to_json() for r in results], "passed": passed, "failed": len(results) - passed}


def to_junit(results: Sequence[CaseResult], suite: str = "obsctl alerts test", elapsed: float = 0.0) -> str:
    """JUnit XML that CI systems (GitLab, Jenkins, GitHub reporters) read."""
    import re
    from xml.sax.saxutils import escape as _escape
    from xml.sax.saxutils import quoteattr as _quoteattr

    from obsctl.core.output import label_text

    bad = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0

    def escape(text: str) -> str:
        return _escape(bad.sub("\ufffd", text))

    def quoteattr(text: str) -> str:
        return _quoteattr(bad.sub("\ufffd", text), {"\n": "&#10;", "\t": "&#9;", "\r": "&#13;"})

    failed = sum(1 for r in results if not r.passed)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites tests="{len(results)}" failures="{failed}" errors="0" time="{elapsed:.3f}">',
        f'  <testsuite name={quoteattr(suite)} tests="{len(results)}" failures="{failed}" errors="0" skipped="0" time="{elapsed:.3f}">',
    ]
    for r in results:
        labels = label_text(r.case.labels)
        head = f"    <testcase classname={quoteattr(suite)} name={quoteattr(r.case.name)}"
        if r.passed:
            lines.append(f"{head}/>")
            continue
        msg = "; ".join(r.failures)
        body = escape(f"labels: {{{labels}}}\nreceivers: {', '.join(r.receivers)}\n" + "\n".join(r.failures))
        lines.append(f"{head}>")
        lines.append(f'      <failure message={quoteattr(msg)} type="RouteExpectation">{body}</failure>')
        lines.append("    </testcase>")
    lines.append("  </testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"
