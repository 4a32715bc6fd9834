"""Rows for `traces search` and the tree for `traces deps` (pure, tested with exact strings)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from obsctl.core.output import Column
from obsctl.traces.client import Dependency
from obsctl.traces.diagnosis import fmt_ns
from obsctl.traces.export import rfc3339_nanos
from obsctl.traces.model import Trace
from obsctl.traces.summary import TraceSummary

SEARCH_COLUMNS = (
    Column("start", "start"),
    Column("root_service", "service"),
    Column("root_operation", "operation"),
    Column("duration", "duration"),
    Column("spans", "spans"),
    Column("errors", "errors"),
    Column("trace_id", "trace id"),
    Column("services", "services", wide_only=True),
)


def search_rows(found: Sequence[TraceSummary | Trace]) -> list[dict[str, Any]]:
    """One row per trace, newest first."""
    rows = []
    summaries = [t if isinstance(t, TraceSummary) else TraceSummary.of(t) for t in found]
    for t in sorted(summaries, key=lambda t: t.start, reverse=True):
        rows.append(
            {
                "start": rfc3339_nanos(t.start),
                "root_service": t.root_service,
                "root_operation": t.root_operation,
                "duration": round(t.duration / 1e6, 3),
                "duration_human": fmt_ns(t.duration),
                "spans": t.spans,
                "errors": t.errors,
                "trace_id": t.trace_id,
                "services": list(t.services),
            }
        )
    return rows


def render_search(out: Any, traces: Sequence[TraceSummary | Trace], fmt: str | None) -> None:
    """Trace summary rows: human times and durations on a table, exact values for programs."""
    rows = search_rows(traces)
    if fmt in ("table", "wide") or (fmt is None and out.is_tty):
        rows = [{**r, "duration": r["duration_human"], "start": r["start"][:23] + "Z"} for r in rows]
    out.render_rows(SEARCH_COLUMNS, rows, fmt)


def deps_tree(deps: Sequence[Dependency]) -> list[str]:
    """Callers at the top (services nobody calls), callees below with call counts; cycles cut."""
    calls: dict[str, list[Dependency]] = {}
    callees = set()
    for d in deps:
        calls.setdefault(d.parent, []).append(d)
        callees.add(d.child)
    tops = sorted(p for p in calls if p not in callees) or sorted(calls)[:1]
    lines: list[str] = []
    for top in tops:
        lines.append(top)
        stack: list[tuple[Dependency, str, bool, tuple[str, ...]]] = [
            (d, "", i == len(calls[top]) - 1, (top,)) for i, d in enumerate(calls[top])
        ]
        stack.reverse()
        while stack:
            dep, lead, last, path = stack.pop()
            cycle = dep.child in path
            lines.append(
                f"{lead}{'└─ ' if last else '├─ '}{dep.child} ({dep.call_count} calls)"
                + (" ↺" if cycle else "")
            )
            if cycle:
                continue
            kids = calls.get(dep.child, [])
            nxt = lead + ("   " if last else "│  ")
            stack.extend(
                (k, nxt, i == len(kids) - 1, (*path, dep.child)) for i, k in reversed(list(enumerate(kids)))
            )
    return lines
