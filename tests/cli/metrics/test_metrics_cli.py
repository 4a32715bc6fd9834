"""`obsctl metrics ...` end to end in-process: flags, exit codes, stdout/stderr split, formats."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import parse_qs

import httpx
import pytest

from tests.conftest import FIXTURES

PROM = FIXTURES / "prometheus"
ENV = {"OBSCTL_PROMETHEUS_URL": "http://prom.test:9090"}
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def no_request(request: httpx.Request) -> httpx.Response:
    pytest.fail(f"no request may be sent, got {request.method} {request.url}")


def serving(body_or_name, status: int = 200, seen: list | None = None):
    body = json.loads((PROM / body_or_name).read_text()) if isinstance(body_or_name, str) else body_or_name

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "now", "--to", "now-1h"], "obsctl: error: --from (2026-01-02T03:04:05Z) is after --to"),
        (["--since", "1h", "--step", "0"], "obsctl: error: --step: must be positive, got '0'"),
        (["--since", "1h", "--step", "-1m"], "obsctl: error: --step: invalid duration '-1m'"),
        (["--since", "365d", "--step", "15s"], "points per series; the limit is 11,000"),
        (["--time", "now", "--since", "1h"], "obsctl: error: --time is for an instant query"),
        (["-o", "xml"], "unknown format 'xml'"),
        (["--timeout", "soon"], "obsctl: error: --timeout: invalid duration 'soon'"),
        (["--since", "1000y"], "obsctl: error: --since: the window would start at 1026-"),
        (["--since", "99999999999y"], "obsctl: error: --since: duration '99999999999y' is too large"),
        (["--from", "99999999999999999"], "obsctl: error: --from: time '99999999999999999' is out of range"),
        (["--since", "0s"], "obsctl: error: --since: must be positive, got '0s'\nhint: e.g. --since 15m"),
    ],
)
def test_bad_input_exits_2_before_any_request(run_cli, args, message):
    result = run_cli(
        ["metrics", "query", "up", *args], env=ENV, transport=httpx.MockTransport(no_request), now=lambda: NOW
    )
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_empty_expression_exits_2(run_cli):
    result = run_cli(["metrics", "query", "  "], env=ENV, transport=httpx.MockTransport(no_request))
    assert result.exit_code == 2
    assert result.stderr.startswith("obsctl: error: EXPR is empty\n")


def test_no_server_configured_says_how_to_set_one(run_cli):
    result = run_cli(["metrics", "query", "up"], transport=httpx.MockTransport(no_request))
    assert result.exit_code == 2
    assert "obsctl: error: no prometheus URL configured" in result.stderr


def test_bad_url_flag_exits_2(run_cli):
    result = run_cli(
        ["metrics", "query", "up", "--url", "prom:9090"], transport=httpx.MockTransport(no_request)
    )
    assert result.exit_code == 2
    assert "Invalid value for '--url': not a URL: 'prom:9090'" in result.stderr


def test_instant_query_piped_is_headerless_tsv(run_cli):
    seen: list[httpx.Request] = []
    result = run_cli(
        ["metrics", "query", "up"],
        env=ENV,
        transport=serving("query_instant_vector.json", seen=seen),
        now=lambda: NOW,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "up\tlocalhost:9090\tprometheus\t1\nup\tlocalhost:9100\tnode\t0\n"
    assert parse_qs(seen[0].content.decode()) == {"query": ["up"], "time": ["1767323045"]}


def test_range_query_sends_the_resolved_window(run_cli):
    seen: list[httpx.Request] = []
    result = run_cli(
        ["metrics", "query", "up", "--since", "1h", "-o", "csv"],
        env=ENV,
        transport=serving("query_range_matrix.json", seen=seen),
        now=lambda: NOW,
    )
    assert result.exit_code == 0
    assert parse_qs(seen[0].content.decode()) == {
        "query": ["up"],
        "start": ["1767319445"],
        "end": ["1767323045"],
        "step": ["14"],
    }
    assert seen[0].url.path == "/api/v1/query_range"
    assert result.stdout.splitlines()[0] == "__name__,instance,job,timestamp,value"
    assert len(result.stdout.splitlines()) == 7


def test_url_flag_on_the_group_and_on_the_command(run_cli):
    seen: list[httpx.Request] = []
    transport = serving("query_instant_vector.json", seen=seen)
    assert run_cli(["metrics", "--url", "http://a.test:1", "query", "up"], transport=transport).exit_code == 0
    assert (
        run_cli(
            ["metrics", "query", "up", "--url", "http://b.test:2"], env=ENV, transport=transport
        ).exit_code
        == 0
    )
    assert [r.url.host for r in seen] == ["a.test", "b.test"]


def test_tenant_header_from_env(run_cli):
    seen: list[httpx.Request] = []
    env = {**ENV, "OBSCTL_PROMETHEUS_TENANT": "team-a"}
    assert (
        run_cli(
            ["metrics", "query", "up"], env=env, transport=serving("query_instant_vector.json", seen=seen)
        ).exit_code
        == 0
    )
    assert seen[0].headers["X-Scope-OrgID"] == "team-a"


def test_warnings_and_infos_go_to_stderr_and_into_json(run_cli):
    body = {
        "status": "success",
        "data": {"resultType": "vector", "result": []},
        "warnings": ["PromQL warning: encountered a mix of histograms and floats"],
        "infos": ["PromQL info: metric might not be a counter"],
    }
    result = run_cli(
        ["metrics", "query", "rate(x[5m])", "-o", "json"], env=ENV, transport=serving(body), now=lambda: NOW
    )
    assert result.exit_code == 0
    assert result.stderr == (
        "obsctl: warning: prometheus: PromQL warning: encountered a mix of histograms and floats\n"
        "obsctl: info: prometheus: PromQL info: metric might not be a counter\n"
    )
    doc = json.loads(result.stdout)
    assert doc["warnings"] == body["warnings"] and doc["infos"] == body["infos"]
    assert doc["window"] == {"time": "2026-01-02T03:04:05Z"}


def test_syntax_error_exits_2_with_the_servers_message_and_a_caret(run_cli):
    body = {
        "status": "error",
        "errorType": "bad_data",
        "error": 'invalid parameter "query": 1:7: parse error: unclosed left parenthesis',
    }
    result = run_cli(["metrics", "query", "sum(up"], env=ENV, transport=serving(body, status=400))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:3] == [
        "obsctl: error: bad PromQL: 1:7: parse error: unclosed left parenthesis",
        "  sum(up",
        "        ^",
    ]


def test_empty_result_is_exit_0_with_a_note_only_on_a_tty(run_cli):
    body = {"status": "success", "data": {"resultType": "vector", "result": []}}
    piped = run_cli(["metrics", "query", "nope"], env=ENV, transport=serving(body))
    assert (piped.exit_code, piped.stdout, piped.stderr) == (0, "", "")
    tty = run_cli(["metrics", "query", "nope"], env=ENV, transport=serving(body), tty=True)
    assert tty.exit_code == 0
    assert tty.stderr == "obsctl: no series matched (unknown metric, or no samples in this window)\n"


def test_stats_flag_asks_and_prints(run_cli):
    body = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [],
            "stats": {
                "timings": {
                    "evalTotalTime": 0.0002,
                    "execQueueTime": 0.00001,
                    "queryPreparationTime": 0.0001,
                    "innerEvalTime": 0.00005,
                    "execTotalTime": 0.0003,
                },
                "samples": {"totalQueryableSamples": 1234, "peakSamples": 56},
            },
        },
    }
    seen: list[httpx.Request] = []
    result = run_cli(["metrics", "query", "up", "--stats"], env=ENV, transport=serving(body, seen=seen))
    assert parse_qs(seen[0].content.decode())["stats"] == ["all"]
    assert result.stderr == (
        "stats: exec 0.30 ms (queue 0.01 ms, prepare 0.10 ms, eval 0.05 ms); samples 1,234 total, 56 peak\n"
    )


def test_graph_without_a_window_draws_the_last_hour(run_cli):
    seen: list[httpx.Request] = []
    result = run_cli(
        ["metrics", "query", "up", "-o", "graph", "--legend", "{{job}}"],
        env=ENV,
        transport=serving("query_range_matrix.json", seen=seen),
        now=lambda: NOW,
    )
    assert result.exit_code == 0
    assert seen[0].url.path == "/api/v1/query_range"
    assert "━━ prometheus  min 1  max 1  last 1" in result.stdout
    assert "━━ node        min 0  max 1  last 1" in result.stdout


def test_backend_error_exits_3(run_cli):
    body = {"status": "error", "errorType": "execution", "error": "many-to-many matching not allowed"}
    result = run_cli(["metrics", "query", "a / b"], env=ENV, transport=serving(body, status=422))
    assert result.exit_code == 3
    assert result.stderr.startswith(
        "obsctl: error: prometheus at http://prom.test:9090/api/v1/query answered 422 execution: many-to-many"
    )


def test_unreachable_exits_5(run_cli):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    result = run_cli(["metrics", "targets"], env=ENV, transport=httpx.MockTransport(refuse))
    assert result.exit_code == 5
    assert result.stderr.splitlines() == [
        "obsctl: error: cannot reach prometheus at http://prom.test:9090: connection refused",
        "hint: is prometheus running? the URL comes from OBSCTL_PROMETHEUS_URL",
    ]


def test_targets_check_exits_1_when_a_target_is_down(run_cli):
    data = json.loads((PROM / "targets.json").read_text())
    data["data"]["activeTargets"][0]["health"] = "down"
    data["data"]["activeTargets"][0]["lastError"] = "connection refused"
    result = run_cli(["metrics", "targets", "--check"], env=ENV, transport=serving(data))
    assert result.exit_code == 1
    assert result.stdout.startswith("prometheus\t127.0.0.1:9090\tdown\t")
    assert result.stderr == (
        "obsctl: error: 1 of 1 targets are not up: prometheus 127.0.0.1:9090 is down (connection refused)\n"
    )
    ok = run_cli(["metrics", "targets", "--check"], env=ENV, transport=serving("targets.json"))
    assert ok.exit_code == 0


def test_targets_state_is_validated(run_cli):
    result = run_cli(
        ["metrics", "targets", "--state", "sleeping"], env=ENV, transport=httpx.MockTransport(no_request)
    )
    assert result.exit_code == 2
    assert "'sleeping': choose active, dropped or any" in result.stderr


def test_exemplars_table_and_jsonl(run_cli):
    result = run_cli(
        ["metrics", "exemplars", "test_exemplar_metric_total", "-o", "jsonl"],
        env=ENV,
        transport=serving("query_exemplars.json"),
    )
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["command"] for r in rows] == [
        "obsctl traces get EpTxMJ40fUus7aGY",
        "obsctl traces get Olp9XHlq763ccsfa",
        "obsctl traces get hCtjygkIHwAN9vs4",
    ]


def test_rules_tsv_has_no_colour_codes(run_cli):
    result = run_cli(["metrics", "rules", "-o", "tsv"], env=ENV, transport=serving("rules.json"))
    assert result.stdout.splitlines()[0] == "group\tname\ttype\thealth\tstate\tquery"
    assert result.stdout.splitlines()[1].startswith("example\tHighRequestLatency\talerting\tok\tfiring\t")


def test_alerts_state_filter(run_cli):
    result = run_cli(
        ["metrics", "alerts", "--state", "pending", "-o", "json"], env=ENV, transport=serving("alerts.json")
    )
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_label_values_and_labels(run_cli):
    body = {"status": "success", "data": ["node", "prometheus"]}
    result = run_cli(["metrics", "label-values", "job"], env=ENV, transport=serving(body))
    assert result.stdout == "node\nprometheus\n"


def test_scrape_a_url_sends_prometheus_accept_header(run_cli):
    seen: list[httpx.Request] = []
    text = (PROM / "openmetrics_5_families_exemplars.om.txt").read_text()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, text=text, headers={"Content-Type": "application/openmetrics-text; version=1.0.0"}
        )

    result = run_cli(
        ["metrics", "scrape", "http://app.test/metrics", "--families", "-o", "csv"],
        transport=httpx.MockTransport(handler),
    )
    assert result.exit_code == 0, result.output
    assert (
        seen[0]
        .headers["Accept"]
        .startswith("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
    )
    assert result.stdout.splitlines()[:3] == [
        "name,type,unit,samples,help",
        "go_build_info,gauge,,1,Build information about the main Go module.",
        "promhttp_metric_handler_errors,counter,,4,Total number of internal errors encountered by the promhttp metric handler.",
    ]


def test_scrape_file_with_match_and_exemplars_in_jsonl(run_cli):
    path = PROM / "openmetrics_5_families_exemplars.om.txt"
    result = run_cli(["metrics", "scrape", str(path), "--match", "histogram_seconds_bucket", "-o", "jsonl"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[7] == {
        "family": "rpc_durations_histogram_seconds",
        "type": "histogram",
        "name": "rpc_durations_histogram_seconds_bucket",
        "labels": {"le": "-0.0002899999999999998"},
        "value": "3",
        "exemplar": {
            "labels": {"dummyID": "17783"},
            "value": "-0.0003825067330956884",
            "timestamp": 1726839814.2239082,
        },
    }


def test_scrape_malformed_file_exits_2_naming_the_line(run_cli):
    result = run_cli(["metrics", "scrape", str(PROM / "docs_text_format_example.prom")])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].endswith(
        "docs_text_format_example.prom: line 10: no value for my.dotted.metric"
    )


def test_scrape_missing_file_exits_2(run_cli, tmp_path):
    result = run_cli(["metrics", "scrape", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "nope.txt: no such file" in result.stderr


def test_scrape_http_error_exits_3(run_cli):
    result = run_cli(
        ["metrics", "scrape", "http://app.test/metrics"],
        transport=httpx.MockTransport(lambda r: httpx.Response(500, text="boom")),
    )
    assert result.exit_code == 3
    assert result.stderr.startswith("obsctl: error: http://app.test/metrics answered 500: boom")


def test_export_parquet_without_file_exits_2(run_cli):
    result = run_cli(
        ["metrics", "export", "up", "-o", "parquet"], env=ENV, transport=httpx.MockTransport(no_request)
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] in (
        "obsctl: error: -o parquet writes a binary file: give --file PATH",
        "obsctl: error: -o parquet needs the export extra",
    )


def test_export_parquet_without_the_extra_names_the_install(run_cli, monkeypatch):
    import obsctl.metrics.export as ex

    monkeypatch.setattr(ex, "extra_available", lambda: False)
    result = run_cli(
        ["metrics", "export", "up", "-o", "parquet", "-f", "x.parquet"],
        env=ENV,
        transport=httpx.MockTransport(no_request),
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "obsctl: error: -o parquet needs the export extra\n"
        "hint: pip install 'obsctl[export]'  (prometheus-api-client, pandas, pyarrow)\n"
    )


def test_export_csv_in_chunks_on_the_step_grid(run_cli):
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        seen.append(form)
        start, end, step = float(form["start"]), float(form["end"]), float(form["step"])
        values = []
        t = start
        while t <= end:
            values.append([t, str(int(t) % 7)])
            t += step
        result = [{"metric": {"__name__": "up", "job": "a"}, "values": values}]
        if start > 1767319445:  # a series that appears later brings a new label column
            result.append({"metric": {"__name__": "up", "job": "b", "zone": "z1"}, "values": values[:1]})
        return httpx.Response(
            200, json={"status": "success", "data": {"resultType": "matrix", "result": result}}
        )

    result = run_cli(
        ["metrics", "export", "up", "--since", "1h", "--step", "60s", "--chunk", "20m"],
        env=ENV,
        transport=httpx.MockTransport(handler),
        now=lambda: NOW,
    )
    assert result.exit_code == 0, result.output
    assert [(f["start"], f["end"]) for f in seen] == [
        ("1767319445", "1767320585"),
        ("1767320645", "1767321785"),
        ("1767321845", "1767322985"),
        ("1767323045", "1767323045"),
    ]
    lines = result.stdout.splitlines()
    assert lines[0] == "__name__,job,zone,timestamp,value"
    assert lines[1] == f"up,a,,1767319445,{1767319445 % 7}"
    assert sum(1 for line in lines if line.startswith("up,a,")) == 61  # every minute of the hour, once
    assert sum(1 for line in lines if line.startswith("up,b,z1,")) == 3
    assert result.stderr == ""


def test_progress_bar_only_when_stderr_is_a_terminal():
    import io

    from obsctl.core.context import AppContext, Seams
    from obsctl.metrics.commands.export import _finish_progress, _progress_bar

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Tty()
    actx = AppContext(Seams(env={}, stdout=io.StringIO(), stderr=err, stdout_isatty=False))
    show = _progress_bar(actx)
    assert show is not None
    show(3, 10, 12345)
    _finish_progress(actx)
    assert err.getvalue() == "\rexporting [█████████░░░░░░░░░░░░░░░░░░░░░] 3/10 chunks, 12,345 samples\n"
    piped = AppContext(Seams(env={}, stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=False))
    assert _progress_bar(piped) is None


def test_scrape_latin1_file_warns_once_and_still_lists_every_sample(run_cli, tmp_path):
    # Issue 9.16: a Latin-1 page was decoded with replacement characters silently.
    path = tmp_path / "latin1.prom"
    path.write_bytes('a{city="Zürich"} 1\nb{city="Málaga"} 2\n'.encode("latin-1"))
    result = run_cli(["metrics", "scrape", str(path), "-o", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        '"a{city=""Z\ufffdrich""}",untyped,1',
        '"b{city=""M\ufffdlaga""}",untyped,2',
    ]
    warnings = [line for line in result.stderr.splitlines() if "not UTF-8" in line]
    assert len(warnings) == 1 and "line 1" in warnings[0]


def test_scrape_streams_csv_rows_equal_to_the_buffered_table(run_cli):
    path = PROM / "prometheus_server_237_families.prom"
    csv_rows = run_cli(["metrics", "scrape", str(path), "-o", "csv"]).stdout.splitlines()
    expo_rows = run_cli(["metrics", "scrape", str(path), "-o", "json"])
    docs = json.loads(expo_rows.stdout)
    assert len(csv_rows) - 1 == sum(len(d["samples"]) for d in docs)
    assert csv_rows[0] == "series,type,value"


def test_scrape_table_past_its_buffer_says_so_and_keeps_every_row(run_cli, monkeypatch, tmp_path):
    import obsctl.metrics.scrape_render as sr

    monkeypatch.setattr(sr, "TABLE_BUFFER", 5)
    path = tmp_path / "m.prom"
    path.write_text("".join(f'm{{i="{i}"}} {i}\n' for i in range(12)))
    result = run_cli(["metrics", "scrape", str(path), "-o", "table"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SERIES", "TYPE", "VALUE"] and len(lines) == 13
    assert lines[-1].split() == ['m{i="11"}', "untyped", "11"]
    assert "columns are as wide as the first 5" in result.stderr


def test_scrape_match_on_a_sample_name_keeps_the_whole_family_streaming(run_cli):
    path = PROM / "docs_text_format_example_value_added.prom"
    result = run_cli(["metrics", "scrape", str(path), "--match", "_sum$", "-o", "tsv"])
    names = [line.split("\t")[0] for line in result.stdout.splitlines()[1:]]
    assert names[0] == 'http_request_duration_seconds_bucket{le="0.05"}'
    assert names[-1] == "rpc_duration_seconds_count"
    assert len(names) == 15


def test_scrape_stdin_is_spooled_and_its_format_detected_from_the_end(run_cli):
    # OpenMetrics is known only at `# EOF`: stdin is spooled to detect it without holding the page.
    text = (PROM / "openmetrics_5_families_exemplars.om.txt").read_text()
    result = run_cli(["metrics", "scrape", "-", "--families", "-o", "tsv"], input=text)
    assert result.exit_code == 0, result.output
    rows = [line.split("\t")[:4] for line in result.stdout.splitlines()]
    assert rows == [
        ["name", "type", "unit", "samples"],
        ["go_build_info", "gauge", "", "1"],
        ["promhttp_metric_handler_errors", "counter", "", "4"],
        ["rpc_durations_histogram_seconds", "histogram", "", "24"],
        ["rpc_durations_seconds", "summary", "", "18"],
        ["rpc_requests", "counter", "", "6"],
    ]
    as_text = run_cli(["metrics", "scrape", "-", "-o", "jsonl"], input=text.replace("# EOF\n", ""))
    assert as_text.exit_code == 2  # without # EOF the exemplars are not valid text format
    assert "exemplars are only valid in OpenMetrics" in as_text.stderr


def test_one_verb_builds_only_that_verb(tmp_path):
    # The group is lazy like alerts: `metrics scrape` imports no other verb's module.
    import subprocess
    import sys

    page = tmp_path / "m.prom"
    page.write_text("a 1\n")
    code = (
        "import sys; from obsctl.cli import main\n"
        f"sys.argv = ['obsctl', 'metrics', 'scrape', {str(page)!r}, '-o', 'csv']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "verbs = sorted(m for m in sys.modules if m.startswith('obsctl.metrics.commands.'))\n"
        "print(' '.join(verbs), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout == "series,type,value\na,untyped,1\n"
    assert done.stderr.split() == ["obsctl.metrics.commands.common", "obsctl.metrics.commands.scrape"]


def test_scrape_writes_the_rows_before_a_malformed_line_then_exits_2(run_cli, tmp_path):
    path = tmp_path / "m.prom"
    path.write_text('a{x="1"} 1\nb 2\nc{x="3" 3\nd 4\n')
    result = run_cli(["metrics", "scrape", str(path), "-o", "csv"])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == ["series,type,value", '"a{x=""1""}",untyped,1', "b,untyped,2"]
    assert "m.prom: line 3:" in result.stderr
