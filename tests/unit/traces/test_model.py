"""Reading every trace shape into one model, ids, and lossless re-export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obsctl.core.errors import UsageError
from obsctl.traces.critical_path import analyse
from obsctl.traces.diagnosis import diagnose
from obsctl.traces.export import to_jaeger, to_otlp
from obsctl.traces.load import load_file, traces_from_documents
from tests.fakes.sdk_traces import checkout_trace, trace_id_of

FIX = Path(__file__).parents[2] / "fixtures" / "jaeger"


def test_otlp_bare_wrapped_and_json_lines_read_the_same(tmp_path: Path):
    doc = checkout_trace()
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(doc))
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"result": doc}))
    lines = tmp_path / "lines.jsonl"
    lines.write_text("\n".join(json.dumps({"resourceSpans": [rs]}) for rs in doc["resourceSpans"]) + "\n")
    shapes = [
        [(s.span_id, s.service, s.duration) for s in load_file(str(p))[0].spans]
        for p in (bare, wrapped, lines)
    ]
    assert shapes[0] == shapes[1] == shapes[2]
    assert len(shapes[0]) == 9


def test_sdk_trace_model():
    trace = traces_from_documents([checkout_trace()])[0]
    by_op = {s.operation: s for s in trace.spans}
    assert by_op["GetPrice"].error and by_op["GetPrice"].error_message() == "deadline exceeded"
    assert by_op["GetPrice"].kind == "server"
    assert by_op["render"].links[0].span_id == by_op["auth"].span_id
    assert by_op["auth"].attributes == {"user.id": 42}
    assert trace.services() == ["cart", "frontend", "mailer", "pricing", "pricing-db"]


def test_caller_giving_up_points_at_the_span_that_held_the_time():
    trace = traces_from_documents([checkout_trace()])[0]
    diag = diagnose(trace, analyse(trace))
    gave_up = [f for f in diag.findings if f.kind == "gave_up"]
    assert [(f.span.operation, f.cause.operation if f.cause else None) for f in gave_up] == [
        ("GetPrice", "SELECT prices")
    ]
    assert "a caller giving up, the time was held by pricing-db SELECT prices" in gave_up[0].why
    assert diag.findings[0].span.operation == "SELECT prices"


def test_sibling_errors_name_each_root_cause_not_the_callers():
    trace = load_file(str(FIX / "otlp" / "sibling_errors_trace.json"))[0]
    diag = diagnose(trace, analyse(trace))
    causes = [(f.span.service, f.why) for f in diag.findings if f.kind == "error"]
    assert causes == [
        ("payment", "payment declined: card processor rejected transaction"),
        ("email", "order not found"),
    ]


def test_jaeger_refs_warnings_types_and_orphans():
    trace = load_file(str(FIX / "v1" / "trace_ui_model_types_refs_warnings.json"))[0]
    assert trace.trace_id == "0" * 31 + "1"
    assert any("duplicate span id" in w for w in trace.warnings)
    assert any(s.links for s in trace.spans)


def test_same_format_reexport_is_lossless():
    hotrod = json.loads((FIX / "v3" / "get_trace_hotrod_40spans_6services.json").read_text())
    trace = traces_from_documents([hotrod])[0]
    assert to_otlp([trace]) == hotrod["result"]
    raw = json.loads((FIX / "v1" / "traces_response_compact_3services.json").read_text())
    jtrace = traces_from_documents([raw])[0]
    assert to_jaeger([jtrace])["data"] == raw["data"]


def test_cross_format_conversion_keeps_the_tree():
    doc = checkout_trace()
    trace = traces_from_documents([doc])[0]
    again = traces_from_documents([to_jaeger([trace])])[0]
    assert again.trace_id == trace_id_of(doc)
    key = [
        (
            s.span_id,
            s.parent_id,
            s.service,
            s.operation,
            s.start // 1000,
            s.duration // 1000,
            s.status,
            s.kind,
        )
        for s in trace.spans
    ]
    assert [
        (
            s.span_id,
            s.parent_id,
            s.service,
            s.operation,
            s.start // 1000,
            s.duration // 1000,
            s.status,
            s.kind,
        )
        for s in again.spans
    ] == key
    back = traces_from_documents([to_otlp([again])])[0]
    assert [(s.span_id, s.parent_id, s.operation, s.status) for s in back.spans] == [
        k[:2] + k[3:4] + k[6:7] for k in key
    ]


def test_bad_files(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceSpans": [')
    with pytest.raises(UsageError, match="invalid JSON at line 1"):
        load_file(str(bad))
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    with pytest.raises(UsageError, match="holds no trace"):
        load_file(str(empty))
    with pytest.raises(UsageError, match="cannot read"):
        load_file(str(tmp_path / "missing.json"))
