"""The one line printed after every waterfall: where the time went and what failed.

An error on a span whose child held (nearly) its whole duration is a caller giving up, usually on
a timeout: the diagnosis names the span that held the time, not the caller that reported it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from obsctl.traces.critical_path import Timing
from obsctl.traces.model import Span, Trace

HELD = 0.9  # a child covering this share of its parent's time "held" it


@dataclass
class Finding:
    kind: str  # "slowest", "error" or "gave_up"
    span: Span
    why: str
    cause: Span | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "span_id": self.span.span_id,
            "service": self.span.service,
            "operation": self.span.operation,
            "why": self.why,
        }
        if self.cause is not None:
            out["cause_span_id"] = self.cause.span_id
        return out


@dataclass
class Diagnosis:
    findings: list[Finding] = field(default_factory=list)
    line: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "findings": [f.to_json() for f in self.findings]}


def fmt_ns(ns: float) -> str:
    """Human duration: 850µs, 12.3ms, 1.25s, 2m05s."""
    if ns < 1_000:
        return f"{ns:.0f}ns"
    if ns < 1_000_000:
        return f"{ns / 1_000:.0f}µs"
    if ns < 10_000_000:
        return f"{ns / 1_000_000:.2f}ms"
    if ns < 1_000_000_000:
        return f"{ns / 1_000_000:.1f}ms" if ns < 100_000_000 else f"{ns / 1_000_000:.0f}ms"
    if ns < 60_000_000_000:
        return f"{ns / 1_000_000_000:.2f}s"
    minutes, seconds = divmod(ns / 1_000_000_000, 60)
    return f"{int(minutes)}m{int(seconds):02d}s"


def _name(span: Span) -> str:
    return f"{span.service} {span.operation}"


def _holder(trace: Trace, timing: Timing, span: Span) -> Span | None:
    """The descendant that held `span`'s time: follow children covering >= HELD of their parent."""
    holder: Span | None = None
    cur = span
    for _ in range(len(trace.spans)):
        s, e = timing.start[cur.span_id], timing.end[cur.span_id]
        if e <= s:
            break
        best = None
        for child in trace.children.get(cur.span_id, []):
            cs, ce = timing.start[child.span_id], timing.end[child.span_id]
            if (min(e, ce) - max(s, cs)) >= HELD * (e - s):
                best = child
                break
        if best is None:
            break
        holder = cur = best
    return holder


def _has_error_below(trace: Trace, span: Span) -> bool:
    stack = list(trace.children.get(span.span_id, []))
    while stack:
        cur = stack.pop()
        if cur.error:
            return True
        stack.extend(trace.children.get(cur.span_id, []))
    return False


def diagnose(trace: Trace, timing: Timing) -> Diagnosis:
    """Findings: the critical-path span with the most self time, then each root-cause error."""
    diag = Diagnosis()
    total = max(1, timing.trace_end - timing.trace_start)
    if timing.critical:
        sid = max(timing.critical, key=lambda k: (timing.critical[k], k))
        span = trace.by_id[sid]
        ns = timing.critical[sid]
        why = f"{fmt_ns(ns)} of its own time is on the critical path ({ns * 100 / total:.0f}% of {fmt_ns(total)})"
        diag.findings.append(Finding("slowest", span, why))
    for span, _ in trace.walk():
        if not span.error:
            continue
        if _has_error_below(trace, span):
            continue  # it reports a failure below it: the cause is there
        holder = _holder(trace, timing, span)
        msg = span.error_message()
        if holder is not None:
            why = (
                f"failed after {fmt_ns(span.duration)}"
                + (f" ({msg})" if msg else "")
                + f" while waiting on {_name(holder)} ({fmt_ns(holder.duration)}): a caller giving up, "
                f"the time was held by {_name(holder)}"
            )
            diag.findings.append(Finding("gave_up", span, why, cause=holder))
        else:
            diag.findings.append(Finding("error", span, msg or "error status"))
    diag.line = _line(diag.findings, sum(s.error for s in trace.spans))
    return diag


def _line(findings: list[Finding], error_spans: int) -> str:
    parts = []
    slow = [f for f in findings if f.kind == "slowest"]
    if slow:
        parts.append(f"slowest: {_name(slow[0].span)}, {slow[0].why}")
    errors = [f for f in findings if f.kind != "slowest"]
    if not errors:
        parts.append("no errors")
    else:
        grouped: dict[str, int] = {}
        for f in errors:
            text = (
                f"{_name(f.span)} gave up waiting on {_name(f.cause)}"
                if f.kind == "gave_up" and f.cause is not None
                else f"{_name(f.span)}: {f.why}"
            )
            grouped[text] = grouped.get(text, 0) + 1
        shown = [f"{t} (×{n})" if n > 1 else t for t, n in list(grouped.items())[:3]]
        more = len(grouped) - len(shown)
        label = "error span" if error_spans == 1 else "error spans"
        cause = "cause" if len(grouped) == 1 else "causes"
        parts.append(
            f"{error_spans} {label}, {cause}: " + "; ".join(shown) + (f"; +{more} more" if more > 0 else "")
        )
    return "diagnosis: " + " | ".join(parts)
