"""Critical path, self time and clock skew on hand-made traces whose answers are worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from obsctl.traces.critical_path import analyse, summarize
from obsctl.traces.diagnosis import diagnose
from obsctl.traces.load import load_file
from obsctl.traces.model import Span, Trace

FIX = Path(__file__).parents[2] / "fixtures" / "jaeger"
MS = 1_000_000


def mk(*spans: tuple[str, str | None, float, float]) -> Trace:
    """Spans as (id, parent id, start ms, end ms); service "svc", operation = id."""
    return Trace(
        "0" * 31 + "1",
        [
            Span("0" * 31 + "1", sid, parent, "svc", sid, int(start * MS), int((end - start) * MS))
            for sid, parent, start, end in spans
        ],
    )


def critical_ms(trace: Trace) -> dict[str, float]:
    timing = analyse(trace)
    return {sid: ns / MS for sid, ns in sorted(timing.critical.items())}


def test_sequential_children_share_the_path_with_the_gaps_in_the_parent():
    t = mk(("a", None, 0, 100), ("b", "a", 10, 40), ("c", "a", 50, 90))
    assert critical_ms(t) == {"a": 30, "b": 30, "c": 40}


def test_concurrent_children_only_the_last_to_finish_is_critical():
    t = mk(("a", None, 0, 100), ("b", "a", 10, 90), ("c", "a", 20, 60))
    assert critical_ms(t) == {"a": 20, "b": 80}
    assert "c" not in analyse(t).on_path


def test_overlapping_children_an_earlier_child_still_running_is_not_on_the_path():
    t = mk(("a", None, 0, 100), ("b", "a", 10, 50), ("c", "a", 40, 90))
    assert critical_ms(t) == {"a": 50, "c": 50}


def test_child_outliving_its_parent_is_clamped_to_the_parent():
    t = mk(("a", None, 0, 100), ("b", "a", 10, 50), ("d", "b", 20, 80))
    assert critical_ms(t) == {"a": 60, "b": 10, "d": 30}
    timing = analyse(t)
    assert timing.self_time["b"] == 10 * MS  # 40ms, of which d covers 30ms
    assert timing.self_time["d"] == 60 * MS  # self time is not clamped, only the path


def test_back_to_back_children_chain():
    t = mk(("a", None, 0, 60), ("b", "a", 0, 30), ("c", "a", 30, 60))
    assert critical_ms(t) == {"b": 30, "c": 30}
    assert analyse(t).on_path == {"a", "b", "c"}


def test_orphans_stay_off_the_path_of_the_real_root():
    t = mk(("a", None, 0, 100), ("o", "ffffffffffffffff", 50, 150))
    assert t.orphans == {"o"}
    assert critical_ms(t) == {"a": 100}


def test_only_orphans_the_latest_chain_wins():
    t = mk(("x", "1111111111111111", 0, 40), ("y", "2222222222222222", 10, 90), ("z", "y", 20, 30))
    assert critical_ms(t) == {"y": 70, "z": 10}


def test_deep_trace_does_not_recurse():
    n = 5000
    spans = [("s0", None, 0.0, float(2 * n))] + [
        (f"s{i}", f"s{i - 1}", float(i), float(2 * n - i)) for i in range(1, n)
    ]
    timing = analyse(mk(*spans))
    assert len(timing.on_path) == n


def test_clock_skew_child_before_parent_is_centred_and_flagged():
    t = mk(("a", None, 100, 200), ("b", "a", 80, 120), ("c", "b", 90, 100))
    timing = analyse(t)
    assert timing.skew == {"b": 50 * MS}  # centred: (100 - 40) / 2 after the parent's start
    assert (timing.start["b"], timing.end["b"]) == (130 * MS, 170 * MS)
    assert timing.start["c"] == 140 * MS  # the subtree moves with it
    assert "c" not in timing.skew


def test_longer_child_before_parent_is_aligned_to_the_parent_start():
    t = mk(("a", None, 100, 150), ("b", "a", 90, 180))
    timing = analyse(t)
    assert timing.skew == {"b": 10 * MS}


def test_summary_per_service_and_operation():
    t = mk(("a", None, 0, 100), ("b", "a", 10, 40), ("b2", "a", 50, 90))
    for s in t.spans:
        if s.span_id == "b2":
            s.operation = "b"
    rows = summarize(t, analyse(t))
    assert [(r.operation, r.count, r.self_time // MS, r.critical // MS) for r in rows] == [
        ("b", 2, 70, 70),
        ("a", 1, 30, 30),
    ]


def test_hotrod_fixture_critical_path_and_diagnosis():
    trace = load_file(str(FIX / "v3" / "get_trace_hotrod_40spans_6services.json"))[0]
    timing = analyse(trace)
    names = {(trace.by_id[s].service, trace.by_id[s].operation) for s in timing.on_path}
    assert ("mysql", "SQL SELECT") in names
    assert ("frontend", "GET /dispatch") in names
    # The critical path covers the whole trace exactly once.
    assert sum(timing.critical.values()) == timing.trace_end - timing.trace_start
    diag = diagnose(trace, timing)
    slow = diag.findings[0]
    assert (slow.kind, slow.span.service, slow.span.operation) == ("slowest", "mysql", "SQL SELECT")
    errors = [f for f in diag.findings if f.kind == "error"]
    assert [f.why for f in errors] == ["An error occurred: redis timeout"] * 3
    assert diag.line.endswith(
        "3 error spans, cause: redis-manual GetDriver: An error occurred: redis timeout (×3)"
    )


@pytest.mark.parametrize(
    "name",
    [
        "otlp/hotrod_trace_40spans_concurrent.json",
        "v1/trace_petclinic_17spans_2services.json",
        "v1/trace_genai_57spans_10services.json",
    ],
)
def test_path_covers_the_trace_once(name: str):
    trace = load_file(str(FIX / name))[0]
    timing = analyse(trace)
    assert sum(timing.critical.values()) == timing.trace_end - timing.trace_start
    assert trace.root is not None and trace.root.span_id in timing.on_path
