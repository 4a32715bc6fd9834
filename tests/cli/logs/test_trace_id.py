"""`--trace-id` finds a trace's lines whatever the mapping: ECS, the OTel Collector ES exporter in
otel and ecs modes (fixtures), opentelemetry-instrumentation-logging, Filebeat `json.*` and the
seed's formatter (produced live by producers.py), all under one index pattern; and in a file
written by the seed's formatter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.logs.producers import filebeat_event, otel_instrumented_lines, seed_lines
from tests.fakes.elasticsearch import FLAVORS, fixture_json

FIXTURE_TRACE = "0102030405060708090a0b0c0d0e0f10"


@pytest.fixture(scope="module")
def produced() -> dict[str, tuple[list[dict], str]]:
    return {"seed": seed_lines(), "otel": otel_instrumented_lines()}


def _load(es, produced) -> None:
    es.add_documents("logs-ecs", [fixture_json("ecs_logs/otelcol_es_exporter_ecs_mode_log_doc.json")])
    es.add_documents(
        "logs-otel",
        [fixture_json("ecs_logs/otelcol_es_exporter_otel_mode_log_doc.json")],
        mappings={"@timestamp": "date"},
    )
    seed, _ = produced["seed"]
    es.add_documents("logs-seed", seed)
    otel, _ = produced["otel"]
    es.add_documents("logs-instr", otel)
    es.add_documents("logs-filebeat", [filebeat_event(doc, json.dumps(doc)) for doc in seed])


@pytest.mark.parametrize("flavor", FLAVORS)
def test_trace_id_ors_every_trace_field_present(make_fake_es, run_cli, produced, flavor):
    es = make_fake_es(flavor)
    _load(es, produced)
    env = {"OBSCTL_ELASTICSEARCH_URL": es.url}
    result = run_cli(["logs", "search", "--trace-id", FIXTURE_TRACE.upper(), "-o", "jsonl"], env=env)
    assert result.exit_code == 0, result.stderr
    got = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(r["index"] for r in got) == ["logs-ecs", "logs-otel"]
    assert {r["message"] for r in got} == {"User authentication failed"}
    assert {r["service"] for r in got} == {"my-service"}

    seed_trace = produced["seed"][1]
    result = run_cli(
        ["logs", "search", "--trace-id", f"00-{seed_trace}-0102030405060708-01", "-o", "jsonl"], env=env
    )
    got = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted((r["index"], r["message"]) for r in got) == [
        ("logs-filebeat", "charging card"),
        ("logs-filebeat", "payment failed"),
        ("logs-seed", "charging card"),
        ("logs-seed", "payment failed"),
    ]
    assert {r["level"] for r in got} == {"INFO", "ERROR"}

    otel_trace = produced["otel"][1]
    result = run_cli(["logs", "search", "--trace-id", otel_trace, "-o", "jsonl"], env=env)
    got = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["index"], r["service"], r["trace_id"]) for r in got] == [
        ("logs-instr", "inventory", otel_trace)
    ]


def test_all_zero_trace_id_is_no_trace(make_fake_es, run_cli, produced):
    es = make_fake_es("es8")
    _load(es, produced)
    result = run_cli(
        ["logs", "search", "--service", "x", "-o", "jsonl", "-i", "logs-seed"],
        env={"OBSCTL_ELASTICSEARCH_URL": es.url},
    )
    assert result.exit_code == 0
    result = run_cli(
        ["logs", "search", "-o", "jsonl", "-i", "logs-seed"], env={"OBSCTL_ELASTICSEARCH_URL": es.url}
    )
    outside = [json.loads(x) for x in result.stdout.splitlines() if "outside any span" in x]
    assert outside and outside[0]["trace_id"] is None
    bad = run_cli(["logs", "search", "--trace-id", "0" * 32], env={"OBSCTL_ELASTICSEARCH_URL": es.url})
    assert bad.exit_code == 2 and "no trace" in bad.stderr


def test_trace_id_in_a_seed_format_file(tmp_path: Path, run_cli, produced):
    lines, trace = produced["seed"]
    path = tmp_path / "app.log"
    path.write_text("".join(json.dumps(doc) + "\n" for doc in lines))
    result = run_cli(["logs", "search", "--file", str(path), "--trace-id", trace.upper(), "-o", "jsonl"])
    assert result.exit_code == 0, result.stderr
    got = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["message"] for r in got] == ["charging card", "payment failed"]
    assert got[0]["timestamp"].endswith("Z")  # naive UTC read as UTC
    assert got[0]["timestamp"][:19] == lines[0]["timestamp"][:19]


@pytest.mark.parametrize("bad", ["xyz", "0102", "g" * 32, "00-zz-01"])
def test_bad_trace_ids_are_usage_errors(run_cli, tmp_path, bad):
    path = tmp_path / "a.log"
    path.write_text("hello\n")
    result = run_cli(["logs", "search", "--file", str(path), "--trace-id", bad])
    assert result.exit_code == 2
    assert "not a trace id" in result.stderr
