"""The exposition parser on real upstream files (copied with provenance) and on the escape rules."""

from __future__ import annotations

import math

import pytest

from obsctl.metrics.exposition import ExpositionError, parse
from tests.conftest import FIXTURES

PROM = FIXTURES / "prometheus"


def _read(name: str) -> str:
    return (PROM / name).read_text(encoding="utf-8")


def test_docs_example_line_10_has_no_value_and_is_rejected_there_like_promtool():
    with pytest.raises(ExpositionError) as err:
        parse(_read("docs_text_format_example.prom"))
    assert err.value.line == 10
    assert str(err.value) == "line 10: no value for my.dotted.metric"


def test_docs_example_with_the_value_added_parses_every_family():
    expo = parse(_read("docs_text_format_example_value_added.prom"))
    assert not expo.openmetrics
    names = [(f.name, f.type, len(f.samples)) for f in expo.families]
    assert names == [
        ("http_requests_total", "counter", 2),
        ("msdos_file_access_time_seconds", "untyped", 1),
        ("my.dotted.metric", "untyped", 1),
        ("metric_without_timestamp_and_labels", "untyped", 1),
        ("something_weird", "untyped", 1),
        ("http_request_duration_seconds", "histogram", 8),
        ("rpc_duration_seconds", "summary", 7),
    ]
    fams = {f.name: f for f in expo.families}
    first = fams["http_requests_total"].samples[0]
    assert first.labels == {"method": "post", "code": "200"}
    assert first.value == 1027
    assert first.timestamp == 1395066363.0  # milliseconds in the text format
    assert fams["http_requests_total"].help == "The total number of HTTP requests."
    msdos = fams["msdos_file_access_time_seconds"].samples[0]
    assert msdos.labels == {"path": "C:\\DIR\\FILE.TXT", "error": 'Cannot find file:\n"FILE.TXT"'}
    assert msdos.value == 1.458255915e9
    dotted = fams["my.dotted.metric"].samples[0]
    assert dotted.labels == {"error.message": "Not Found"}
    weird = fams["something_weird"].samples[0]
    assert weird.value == math.inf and weird.timestamp == -3982.045
    buckets = [s for s in fams["http_request_duration_seconds"].samples if s.name.endswith("_bucket")]
    assert [s.labels["le"] for s in buckets] == ["0.05", "0.1", "0.2", "0.5", "1", "+Inf"]
    assert fams["rpc_duration_seconds"].samples[-1].name == "rpc_duration_seconds_count"


def test_openmetrics_families_created_and_exemplars():
    expo = parse(_read("openmetrics_5_families_exemplars.om.txt"))
    assert expo.openmetrics
    fams = {f.name: f for f in expo.families}
    assert list(fams) == [
        "go_build_info",
        "promhttp_metric_handler_errors",
        "rpc_durations_histogram_seconds",
        "rpc_durations_seconds",
        "rpc_requests",
    ]
    errors = fams["promhttp_metric_handler_errors"]
    assert errors.type == "counter"
    assert [s.name for s in errors.samples] == [
        "promhttp_metric_handler_errors_total",
        "promhttp_metric_handler_errors_created",
    ] * 2
    hist = fams["rpc_durations_histogram_seconds"]
    with_ex = [s for s in hist.samples if s.exemplar]
    assert len(with_ex) == 6
    ex = with_ex[0].exemplar
    assert ex is not None
    assert ex.labels == {"dummyID": "17783"}
    assert ex.value == -0.0003825067330956884
    assert ex.timestamp == 1.7268398142239082e09
    assert hist.samples[-1].name == "rpc_durations_histogram_seconds_created"


def test_openmetrics_histogram_file():
    expo = parse(_read("openmetrics_1_histogram.om.txt"))
    (fam,) = expo.families
    assert fam.name == "golang_manual_histogram_seconds" and fam.type == "histogram"
    assert len(fam.samples) == 42
    assert fam.samples[0].labels == {"address": "0.0.0.0", "generation": "20", "port": "5001", "le": "0.005"}


def test_real_prometheus_scrape_has_237_families():
    expo = parse(_read("prometheus_server_237_families.prom"))
    assert len(expo.families) == 237
    assert sum(len(f.samples) for f in expo.families) == sum(
        1
        for line in _read("prometheus_server_237_families.prom").splitlines()
        if line and not line.startswith("#")
    )


def test_real_alertmanager_scrape():
    expo = parse(_read("alertmanager_0.31.0_metrics.prom"))
    fams = {f.name: f for f in expo.families}
    assert fams["alertmanager_alerts"].type == "gauge"
    assert len(expo.families) == 116


def test_help_escapes_differ_between_formats():
    text = parse('# HELP m a \\\\ b\\nc \\"q\\"\nm 1\n')
    assert text.families[0].help == 'a \\ b\nc \\"q\\"'
    om = parse('# HELP m a \\\\ b\\nc \\"q\\"\n# TYPE m gauge\nm 1\n# EOF\n')
    assert om.families[0].help == 'a \\ b\nc "q"'


def test_unit_and_info_families():
    expo = parse(
        '# TYPE temp gauge\n# UNIT temp celsius\ntemp 21.5\n# TYPE build info\nbuild_info{v="1"} 1\n# EOF\n'
    )
    temp, build = expo.families
    assert temp.unit == "celsius"
    assert build.type == "info" and build.samples[0].name == "build_info"


def test_label_edge_cases():
    (fam,) = parse('m{ a = "1" , b="x}y,z" , } 2\n').families
    assert fam.samples[0].labels == {"a": "1", "b": "x}y,z"}
    assert parse("m{} NaN\n").families[0].samples[0].value != parse("m{} NaN\n").families[0].samples[0].value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('m{a="1} 1\n', "line 1: unterminated quoted string"),
        ("m{a=1} 1\n", "line 1: label value of a must be double-quoted"),
        ('m{a="1",a="2"} 1\n', "line 1: duplicate label a"),
        ("m one\n", "line 1: invalid number 'one'"),
        ("m 1 2 3\n", "line 1: unexpected text after the value of m: '3'"),
        ("# TYPE m gauge\nm 1\n", None),
        ("# TYPE m bogus\n", "line 1: unknown metric type 'bogus'"),
        ('m 1 # {trace_id="a"} 1\n', "line 1: exemplars are only valid in OpenMetrics"),
        ("# TYPE m gauge\nm 1\n# EOF\nm 2\n", "line 4: content after # EOF"),
        ("# TYPE m gauge\n# UNIT m s\nm 1\n", "line 3: OpenMetrics text must end with # EOF"),
    ],
)
def test_errors_name_the_line(text, message):
    if message is None:
        assert parse(text).families[0].samples[0].value == 1
        return
    with pytest.raises(ExpositionError) as err:
        parse(text)
    assert str(err.value) == message


def _parse_in_child(text: str, limit_s: int) -> int:
    """Parse in a child process killed after `limit_s` (a hang guard, not a timing assertion)."""
    import subprocess
    import sys

    code = "import sys; from obsctl.metrics.exposition import parse; print(len(parse(sys.stdin.read()).families))"
    done = subprocess.run(
        [sys.executable, "-c", code], input=text, capture_output=True, text=True, timeout=limit_s, check=True
    )
    return int(done.stdout)


def test_100k_untyped_families_parse_in_linear_time():
    # Issue 9: each untyped sample scanned every family seen so far (12k lines took 30 s);
    # 100k distinct untyped names would take hours that way and well under a second with a mapping.
    text = "".join(f'metric_{i}{{a="b"}} {i}\n' for i in range(100_000))
    assert _parse_in_child(text, limit_s=60) == 100_000


def test_family_lookup_prefers_the_latest_declaration_and_follows_a_retype():
    expo = parse("# TYPE a counter\na_total 1\n# TYPE a_total gauge\na_total 2\n")
    assert [(f.name, len(f.samples)) for f in expo.families] == [("a", 1), ("a_total", 1)]
    expo = parse("# TYPE x summary\n# TYPE x gauge\nx_count 1\n")
    assert [(f.name, f.type, len(f.samples)) for f in expo.families] == [
        ("x", "gauge", 0),
        ("x_count", "untyped", 1),
    ]
