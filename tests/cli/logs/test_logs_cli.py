"""`obsctl logs` end to end in-process against the fake ES (real sockets) and files."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest


def test_no_source_says_how_to_set_one(run_cli):
    result = run_cli(["logs", "tail"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "obsctl: error: no log source: no context and no OBSCTL_ELASTICSEARCH_URL",
        "hint: set an Elasticsearch URL (OBSCTL_ELASTICSEARCH_URL, or `obsctl config set-context NAME "
        "--elasticsearch-url URL`) or read files with --file PATH (- for stdin)",
    ]


def test_tail_last_n_oldest_first_and_search_count_stats(fake_es, run_cli):
    env = {"OBSCTL_ELASTICSEARCH_URL": fake_es.url}
    result = run_cli(["logs", "tail", "-n", "3", "-o", "logfmt"], env=env)
    assert result.exit_code == 0, result.stderr
    assert [line.split(" ")[0] for line in result.stdout.splitlines()] == [
        "ts=2023-10-14T02:15:54.768000Z",
        "ts=2024-03-12T20:00:41.123456Z",
        "ts=2024-03-12T20:00:41.123457Z",
    ]
    assert run_cli(["logs", "search", "--count", "--level", "error"], env=env).stdout == "3\n"
    stats = run_cli(["logs", "search", "--stats", "log.level", "-o", "json"], env=env)
    assert json.loads(stats.stdout)["values"][0] == {"value": "info", "count": 4, "percent": 50.0}
    hist = run_cli(
        [
            "logs",
            "search",
            "--histogram",
            "1h",
            "--from",
            "2023-10-14T00:00:00Z",
            "--to",
            "2023-10-15T00:00:00Z",
        ],
        env=env,
    )
    assert hist.stdout.splitlines() == ["2023-10-14T02:00:00Z\t5"]


@pytest.mark.parametrize("flavor", ["es7", "es9", "opensearch"])
def test_search_all_streams_every_match_with_pit(make_fake_es, run_cli, flavor):
    es = make_fake_es(flavor)
    es.add_documents(
        "logs-big",
        [
            {"@timestamp": f"2026-12-02T10:00:{i // 100:02d}Z", "message": f"m{i}", "n": i}
            for i in range(2500)
        ],
    )
    result = run_cli(
        ["logs", "search", "--all", "-o", "jsonl", "--fields", "n"], env={"OBSCTL_ELASTICSEARCH_URL": es.url}
    )
    assert result.exit_code == 0, result.stderr
    got = [json.loads(line)["source"]["n"] for line in result.stdout.splitlines()]
    assert sorted(got) == list(range(2500)) and len(got) == 2500
    assert es.open_contexts == 0  # the PIT was closed


def test_errors_map_to_exit_codes(make_fake_es, run_cli):
    es = make_fake_es("es8", auth=("elastic", "secret"))
    result = run_cli(["logs", "search"], env={"OBSCTL_ELASTICSEARCH_URL": es.url})
    assert result.exit_code == 4 and "401" in result.stderr
    ok = make_fake_es("es8", ecs_logs=True)
    bad = run_cli(["logs", "search", "level:(error"], env={"OBSCTL_ELASTICSEARCH_URL": ok.url})
    assert bad.exit_code == 2 and "rejected the query" in bad.stderr
    empty = run_cli(["logs", "search", "-i", "nope-*"], env={"OBSCTL_ELASTICSEARCH_URL": ok.url})
    assert empty.exit_code == 0 and empty.stdout == ""  # a pattern matching nothing (yet) is empty
    missing = run_cli(["logs", "search", "-i", "nope"], env={"OBSCTL_ELASTICSEARCH_URL": ok.url})
    assert missing.exit_code == 3 and "no such index [nope]" in missing.stderr
    down = run_cli(
        ["logs", "search"],
        env={"OBSCTL_ELASTICSEARCH_URL": "http://127.0.0.1:9", "OBSCTL_ELASTICSEARCH_TIMEOUT": "1s"},
    )
    assert down.exit_code == 5


def test_context_shows_neighbours_of_the_same_service(make_fake_es, run_cli):
    es = make_fake_es("es8")
    docs = [
        {"@timestamp": f"2026-12-02T10:00:{i:02d}Z", "message": f"{svc} {i}", "service": {"name": svc}}
        for i in range(20)
        for svc in ("a", "b")
    ]
    ids = es.add_documents("logs-app", docs)
    target = ids[20]  # service a, i=10
    result = run_cli(
        ["logs", "context", f"logs-app/{target}", "-B", "2", "-A", "2", "-o", "jsonl"],
        env={"OBSCTL_ELASTICSEARCH_URL": es.url},
    )
    assert result.exit_code == 0, result.stderr
    assert [json.loads(x)["message"] for x in result.stdout.splitlines()] == [
        "a 8",
        "a 9",
        "a 10",
        "a 11",
        "a 12",
    ]


def test_fields_lists_roles(fake_es, run_cli):
    result = run_cli(
        ["logs", "fields", "--roles", "-o", "json"], env={"OBSCTL_ELASTICSEARCH_URL": fake_es.url}
    )
    rows = {r["field"]: r["role"] for r in json.loads(result.stdout)}
    assert (
        rows["@timestamp"] == "timestamp"
        and rows["trace.id"] == "trace_id"
        and rows["trace_id"] == "trace_id"
    )


def test_until_exits_0_when_seen_and_1_at_timeout(tmp_path: Path, run_cli):
    path = tmp_path / "app.log"
    path.write_text("booting\n")

    def write_later() -> None:
        time.sleep(0.4)
        with path.open("a") as fh:
            fh.write("Application startup complete\n")

    threading.Thread(target=write_later, daemon=True).start()
    seen = run_cli(["logs", "tail", "--file", str(path), "--until", "startup complete", "--timeout", "5s"])
    assert seen.exit_code == 0
    assert seen.stdout.splitlines()[-1] == "Application startup complete"
    missed = run_cli(
        ["logs", "tail", "--file", str(path), "--until", "never", "--timeout", "300ms", "-n", "0"]
    )
    assert missed.exit_code == 1 and "not seen" in missed.stderr


def test_stdin_and_bad_flags(run_cli):
    result = run_cli(
        ["logs", "search", "--file", "-", "--level", "error", "-o", "raw"], input="a\nERROR: b\nINFO c\n"
    )
    assert result.stdout == "ERROR: b\n"
    assert run_cli(["logs", "search", "--file", "-", "--level", "loud"], input="").exit_code == 2
    assert run_cli(["logs", "search", "--file", "-", "-o", "xml"], input="").exit_code == 2
    assert run_cli(["logs", "search", "--file", "-", "--since", "soon"], input="").exit_code == 2
    lag = run_cli(["logs", "tail", "--file", "-", "-f", "--lag", "soon"], input="")
    assert lag.exit_code == 2 and "--lag" in lag.stderr


def test_pretty_on_a_terminal_colours_levels_and_hints_each_trace_once(fake_es, run_cli):
    env = {"OBSCTL_ELASTICSEARCH_URL": fake_es.url, "NO_COLOR": ""}
    result = run_cli(["logs", "search", "--level", "error", "--utc"], env=env, tty=True)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and "\x1b[31mERROR\x1b[0m" in lines[0]
    hints = [x for x in result.stderr.splitlines() if "obsctl traces get" in x]
    assert hints == [
        "  trace 0102030405060708090a0b0c0d0e0f10: obsctl traces get 0102030405060708090a0b0c0d0e0f10"
    ]
    piped = run_cli(["logs", "search", "--level", "error", "-o", "pretty", "--utc"], env=env)
    assert "\x1b[" not in piped.stdout and "obsctl traces get" not in piped.stderr


def test_query_matches_are_highlighted_by_the_server_on_a_terminal(fake_es, run_cli):
    env = {"OBSCTL_ELASTICSEARCH_URL": fake_es.url, "NO_COLOR": ""}
    result = run_cli(["logs", "search", "problem", "--utc"], env=env, tty=True)
    assert result.exit_code == 0, result.stderr
    assert "oops there is a \x1b[1;31mproblem\x1b[0m" in result.stdout
    body = next(r for r in fake_es.requests if r.path.endswith("/_search")).json()
    assert body["highlight"]["fields"] == {"message": {"number_of_fragments": 0}}


def test_span_id_and_histogram_sparkline(fake_es, run_cli):
    env = {"OBSCTL_ELASTICSEARCH_URL": fake_es.url}
    spans = run_cli(["logs", "search", "--span-id", "0102030405060708", "-o", "jsonl"], env=env)
    assert [json.loads(x)["span_id"] for x in spans.stdout.splitlines()] == ["0102030405060708"] * 2
    spark = run_cli(
        [
            "logs",
            "search",
            "--histogram",
            "1m",
            "--from",
            "2023-10-14T02:07:00Z",
            "--to",
            "2023-10-14T02:16:00Z",
            "--utc",
        ],
        env=env,
        tty=True,
    )
    line, legend = spark.stdout.splitlines()
    assert line == "█      █▅"  # 2 at 02:07, none for six minutes, 2 at 02:14, 1 at 02:15
    assert legend == "2023-10-14 02:07 → 2023-10-14 02:15  per 1m: max 2, total 5"


def test_context_logs_block_sets_index_roles_and_lag(make_fake_es, run_cli, tmp_path: Path):
    es = make_fake_es("es8")
    es.add_documents("app-2026", [{"ts": "2026-12-02T10:00:00Z", "text": "hello", "ctx": {"tid": "ab" * 16}}])
    es.add_documents("other", [{"@timestamp": "2026-12-02T10:00:00Z", "message": "not this index"}])
    config = tmp_path / "config.yaml"
    config.write_text(
        "current-context: t\n"
        "contexts:\n"
        "  t:\n"
        "    elasticsearch:\n"
        f"      url: {es.url}\n"
        "      logs:\n"
        "        index: app-*\n"
        "        fields: {timestamp: ts, message: text, trace_id: ctx.tid}\n"
        "        lag: 1m\n"
    )
    result = run_cli(["--config", str(config), "logs", "search", "--trace-id", "AB" * 16, "-o", "logfmt"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"ts=2026-12-02T10:00:00.000000Z msg=hello trace_id={'ab' * 16}\n"


def test_last_n_pages_past_max_result_window(make_fake_es, run_cli):
    es = make_fake_es("es8")
    es.max_result_window = 50
    es.add_documents(
        "logs-w", [{"@timestamp": f"2026-12-02T10:{i // 60:02d}:{i % 60:02d}Z", "n": i} for i in range(200)]
    )
    result = run_cli(
        ["logs", "tail", "-n", "120", "-o", "jsonl", "--fields", "n"],
        env={"OBSCTL_ELASTICSEARCH_URL": es.url},
    )
    assert result.exit_code == 0, result.stderr
    assert [json.loads(x)["source"]["n"] for x in result.stdout.splitlines()] == list(range(80, 200))


def test_find_trace_logs_is_the_search_layer_for_traces(make_fake_es, tmp_path: Path):
    from obsctl.core.context import AppContext, Seams
    from obsctl.logs.search import find_trace_logs, open_source

    es = make_fake_es("opensearch", ecs_logs=True)
    actx = AppContext(
        Seams(env={"OBSCTL_ELASTICSEARCH_URL": es.url, "OBSCTL_CONFIG": str(tmp_path / "none.yaml")})
    )
    records = find_trace_logs(open_source(actx), "00-0102030405060708090a0b0c0d0e0f10-0102030405060708-01")
    assert [(r.service, r.message) for r in records] == [("my-service", "User authentication failed")] * 2
    path = tmp_path / "app.log"
    path.write_text(
        '{"timestamp": "2026-12-02T10:00:00", "message": "m", "trace_id": "0102030405060708090a0b0c0d0e0f10"}\n'
    )
    files = open_source(actx, files=[str(path)])
    assert [r.message for r in find_trace_logs(files, "0102030405060708090A0B0C0D0E0F10")] == ["m"]
    actx.close()


def test_partial_results_are_a_warning(fake_es, run_cli):
    from tests.fakes import Fault

    body = {
        "took": 3,
        "timed_out": True,
        "_shards": {
            "total": 2,
            "successful": 1,
            "skipped": 0,
            "failed": 1,
            "failures": [
                {
                    "shard": 1,
                    "index": "logs-b",
                    "reason": {
                        "type": "node_not_connected_exception",
                        "reason": "[node-2] Node not connected",
                    },
                }
            ],
        },
        "hits": {"max_score": None, "hits": []},
    }
    headers = [("content-type", "application/json"), ("X-Elastic-Product", "Elasticsearch")]
    fake_es.inject(
        Fault(
            status=200,
            body=json.dumps(body).encode(),
            headers=headers,
            path="/logs-*/_search",
            method="POST",
            times=1,
        )
    )
    result = run_cli(["logs", "search", "-i", "logs-*"], env={"OBSCTL_ELASTICSEARCH_URL": fake_es.url})
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "obsctl: warning: partial results: 1 of 2 shards failed: [node-2] Node not connected",
        "obsctl: warning: partial results: the search timed out on the server",
    ]


def test_follow_on_stdin_ends_when_the_pipe_closes(run_cli):
    result = run_cli(["logs", "tail", "--file", "-", "-f", "-o", "raw"], input="one\ntwo\nthree")
    assert result.exit_code == 0
    assert result.stdout == "one\ntwo\nthree\n"


def test_until_on_elasticsearch_waits_for_the_line(make_fake_es, run_cli):
    from datetime import datetime, timezone

    es = make_fake_es("es9", refresh_interval=0.2)
    es.add_documents("logs-app", [{"@timestamp": "2026-12-01T00:00:00Z", "message": "booting"}])

    def write_later() -> None:
        time.sleep(0.5)
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        es.add_documents("logs-app", [{"@timestamp": now, "message": "Application startup complete"}])

    threading.Thread(target=write_later, daemon=True).start()
    env = {"OBSCTL_ELASTICSEARCH_URL": es.url}
    seen = run_cli(
        ["logs", "tail", "-n", "0", "--until", "startup complete", "--timeout", "10s", "-o", "raw"], env=env
    )
    assert seen.exit_code == 0, seen.stderr
    assert json.loads(seen.stdout)["message"] == "Application startup complete"
