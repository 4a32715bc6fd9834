"""The streaming parser: its fast path must give exactly what the full parser gives.

Run both over every shared fixture and over generated lines around the fast path's edges
(escapes, spacing, duplicates, odd numbers, exemplars, CRs, quoted names), comparing samples,
families and errors.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obsctl.metrics.exposition import ExpositionError, detect_openmetrics, parse, split_lines
from obsctl.metrics.expostream import Decoder, Sniffer, iter_samples, new_parser
from tests.conftest import FIXTURES

PROM = FIXTURES / "prometheus"
FIXTURE_FILES = sorted(p for p in PROM.iterdir() if p.suffix in (".prom", ".txt"))


def _norm(value: float | None) -> object:
    return "nan" if isinstance(value, float) and math.isnan(value) else value


def _run(text: str, fast: bool) -> tuple[list[tuple], list[tuple], str | None]:
    """(samples with their family, every family's metadata, the error) for one parser."""
    om = detect_openmetrics(text)
    parser = new_parser(openmetrics=om, fast=fast)
    got: list[tuple] = []
    error = None
    try:
        for fam, s in parser.feed(split_lines(text)):
            got.append((fam.name, s.name, s.labels, _norm(s.value), _norm(s.timestamp), s.exemplar))
    except ExpositionError as exc:
        error = str(exc)
    fams = [(f.name, f.type, f.help, f.unit) for f in parser.order]
    return got, fams, error


def _same(text: str) -> None:
    assert _run(text, fast=True) == _run(text, fast=False)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fast_path_matches_the_full_parser_on_every_fixture(path):
    text = path.read_text(encoding="utf-8")
    _same(text)
    got, _, error = _run(text, fast=True)
    if error is None:  # and the streamed samples are parse()'s, family by family
        flat = [(f.name, s.name, s.labels) for f in parse(text).families for s in f.samples]
        assert sorted(map(repr, flat)) == sorted(repr(g[:3]) for g in got)


EDGE_CASES = [
    'a{b="c"} 1',
    'a{b="c",} 1',
    'a{b="c"d="e"} 1',
    'a{b="c",b="d"} 1',
    'a{b="c\\"d"} 1',
    'a{b="c\\\\d"} 1',
    'a{b="c\\nd"} 1',
    'a{b="c,d}e"} 1',
    "a{} 1",
    "a 1 2",
    "a 1  2",
    "a  1",
    "a\t1",
    "a 1 2 3",
    "a 1\r",
    "a 1x",
    "a +Inf",
    "a -inf",
    "a NaN",
    "a 1e3 -5",
    "a 1_000",
    "a 0x10",
    "a Infinity",
    "a 1#",
    'a 1 # {t="x"} 2',
    '{"a.b"} 1',
    '{"a.b",c="d"} 1',
    'a{"c.d"="e"} 1',
    "a\x0c1",
    "a 1\x0b2",
    "a\xa01",
    "a 1\u20282",
    "a",
    "a ",
    "a{b=c} 1",
    'a{b="c"',
    "1a 1",
    "a:b_c 1",
]


@pytest.mark.parametrize("line", EDGE_CASES)
@pytest.mark.parametrize("om", [False, True])
def test_fast_path_matches_the_full_parser_on_edge_lines(line, om):
    text = "# TYPE a counter\n" + line + "\n" + ("# EOF\n" if om else "")
    _same(text)


_name = st.sampled_from(["a", "a_total", "b", "a_bucket", "x:y"])
_value = st.sampled_from(["1", "-2.5", "NaN", "+Inf", "1e3", "x", "0x1", ""])
_label_value = st.text(alphabet='ab,}{="\\ n\t#', max_size=6)


@st.composite
def _line(draw: st.DrawFn) -> str:
    name = draw(_name)
    labels = draw(st.lists(st.tuples(st.sampled_from(["k", "le", "q"]), _label_value), max_size=3))
    block = ("{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}") if labels or draw(st.booleans()) else ""
    gap = draw(st.sampled_from([" ", "  ", "\t"]))
    ts = draw(st.sampled_from(["", " 1000", " x", " 1 2"]))
    return f"{name}{block}{gap}{draw(_value)}{ts}"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(_line(), st.sampled_from(["# TYPE a counter", "# HELP a h", "", "# TYPE b histogram"])),
        max_size=8,
    )
)
def test_fast_path_matches_the_full_parser_on_generated_pages(lines):
    _same("\n".join(lines) + "\n")


def test_decoder_warns_once_for_latin1_and_names_the_line():
    warned: list[int] = []
    chunks = [b'a 1\nb{x="caf\xe9"} 2\n', b'c{y="\xe9"} 3\n']
    lines = list(Decoder(warned.append).lines(chunks))
    assert lines == ["a 1", 'b{x="caf\ufffd"} 2', 'c{y="\ufffd"} 3']
    assert warned == [2]


def test_decoder_joins_lines_split_across_chunks_and_keeps_a_last_line_without_newline():
    chunks = [b"a 1\nb", b"c 2\n", "é".encode()[:1], "é".encode()[1:] + b" 3"]
    warned: list[int] = []
    assert list(Decoder(warned.append).lines(chunks)) == ["a 1", "bc 2", "é 3"]
    assert warned == []


@pytest.mark.parametrize(
    "text",
    ["a 1\n# EOF\n", "a 1\n# EOF\n\n", "# UNIT a seconds\na 1\n", "x 1\n# UNIT a s\n", "a 1\n", "# EOF x\n"],
)
def test_sniffer_agrees_with_detect_openmetrics_at_any_chunking(text):
    data = text.encode()
    for size in (1, 3, 64):
        sniff = Sniffer()
        for i in range(0, len(data), size):
            sniff.feed(data[i : i + size])
        assert sniff.openmetrics == detect_openmetrics(text), (text, size)


def test_iter_samples_holds_no_samples():
    lines = (f'm{{i="{i}"}} {i}' for i in range(1000))
    fam_ids = {id(fam) for fam, _ in iter_samples(lines, openmetrics=False)}
    assert len(fam_ids) == 1


@pytest.mark.parametrize(
    "second",
    [
        'a{k="2",q="3"} 2',
        'a{k="2",q="3",} 2',
        'a{k="2",k="3"} 2',
        'a{q="3",k="2"} 2',
        'a{k="2"} 2',
        'a{k="2",q="3",r="4"} 2',
        'a{k="a\\"b",q="3"} 2',
        'a{k="2",q="3"}  2',
    ],
)
def test_label_names_repeated_from_the_line_before_match_the_full_parser(second):
    # The fast path matches values directly when a line repeats the previous line's label names.
    _same('a{k="1",q="1"} 1\n' + second + "\n" + 'a{k="5",q="6"} 3\n')
