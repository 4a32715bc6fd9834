"""Where a trace's time went: clock-skew adjustment, self time, and the critical path.

The critical path follows Jaeger UI's algorithm (components/TracePage/CriticalPath): start at the
root, descend into the child that finishes last, and when it is done walk back to the sibling that
finished before that child started; the time between is the parent's own. Children are first
clamped to their parent (a child outliving its parent cannot make the trace longer) and the whole
walk is iterative so very deep traces cannot overflow the stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from obsctl.traces.model import Span, Trace

_ROOT = "\x00root"


@dataclass
class Timing:
    """Display times (after clock-skew adjustment) and what the analysis found per span id."""

    start: dict[str, int] = field(default_factory=dict)
    end: dict[str, int] = field(default_factory=dict)
    skew: dict[str, int] = field(default_factory=dict)  # span id -> ns shifted for display
    self_time: dict[str, int] = field(default_factory=dict)
    critical: dict[str, int] = field(default_factory=dict)  # span id -> ns of critical-path time
    on_path: set[str] = field(default_factory=set)  # the chain of spans the critical path walks

    @property
    def trace_start(self) -> int:
        return min(self.start.values(), default=0)

    @property
    def trace_end(self) -> int:
        return max(self.end.values(), default=0)


def adjust_clock_skew(trace: Trace) -> Timing:
    """Shift a child that starts before its parent into the parent, as Jaeger's adjuster does:
    centred when it fits, aligned to the parent's start when it is longer. Its subtree moves too."""
    timing = Timing()
    for span, _depth in trace.walk():
        parent = trace.by_id.get(span.parent_id or "") if span.span_id not in trace.orphans else None
        inherited = 0
        if parent is not None and parent.span_id in timing.start:
            inherited = timing.start[parent.span_id] - parent.start
        start = span.start + inherited
        if parent is not None and parent.span_id in timing.start:
            p_start = timing.start[parent.span_id]
            if start < p_start:
                if span.duration <= parent.duration:
                    target = p_start + (parent.duration - span.duration) // 2
                else:
                    target = p_start
                timing.skew[span.span_id] = target - start
                start = target
        timing.start[span.span_id] = start
        timing.end[span.span_id] = start + span.duration
    return timing


def _merged_length(intervals: list[tuple[int, int]]) -> int:
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(intervals):
        if cur_e is None or s > cur_e:
            if cur_e is not None and cur_s is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None and cur_s is not None:
        total += cur_e - cur_s
    return total


def compute_self_times(trace: Trace, timing: Timing) -> None:
    """Self time: the span's duration not covered by any of its children (clipped to the span)."""
    for span in trace.spans:
        sid = span.span_id
        s, e = timing.start[sid], timing.end[sid]
        kids = [
            (max(s, timing.start[c.span_id]), min(e, timing.end[c.span_id]))
            for c in trace.children.get(sid, [])
            if c.span_id in timing.start
        ]
        covered = _merged_length([(a, b) for a, b in kids if b > a])
        timing.self_time[sid] = max(0, (e - s) - covered)


def _sanitized_children(
    trace: Trace, timing: Timing
) -> tuple[dict[str, list[str]], dict[str, int], dict[str, int], dict[str, str]]:
    """Children clamped into their parent (dropped when wholly outside), sorted by end, descending."""
    start: dict[str, int] = {}
    end: dict[str, int] = {}
    kids: dict[str, list[str]] = {}
    parent: dict[str, str] = {}
    # From the real root(s), as Jaeger UI does: an orphan's place in the tree is unknown.
    real = [r for r in trace.roots if not r.parent_id]
    roots = [r.span_id for r in real or trace.roots if r.span_id in timing.start]
    start[_ROOT] = min((timing.start[r] for r in roots), default=0)
    end[_ROOT] = max((timing.end[r] for r in roots), default=0)
    stack: list[tuple[str, list[Span]]] = [(_ROOT, [trace.by_id[r] for r in roots])]
    while stack:
        pid, children = stack.pop()
        ps, pe = start[pid], end[pid]
        mine = []
        for child in children:
            cid = child.span_id
            cs, ce = timing.start[cid], timing.end[cid]
            if cid in start or ce < ps or cs > pe:
                continue  # wholly outside its parent (or seen twice): not on any path
            start[cid], end[cid] = max(cs, ps), min(ce, pe)
            parent[cid] = pid
            mine.append(cid)
            stack.append((cid, trace.children.get(cid, [])))
        kids[pid] = sorted(mine, key=lambda c: (end[c], start[c]), reverse=True)
    return kids, start, end, parent


def compute_critical_path(trace: Trace, timing: Timing) -> None:
    """Fill `timing.critical` (ns of critical-path time per span) and `timing.on_path`."""
    kids, start, end, parent = _sanitized_children(trace, timing)
    visited: set[str] = set()
    cur, bound = _ROOT, end[_ROOT]
    guard = 4 * (len(start) + 1)
    while guard > 0:
        guard -= 1
        nxt = next((c for c in kids.get(cur, ()) if c not in visited and end[c] <= bound), None)
        if nxt is not None:
            if cur != _ROOT and bound > end[nxt]:
                timing.critical[cur] = timing.critical.get(cur, 0) + bound - end[nxt]
            visited.add(nxt)
            timing.on_path.add(nxt)
            cur, bound = nxt, end[nxt]
            continue
        if cur == _ROOT:
            break
        if bound > start[cur]:
            timing.critical[cur] = timing.critical.get(cur, 0) + bound - start[cur]
        cur, bound = parent[cur], start[cur]


def analyse(trace: Trace) -> Timing:
    """Clock skew, self times and the critical path in one pass set."""
    timing = adjust_clock_skew(trace)
    compute_self_times(trace, timing)
    compute_critical_path(trace, timing)
    return timing


@dataclass
class SummaryRow:
    service: str
    operation: str
    count: int = 0
    errors: int = 0
    total: int = 0
    self_time: int = 0
    critical: int = 0


def summarize(trace: Trace, timing: Timing) -> list[SummaryRow]:
    """Self time, count, errors and critical-path time per service and operation, most self first."""
    rows: dict[tuple[str, str], SummaryRow] = {}
    for s in trace.spans:
        row = rows.setdefault((s.service, s.operation), SummaryRow(s.service, s.operation))
        row.count += 1
        row.errors += int(s.error)
        row.total += s.duration
        row.self_time += timing.self_time.get(s.span_id, 0)
        row.critical += timing.critical.get(s.span_id, 0)
    return sorted(rows.values(), key=lambda r: (-r.self_time, r.service, r.operation))

