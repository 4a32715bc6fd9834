"""`traces get ID --logs`: log lines placed under the span that wrote them, from files and from the
context's Elasticsearch through the logs search layer."""

# ruff: noqa: F811 - pytest fixtures are imported by name and then requested as arguments
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from tests.fakes import make_fake_es  # noqa: F401 - pytest fixture
from tests.fakes.sdk_traces import BASE, MS, checkout_trace, trace_id_of


def _seed_line(ms: float, level: str, message: str, trace_id: str | None, span_id: str | None) -> str:
    """A line exactly as the seed's StructuredFormatter writes it (naive UTC isoformat timestamp)."""
    stamp = datetime.fromtimestamp((BASE + ms * MS) / 1e9, timezone.utc).replace(tzinfo=None).isoformat()
    entry = {
        "timestamp": stamp,
        "level": level,
        "logger": "shop.pricing",
        "message": message,
        "module": "pricing",
        "function": "get_price",
        "line": 42,
    }
    if trace_id is not None:
        entry["trace_id"], entry["span_id"] = trace_id, span_id
    return json.dumps(entry)


def test_seed_format_log_file_joins_under_spans(run_cli, tmp_path: Path):
    doc = checkout_trace()
    trace_file = tmp_path / "trace.json"
    trace_file.write_text(json.dumps(doc))
    tid = trace_id_of(doc)
    spans = {
        s["name"]: s["spanId"] for rs in doc["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]
    }
    log = tmp_path / "app.log"
    log.write_text(
        "\n".join(
            [
                _seed_line(100, "INFO", "querying prices", tid, spans["SELECT prices"]),
                _seed_line(850, "ERROR", "price lookup timed out", tid, spans["GetPrice"]),
                _seed_line(950, "INFO", "rendering without a span id", tid, "0" * 16),
                _seed_line(500, "INFO", "another trace", "1" * 32, "2" * 16),
                _seed_line(500, "INFO", "no trace at all", "0" * 32, "0" * 16),
                "not json at all",
            ]
        )
        + "\n"
    )
    result = run_cli(["traces", "get", tid, "--file", str(trace_file), "--log-file", str(log)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = {
        name: next(i for i, line in enumerate(lines) if f" {name}" in line and "▸" not in line)
        for name in spans
    }
    assert lines[at["GetPrice"] + 2].strip() == "▸ +780ms ERROR [shop.pricing] price lookup timed out"
    assert lines[at["SELECT prices"] + 1].strip() == "▸ +25.0ms INFO [shop.pricing] querying prices"
    assert lines[at["render"] + 1].strip() == "▸ +50.0ms INFO [shop.pricing] rendering without a span id"
    assert "another trace" not in result.stdout and "no trace at all" not in result.stdout
    doc_json = json.loads(
        run_cli(
            ["traces", "get", tid, "--file", str(trace_file), "--log-file", str(log), "-o", "json"]
        ).stdout
    )
    price = next(s for s in doc_json["spans"] if s["operation"] == "GetPrice")
    assert price["logs"] == ["▸ +780ms ERROR [shop.pricing] price lookup timed out"]


def test_otlp_log_lines_saved_by_listen_join_too(run_cli, tmp_path: Path):
    doc = checkout_trace()
    tid = trace_id_of(doc)
    root = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][-1]
    logs = {
        "resourceLogs": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "frontend"}}]},
                "scopeLogs": [
                    {
                        "scope": {"name": "frontend.app"},
                        "logRecords": [
                            {
                                "timeUnixNano": str(BASE + 5 * MS),
                                "severityText": "WARN",
                                "body": {"stringValue": "slow client"},
                                "traceId": tid,
                                "spanId": root["spanId"],
                            }
                        ],
                    }
                ],
            }
        ]
    }
    saved = tmp_path / "telemetry.jsonl"
    saved.write_text(json.dumps(doc) + "\n" + json.dumps(logs) + "\n")
    result = run_cli(["traces", "get", tid, "--file", str(saved), "--log-file", str(saved)])
    assert result.exit_code == 0, result.output
    assert "▸ +5.00ms WARN [frontend.app] slow client" in result.stdout


def test_no_matching_log_lines_says_so(run_cli, tmp_path: Path):
    doc = checkout_trace()
    trace_file = tmp_path / "trace.json"
    trace_file.write_text(json.dumps(doc))
    log = tmp_path / "empty.log"
    log.write_text("")
    result = run_cli(["traces", "get", "--file", str(trace_file), "--log-file", str(log)])
    assert result.exit_code == 0
    assert f"no log lines carry trace id {trace_id_of(doc)}" in result.stderr
    missing = run_cli(["traces", "get", "--file", str(trace_file), "--log-file", str(tmp_path / "nope.log")])
    assert missing.exit_code == 2
    assert "cannot read log file" in missing.stderr or "nope.log" in missing.stderr


def test_logs_from_the_context_elasticsearch(run_cli, make_fake_es, tmp_path: Path):
    doc = checkout_trace()
    tid = trace_id_of(doc)
    spans = {
        s["name"]: s["spanId"] for rs in doc["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]
    }
    trace_file = tmp_path / "trace.json"
    trace_file.write_text(json.dumps(doc))
    seed = [
        json.loads(_seed_line(850, "ERROR", "price lookup timed out", tid, spans["GetPrice"])),
        json.loads(_seed_line(100, "INFO", "querying prices", tid, spans["SELECT prices"])),
        json.loads(_seed_line(100, "INFO", "someone else's trace", "1" * 32, "2" * 16)),
    ]
    es = make_fake_es("es8", documents={"logs-shop": seed})
    result = run_cli(
        ["traces", "get", tid, "--file", str(trace_file), "--logs"], env={"OBSCTL_ELASTICSEARCH_URL": es.url}
    )
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert "▸ +780ms ERROR [shop.pricing] price lookup timed out" in lines
    assert "▸ +25.0ms INFO [shop.pricing] querying prices" in lines
    assert "someone else's trace" not in result.stdout
    assert any(r.path.endswith("/_search") for r in es.requests)


def test_logs_without_a_source_is_exit_2_naming_log_file(run_cli, tmp_path: Path):
    trace_file = tmp_path / "trace.json"
    trace_file.write_text(json.dumps(checkout_trace()))
    result = run_cli(["traces", "get", "--file", str(trace_file), "--logs"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "hint: set the context's Elasticsearch (OBSCTL_ELASTICSEARCH_URL) or pass --log-file PATH"
    )
