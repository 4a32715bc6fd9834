"""The terminal waterfall: one line per span in tree order, bars on one time axis.

Pure text out (ANSI codes only when `color`), so it is tested with exact strings and written
without Rich (a 10,000-span trace renders in well under a second).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from obsctl.traces.critical_path import Timing
from obsctl.traces.diagnosis import fmt_ns
from obsctl.traces.model import Span, Trace

# 256-colour palette without reds (red means error); a service keeps its colour across traces.
PALETTE = (33, 37, 41, 69, 75, 108, 135, 141, 172, 178, 37, 63, 99, 114, 150, 176, 180, 214, 44, 105)
RED = "\x1b[31m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RESET = "\x1b[0m"


@dataclass(frozen=True)
class WaterfallOptions:
    width: int = 100
    color: bool = False
    bars: bool = True
    critical: bool = False  # mark the critical path
    depth: int | None = None
    service: str | None = None
    min_duration: int = 0  # ns
    logs: Mapping[str, Sequence[str]] = field(default_factory=dict)  # span id -> rendered log lines


def service_color(service: str) -> int:
    return PALETTE[zlib.crc32(service.encode()) % len(PALETTE)]


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if self.color and text else text

    def service(self, name: str) -> str:
        return self(name, f"\x1b[38;5;{service_color(name)}m")


def _tree(trace: Trace) -> Iterator[tuple[Span, int, str]]:
    """(span, depth, prefix) in tree order, prefix drawn with box characters."""
    stack: list[tuple[Span, int, str, bool]] = [
        (r, 0, "", i == len(trace.roots) - 1) for i, r in reversed(list(enumerate(trace.roots)))
    ]
    seen: set[int] = set()
    while stack:
        span, depth, lead, last = stack.pop()
        if id(span) in seen:
            continue
        seen.add(id(span))
        yield span, depth, (lead + ("└─ " if last else "├─ ")) if depth else ""
        kids = trace.children.get(span.span_id, [])
        child_lead = lead + ("   " if last else "│  ") if depth else ""
        for i in range(len(kids) - 1, -1, -1):
            stack.append((kids[i], depth + 1, child_lead, i == len(kids) - 1))


def _bar(span: Span, timing: Timing, axis: tuple[int, int], cols: int, char: str) -> str:
    t0, total = axis
    s, e = timing.start[span.span_id], timing.end[span.span_id]
    a = min(cols - 1, int((s - t0) * cols / total))
    b = max(a + 1, min(cols, -(-(e - t0) * cols // total)))
    return " " * a + char * (b - a) + " " * (cols - b)


def _notes(trace: Trace, span: Span, timing: Timing) -> list[str]:
    notes = []
    if span.span_id in trace.orphans:
        notes.append(f"orphan: parent {span.parent_id} not in trace")
    if span.follows_from:
        notes.append("follows-from")
    if span.links:
        notes.append(f"{len(span.links)} link" + ("s" if len(span.links) > 1 else ""))
    skew = timing.skew.get(span.span_id)
    if skew:
        notes.append(f"clock skew: shifted {'+' if skew > 0 else '-'}{fmt_ns(abs(skew))}")
    return notes


def _visible(span: Span, depth: int, opts: WaterfallOptions) -> bool:
    if opts.depth is not None and depth >= opts.depth:
        return False
    if opts.service and span.service != opts.service:
        return False
    return span.duration >= opts.min_duration


def header(trace: Trace, timing: Timing) -> str:
    from obsctl.traces.export import rfc3339_nanos

    root = trace.root
    what = f"{root.service} {root.operation}" if root else "no root span"
    return (
        f"trace {trace.trace_id}  {what}  {fmt_ns(timing.trace_end - timing.trace_start)}  "
        f"{len(trace.spans)} spans  {len(trace.services())} services  "
        f"{sum(s.error for s in trace.spans)} errors  {rfc3339_nanos(timing.trace_start)[:23]}Z"
    )


def render(trace: Trace, timing: Timing, opts: WaterfallOptions) -> list[str]:
    """The waterfall lines (no trailing diagnosis; the caller adds it)."""
    paint = _Painter(opts.color)
    rows = [(s, d, p) for s, d, p in _tree(trace) if _visible(s, d, opts)]
    names = [p + s.service + " " + s.operation for s, _, p in rows]
    longest = max((len(n) for n in names), default=10)
    name_w = min(longest, max(24, opts.width * 2 // 5)) if opts.bars else longest  # bars share the width
    bar_w = max(10, opts.width - name_w - 1 - 9 - 2 - 8) if opts.bars else 0
    lines = [paint(header(trace, timing), BOLD)]
    axis_ns = (timing.trace_start, max(1, timing.trace_end - timing.trace_start))  # once: O(n) each
    if opts.bars:
        total = timing.trace_end - timing.trace_start
        axis = "0" + fmt_ns(total).rjust(bar_w - 1)
        lines.append(" " * (name_w + 1 + 9 + 1) + " " + paint(axis, DIM))
    for (span, _depth, prefix), name in zip(rows, names):
        on_path = span.span_id in timing.on_path or span.span_id in timing.critical
        mark = "◆" if opts.critical and on_path else " "
        text = name if len(name) <= name_w else name[: name_w - 1] + "…"
        pad = " " * (name_w - len(text))
        shown = prefix + paint.service(span.service) + text[len(prefix) + len(span.service) :]
        if len(text) < len(prefix) + len(span.service):
            shown = text
        if span.error:
            shown = paint(text, RED)
        line = f"{mark}{shown}{pad} {fmt_ns(span.duration):>9}"
        tail = [span.kind] if span.kind != "unspecified" else []
        notes = _notes(trace, span, timing)
        if notes:
            tail.append(paint("[" + "; ".join(notes) + "]", DIM))
        if opts.bars:
            char = "█" if (on_path or not opts.critical) else "░"
            bar = _bar(span, timing, axis_ns, bar_w, char)
            colored = (
                paint(bar, RED) if span.error else paint(bar, f"\x1b[38;5;{service_color(span.service)}m")
            )
            line += f" {colored} " + "  ".join(tail)
        else:
            line += "".join("  " + part for part in tail)
        lines.append(line.rstrip())
        indent = " " * (len(prefix) + 4)
        if span.error:
            msg = span.error_message() or "error"
            lines.append(indent + paint(f"✗ {msg}", RED))
        lines.extend(indent + log for log in opts.logs.get(span.span_id, ()))
    hidden = len(trace.spans) - len(rows)
    if hidden:
        lines.append(
            paint(f"({hidden} of {len(trace.spans)} spans hidden by --depth/--service/--min-duration)", DIM)
        )
    return lines


def span_detail(trace: Trace, span: Span, timing: Timing) -> list[str]:
    """Everything about one span (--span): ids, times, status, attributes, events, links, resource."""
    from obsctl.traces.export import rfc3339_nanos

    out = [
        f"span       {span.span_id}",
        f"trace      {span.trace_id}",
        f"parent     {span.parent_id or '-'}" + ("  (not in trace)" if span.span_id in trace.orphans else ""),
        f"service    {span.service}",
        f"operation  {span.operation}",
        f"kind       {span.kind}",
        f"start      {rfc3339_nanos(span.start)}",
        f"duration   {fmt_ns(span.duration)}  (self {fmt_ns(timing.self_time.get(span.span_id, 0))}, "
        f"critical path {fmt_ns(timing.critical.get(span.span_id, 0))})",
        f"status     {span.status}" + (f": {span.error_message()}" if span.error_message() else ""),
    ]
    for note in _notes(trace, span, timing):
        out.append(f"note       {note}")
    sections: list[tuple[str, Mapping[str, object]]] = [
        ("attributes", span.attributes),
        ("resource", span.resource),
    ]
    for title, values in sections:
        out.append(f"{title}:")
        out.extend(f"  {k} = {v}" for k, v in sorted(values.items()))
    out.append("events:")
    for ev in span.events:
        offset = fmt_ns(ev.time - span.start)
        attrs = ", ".join(f"{k}={v}" for k, v in ev.attributes.items())
        out.append(f"  +{offset} {ev.name}" + (f"  {attrs}" if attrs else ""))
    out.append("links:")
    out.extend(f"  {lk.kind} trace {lk.trace_id} span {lk.span_id}" for lk in span.links)
    for warning in span.warnings:
        out.append(f"warning    {warning}")
    return out
