"""Query result rendering: tables, CSV per sample, JSON documents, sparklines, graphs."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

from obsctl.core.output import Output
from obsctl.metrics.chart import Canvas, nice_number, render_chart
from obsctl.metrics.query import csv_chunks, from_api, legend, render, series_text, sparkline, table
from obsctl.metrics.window import Window
from tests.conftest import FIXTURES

PROM = FIXTURES / "prometheus"
T0 = datetime(2015, 7, 1, 20, 10, 30, tzinfo=timezone.utc)
T1 = datetime(2015, 7, 1, 20, 11, 0, tzinfo=timezone.utc)


def load(name: str, window: Window | None = None):
    body = json.loads((PROM / name).read_text())
    return from_api("up", body["data"], window or Window(T1, T1), body.get("warnings", ()), ())


def out(tty: bool = False, color: bool = False) -> tuple[Output, io.StringIO]:
    buf = io.StringIO()
    return Output(buf, io.StringIO(), is_tty=tty, color=color, env={}, width=80), buf


def test_matrix_csv_is_one_row_per_sample_with_label_columns():
    qr = load("query_range_matrix.json", Window(T0, T1, 15))
    assert "".join(csv_chunks(qr)) == (
        "__name__,instance,job,timestamp,value\n"
        "up,localhost:9090,prometheus,1435781430.781,1\n"
        "up,localhost:9090,prometheus,1435781445.781,1\n"
        "up,localhost:9090,prometheus,1435781460.781,1\n"
        "up,localhost:9091,node,1435781430.781,0\n"
        "up,localhost:9091,node,1435781445.781,0\n"
        "up,localhost:9091,node,1435781460.781,1\n"
    )


def test_csv_quotes_label_values_that_need_it():
    data = {
        "resultType": "vector",
        "result": [{"metric": {"room": 'it\'s "quoted", ok'}, "value": [5, "-4.25"]}],
    }
    qr = from_api("x", data, Window(T1, T1), (), ())
    assert "".join(csv_chunks(qr)) == 'room,timestamp,value\n"it\'s ""quoted"", ok",5,-4.25\n'


def test_vector_table_one_row_per_series_labels_as_columns():
    qr = load("query_instant_vector.json")
    o, buf = out()
    render(o, qr, "tsv")
    assert buf.getvalue() == (
        "name\tinstance\tjob\tvalue\nup\tlocalhost:9090\tprometheus\t1\nup\tlocalhost:9100\tnode\t0\n"
    )


def test_matrix_wide_table_has_statistics_and_piped_has_no_sparkline():
    qr = load("query_range_matrix.json", Window(T0, T1, 15))
    o, buf = out()
    render(o, qr, "wide")
    assert buf.getvalue().splitlines() == [
        "NAME  INSTANCE        JOB         LAST  MIN  MAX  AVG       POINTS",
        "up    localhost:9090  prometheus  1     1    1    1         3",
        "up    localhost:9091  node        1     0    1    0.333333  3",
    ]


def test_matrix_table_on_a_tty_has_a_trend_column():
    qr = load("query_range_matrix.json", Window(T0, T1, 15))
    cols, rows = table(qr, spark=True)
    assert cols[-1].header == "trend"
    assert [r["spark"] for r in rows] == ["▄▄▄", "▁▁█"]


def test_legend_template_replaces_label_columns():
    qr = load("query_instant_vector.json")
    o, buf = out()
    render(o, qr, "tsv", legend_template="{{job}}/{{ instance }}")
    assert buf.getvalue() == "series\tvalue\nprometheus/localhost:9090\t1\nnode/localhost:9100\t0\n"


def test_json_document_keeps_prometheus_shapes_and_adds_context():
    qr = load("query_range_matrix.json", Window(T0, T1, 15))
    o, buf = out()
    render(o, qr, "json")
    doc = json.loads(buf.getvalue())
    assert list(doc) == ["query", "resultType", "result", "window", "warnings", "infos"]
    assert doc["window"] == {
        "start": "2015-07-01T20:10:30Z",
        "end": "2015-07-01T20:11:00Z",
        "step": "15s",
        "step_seconds": 15,
        "points": 3,
    }
    assert doc["result"][1]["values"][0] == [1435781430.781, "0"]


def test_jsonl_is_one_series_per_line():
    qr = load("query_instant_vector.json")
    o, buf = out()
    render(o, qr, "jsonl")
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[1]) == {
        "metric": {"__name__": "up", "job": "node", "instance": "localhost:9100"},
        "value": [1435781451.781, "0"],
    }


def test_scalar_renders_value_and_csv():
    qr = load("query_scalar.json")
    assert qr.result_type == "scalar"
    o, buf = out()
    render(o, qr, "tsv")
    assert buf.getvalue() == "value\n42\n"
    assert "".join(csv_chunks(qr)) == "timestamp,value\n1767436620,42\n"


def test_native_histogram_instant_and_range():
    qr = load("query_native_histogram.json")
    o, buf = out()
    render(o, qr, "tsv")
    assert buf.getvalue().splitlines()[1] == (
        "http_request_duration_seconds\tdemo.prometheus.io:9090\tprometheus\tcount=12.5 sum=42.1 buckets=2"
    )
    rng = load("query_range_native_histogram.json", Window(T0, T1, 60))
    assert "".join(csv_chunks(rng)).splitlines()[1] == (
        "http_request_duration_seconds,demo.prometheus.io:9090,prometheus,1767433020,count=12.5 sum=42.1 buckets=2"
    )


def test_nan_and_inf_values_survive_as_prometheus_writes_them():
    data = {
        "resultType": "matrix",
        "result": [{"metric": {"k": "v"}, "values": [[1, "NaN"], [2, "+Inf"], [3, "-Inf"], [4, "2"]]}],
    }
    qr = from_api("x", data, Window(T0, T1, 1), (), ())
    assert "".join(csv_chunks(qr)) == "k,timestamp,value\nv,1,NaN\nv,2,+Inf\nv,3,-Inf\nv,4,2\n"
    _cols, rows = table(qr, spark=True)
    assert rows[0]["value"] == "2" and rows[0]["min"] == 2 and rows[0]["spark"] == "   ▄"
    o, buf = out()
    render(o, qr, "json")
    assert json.loads(buf.getvalue())["result"][0]["values"][0] == [1, "NaN"]


def test_sparkline_scales_and_resamples():
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([5, 5, 5]) == "▄▄▄"
    assert sparkline(list(range(100)), width=10) == "▁▂▃▃▄▅▆▆▇█"  # bucket means 4.5 .. 94.5
    assert sparkline([]) == ""
    assert sparkline([0.9994, 1.0, 1.0005, 1.0]) == "▄▄▄▄"  # steady-rate jitter is not a trend
    assert sparkline([100, 100, 102]) == "▁▁█"


def test_series_text_and_legend_defaults():
    metric = {"__name__": "up", "job": 'a"b', "instance": "x"}
    assert series_text(metric) == 'up{instance="x",job="a\\"b"}'
    assert series_text({"job": "x"}) == '{job="x"}'
    assert legend(None, metric) == series_text(metric)
    assert legend("{{job}} on {{instance}} {{missing}}", metric) == 'a"b on x '


def test_nice_numbers_for_axes():
    assert [nice_number(v) for v in (0, 0.5, 1234, 2.5e6, 0.0001234, -42)] == [
        "0",
        "0.5",
        "1.23k",
        "2.5M",
        "1.23e-04",
        "-42",
    ]


def test_canvas_draws_braille_lines():
    c = Canvas(2, 1)
    c.line(0, 3, 3, 0, 0)
    assert c.rows(lambda t, _w: t) == ["⡠⠊"]


def test_graph_overlays_series_with_axes_and_legend():
    qr = load("query_range_matrix.json", Window(T0, T1, 15))
    o, _ = out()
    lines = render_chart(qr, o, legend_template="{{job}}", width=40, height=4)
    assert lines == [
        "  1 ┤ ⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⣉⠭⠛",
        "0.5 ┤                          ⣀⡠⠔⠊⠉",
        "    ┤                     ⢀⣀⠤⠒⠉",
        "  0 ┤ ⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⡠⠔⠊⠁",
        "    └──────────────────────────────────",
        "     2015-07-01 20:10:30Z 2015-07-01 20:11:00Z",
        "",
        "━━ prometheus  min 1  max 1  last 1",
        "━━ node        min 0  max 1  last 1",
    ]


def test_graph_colours_each_series_when_colour_is_on():
    qr = load("query_range_matrix.json", Window(T0, T1, 15))
    o, _ = out(tty=True, color=True)
    lines = render_chart(qr, o, width=40, height=4)
    assert "\x1b[32m" in lines[0]  # first series green
    assert lines[-1].startswith("\x1b[33m━━\x1b[0m up{")  # second series yellow in the legend
