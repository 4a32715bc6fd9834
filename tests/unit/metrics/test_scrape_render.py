"""The scrape writers: the hand-rolled csv/tsv hot loop must write what the generic renderer does."""

from __future__ import annotations

import io

import pytest

from obsctl.core.output import Output, format_value
from obsctl.metrics.exposition import detect_openmetrics, split_lines
from obsctl.metrics.expostream import flat_samples, iter_samples, new_parser
from obsctl.metrics.query import series_text
from obsctl.metrics.scrape_render import SAMPLE_COLUMNS, sample_row, write_samples
from tests.conftest import FIXTURES

PAGES = sorted(p for p in (FIXTURES / "prometheus").iterdir() if p.suffix in (".prom", ".txt"))
EDGES = (
    'a{b="x,y"} 1\n'
    'a{b="say \\"hi\\""} 2\n'
    'a{b="tab\there"} 3\n'
    'a{b="new\\nline"} 4\n'
    'a{__name__="b"} 5\n'
    '{"dotted.name",c="d"} 6\n'
    "a NaN\n"
    "a -Inf\n"
    "a 1e20\n"
    "a 0.1\n"
    'b:c{y="{1}",x="a,b"} 1\n'
    'b:c{y="}{",x="t\tab"} 2\n'
    'b:c{x="3",y="4"} 3\n'
    'b:c{x="5",y="6"} 4\n'
    'b:c{y="7",x="8"} 5\n'
    'b:c{y="x\\"q",x="9"} 6\n'
)


def _pairs(text: str) -> list:
    return list(iter_samples(split_lines(text), openmetrics=detect_openmetrics(text)))


# More label-name orders than the writer keeps templates for.
MANY_ORDERS = "".join(f'm{{l{i}="v{i}",a="x"}} {i}\n' for i in range(1005))


def _texts() -> list[str]:
    texts = [EDGES, MANY_ORDERS]
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        try:
            _pairs(text)
        except ValueError:
            continue  # the docs example with its invalid line 10
        texts.append(text)
    return texts


@pytest.mark.parametrize("flat", [False, True], ids=["samples", "flat"])
@pytest.mark.parametrize("fmt", ["csv", "tsv", None])
@pytest.mark.parametrize("text", _texts(), ids=lambda t: str(len(t)))
def test_streamed_rows_equal_the_generic_renderer(fmt, text, flat):
    pairs = _pairs(text)
    fast, generic = io.StringIO(), io.StringIO()
    parser = new_parser(openmetrics=detect_openmetrics(text))
    items = flat_samples(parser, split_lines(text)) if flat else None  # as `metrics scrape` reads them
    n = write_samples(Output(stdout=fast, is_tty=False), pairs, fmt, flat=items)
    reference = [  # built with the general helpers the fast series()/number() stand in for
        {
            "series": series_text({"__name__": s.name, **s.labels}),
            "type": f.type,
            "value": format_value(s.value),
        }
        for f, s in pairs
    ]
    assert reference == [{k: sample_row(f, s)[k] for k in ("series", "type", "value")} for f, s in pairs]
    Output(stdout=generic, is_tty=False).render_rows(SAMPLE_COLUMNS, reference, fmt)
    assert n == len(pairs)
    assert fast.getvalue() == generic.getvalue()
