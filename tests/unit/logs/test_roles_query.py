"""Field roles per mapping, filters as ES queries, trace-id parsing, level ranks."""

from __future__ import annotations

import pytest

from obsctl.core.errors import UsageError
from obsctl.logs.client import Flavor, parse_flavor
from obsctl.logs.query import Filters, es_query, level_spellings, parse_trace_id, record_predicate
from obsctl.logs.record import LogRecord, lookup
from obsctl.logs.roles import detect_roles, roles_for_document, to_record
from tests.fakes.elasticsearch import fixture_json


def caps(**fields: str) -> dict:
    return {name: {kind: {"type": kind, "aggregatable": kind != "text"}} for name, kind in fields.items()}


ECS = caps(
    **{
        "@timestamp": "date",
        "message": "text",
        "log.level": "keyword",
        "service.name": "keyword",
        "trace.id": "keyword",
        "span.id": "keyword",
        "host.name": "keyword",
        "event.ingested": "date",
    }
)
OTEL = caps(
    **{
        "@timestamp": "date_nanos",
        "body.text": "text",
        "severity_text": "keyword",
        "severity_number": "long",
        "resource.attributes.service.name": "keyword",
        "trace_id": "keyword",
        "span_id": "keyword",
    }
)
INSTR = caps(
    **{
        "timestamp": "date",
        "message": "text",
        "levelname": "text",
        "levelname.keyword": "keyword",
        "otelTraceID": "text",
        "otelTraceID.keyword": "keyword",
        "otelSpanID": "text",
        "otelServiceName": "text",
    }
)
FILEBEAT = caps(
    **{
        "@timestamp": "date",
        "json.message": "text",
        "json.level": "text",
        "json.trace_id": "text",
        "json.trace_id.keyword": "keyword",
        "json.span_id": "text",
        "json.logger": "text",
    }
)
SEED = caps(
    **{
        "timestamp": "date",
        "message": "text",
        "level": "text",
        "level.keyword": "keyword",
        "logger": "text",
        "trace_id": "text",
        "trace_id.keyword": "keyword",
        "span_id": "text",
    }
)


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        (
            ECS,
            {
                "timestamp": "@timestamp",
                "message": "message",
                "level": "log.level",
                "service": "service.name",
                "trace_id": "trace.id",
                "span_id": "span.id",
                "host": "host.name",
                "ingested": "event.ingested",
            },
        ),
        (
            OTEL,
            {
                "timestamp": "@timestamp",
                "message": "body.text",
                "level": "severity_text",
                "service": "resource.attributes.service.name",
                "trace_id": "trace_id",
                "span_id": "span_id",
            },
        ),
        (
            INSTR,
            {
                "timestamp": "timestamp",
                "message": "message",
                "level": "levelname",
                "service": "otelServiceName",
                "trace_id": "otelTraceID",
                "span_id": "otelSpanID",
            },
        ),
        (
            FILEBEAT,
            {
                "timestamp": "@timestamp",
                "message": "json.message",
                "level": "json.level",
                "trace_id": "json.trace_id",
                "span_id": "json.span_id",
                "logger": "json.logger",
            },
        ),
        (
            SEED,
            {
                "timestamp": "timestamp",
                "message": "message",
                "level": "level",
                "logger": "logger",
                "trace_id": "trace_id",
                "span_id": "span_id",
            },
        ),
    ],
    ids=["ecs", "otel-exporter-otel-mode", "instrumentation-logging", "filebeat-json", "seed"],
)
def test_roles_per_mapping(mapping, expected):
    roles = detect_roles(mapping)
    assert {role: roles.name(role) for role in expected} == expected
    assert roles.follow_field == ("event.ingested" if "event.ingested" in mapping else expected["timestamp"])


def test_overrides_win_and_trace_fields_are_ored_with_keyword_or_phrase():
    roles = detect_roles({**SEED, **ECS}, {"timestamp": "timestamp"})
    assert roles.timestamp == "timestamp"
    query = es_query(Filters(trace_ids=("ab" * 16,)), roles)
    clause = query["bool"]["filter"][0]
    assert clause == {
        "bool": {
            "should": [{"terms": {"trace.id": ["ab" * 16]}}, {"terms": {"trace_id.keyword": ["ab" * 16]}}],
            "minimum_should_match": 1,
        }
    }
    text_only = detect_roles(caps(**{"@timestamp": "date", "otelTraceID": "text"}))
    assert es_query(Filters(trace_ids=("cd" * 16,)), text_only)["bool"]["filter"] == [
        {"match_phrase": {"otelTraceID": "cd" * 16}}
    ]


def test_level_at_or_above_uses_spellings_and_severity_number():
    clause = es_query(Filters(level="warn"), detect_roles(OTEL))["bool"]["filter"][0]
    terms, severity = clause["bool"]["should"]
    assert "WARN" in terms["terms"]["severity_text"] and "error" in terms["terms"]["severity_text"]
    assert "info" not in terms["terms"]["severity_text"] and "INFO" not in level_spellings("warn")
    assert severity == {"range": {"severity_number": {"gte": 13}}}


def test_parse_trace_id_forms():
    assert parse_trace_id("4BF92F3577B34DA6A3CE929D0E0E4736") == ["4bf92f3577b34da6a3ce929d0e0e4736"]
    assert parse_trace_id("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") == [
        "4bf92f3577b34da6a3ce929d0e0e4736"
    ]
    assert parse_trace_id("a3ce929d0e0e4736") == ["a3ce929d0e0e4736", "0000000000000000a3ce929d0e0e4736"]
    for bad in ("", "xyz", "4bf92f3577b34da6a3ce929d0e0e473", "0" * 32):
        with pytest.raises(UsageError):
            parse_trace_id(bad)


def test_records_from_fixture_documents():
    otel = fixture_json("ecs_logs/otelcol_es_exporter_otel_mode_log_doc.json")
    rec = to_record(otel, detect_roles(OTEL))
    assert (rec.message, rec.level, rec.service, rec.trace_id) == (
        "User authentication failed",
        "ERROR",
        "my-service",
        "0102030405060708090a0b0c0d0e0f10",
    )
    assert rec.ts is not None and rec.ts.isoformat().startswith("2024-03-12T20:00:41.123")
    stdlib = fixture_json("ecs_logs/ecs_python_stdlib_log.json")
    assert lookup(stdlib, "log.origin.file.line") == 14 and lookup(stdlib, "log.level") == "debug"
    rec = to_record(stdlib, roles_for_document(stdlib))
    assert (rec.level, rec.logger, rec.message) == ("debug", "app", "Example message!")


def test_file_predicate_query_words_fields_negation_and_or():
    rec = LogRecord(
        ts=None,
        message="payment failed: card declined",
        level="ERROR",
        service="checkout",
        source={"http": {"status": 502}},
    )
    for query, keep in [
        ("payment declined", True),
        ("payment -declined", False),
        ("refund OR card", True),
        ("http.status:502", True),
        ("http.status:500", False),
        ('"card declined"', True),
    ]:
        assert record_predicate(Filters(query=query))(rec) is keep, query
    assert record_predicate(Filters(level="warn", services=("CHECKOUT",)))(rec)
    assert not record_predicate(Filters(level="fatal"))(rec)


@pytest.mark.parametrize(
    ("fixture", "distribution", "major", "headers_media"),
    [
        ("info/es_8.12.1_root.json", "elasticsearch", 8, "compatible-with=8"),
        ("info/es_9.1.0_root.json", "elasticsearch", 9, "compatible-with=9"),
        ("info/opensearch_2.13.0_root.json", "opensearch", 2, "application/json"),
    ],
)
def test_flavor_from_root(fixture, distribution, major, headers_media):
    flavor = parse_flavor(fixture_json(fixture))
    assert (flavor.distribution, flavor.major, flavor.has_pit) == (distribution, major, True)
    assert (
        headers_media in flavor.headers()["Accept"]
        and flavor.headers()["Accept"] == flavor.headers()["Content-Type"]
    )
    assert Flavor("elasticsearch", (7, 17, 18)).headers()["Accept"] == "application/json"
    assert not Flavor("opensearch", (2, 3, 0)).has_pit and not Flavor("opensearch", (2, 13)).has_shard_doc
