"""The waterfall's exact text: tree, bars on one axis, notes, errors, colour only when asked."""

from __future__ import annotations

from obsctl.traces.client import Dependency
from obsctl.traces.critical_path import analyse
from obsctl.traces.model import Event, Link, Span, Trace
from obsctl.traces.search_view import deps_tree
from obsctl.traces.waterfall import WaterfallOptions, render, service_color, span_detail

MS = 1_000_000
TID = "ab" * 16


def trace() -> Trace:
    def span(sid, parent, start, end, service="api", **kw):
        return Span(TID, sid, parent, service, f"op-{sid}", start * MS, (end - start) * MS, **kw)

    return Trace(
        TID,
        [
            span("a", None, 0, 100, kind="server"),
            span(
                "b",
                "a",
                10,
                50,
                "db",
                kind="client",
                status="error",
                status_message="deadlock",
                events=[Event("exception", 50 * MS, {"exception.message": "tx aborted"})],
            ),
            span("c", "a", 60, 90, follows_from=True, links=[Link(TID, "b")]),
            span("d", "c", 55, 65),  # starts before its parent: clock skew, centred in it (+15ms)
            span("o", "ffffffffffffffff", 20, 30, "worker"),
        ],
    )


def test_plain_waterfall_without_bars():
    t = trace()
    lines = render(t, analyse(t), WaterfallOptions(width=80, bars=False))
    assert lines == [
        f"trace {TID}  api op-a  100ms  5 spans  3 services  1 errors  1970-01-01T00:00:00.000Z",
        " api op-a           100ms  server",
        " ├─ db op-b        40.0ms  client",
        "       ✗ deadlock: tx aborted",
        " └─ api op-c       30.0ms  [follows-from; 1 link]",
        "    └─ api op-d    10.0ms  [clock skew: shifted +15.0ms]",
        " worker op-o       10.0ms  [orphan: parent ffffffffffffffff not in trace]",
    ]


def test_bars_share_one_axis_and_mark_the_critical_path():
    t = trace()
    lines = render(t, analyse(t), WaterfallOptions(width=60, bars=True, critical=True))
    root, b = lines[2], lines[3]
    assert root.startswith("◆api op-a") and " █" in root and "█ server" in root
    width = root.count("█")
    assert b.count("█") in (round(width * 0.4), round(width * 0.4) + 1)  # 40 of 100ms
    assert b.startswith("◆├─ db op-b")  # a then b then a: b ends before c starts
    assert "░" in lines[-1]  # the orphan is off the path
    assert all("\x1b[" not in line for line in lines)


def test_colour_only_when_asked_errors_in_red():
    t = trace()
    lines = render(t, analyse(t), WaterfallOptions(width=80, bars=True, color=True))
    assert f"\x1b[38;5;{service_color('api')}mapi\x1b[0m" in lines[2]
    assert "\x1b[31m✗ deadlock: tx aborted\x1b[0m" in "\n".join(lines)
    assert service_color("api") == service_color("api") and service_color("db") != 31


def test_filters_and_span_detail():
    t = trace()
    timing = analyse(t)
    lines = render(t, timing, WaterfallOptions(width=80, bars=False, service="db"))
    assert [line for line in lines if "─" in line] == [" ├─ db op-b    40.0ms  client"]
    assert lines[-1] == "(4 of 5 spans hidden by --depth/--service/--min-duration)"
    detail = span_detail(t, t.by_id["b"], timing)
    assert "status     error: deadlock: tx aborted" in detail
    assert "  +40.0ms exception  exception.message=tx aborted" in detail


def test_deps_tree_marks_cycles():
    deps = [Dependency("a", "b", 2), Dependency("b", "c", 1), Dependency("c", "b", 1)]
    assert deps_tree(deps) == ["a", "└─ b (2 calls)", "   └─ c (1 calls)", "      └─ b (1 calls) ↺"]
