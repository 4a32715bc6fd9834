"""One renderer: exact strings for every format, TTY vs piped, colour rules."""

from __future__ import annotations

import io
import json

import pytest
import yaml

from obsctl.core.output import Column, Output, format_value

COLS = [Column("name", "name"), Column("value", "value"), Column("note", "note", wide_only=True)]
ROWS = [{"name": "a", "value": 1.5, "note": "x\ty"}, {"name": "bb", "value": float("nan"), "note": None}]


def make(tty: bool = False, color: bool | None = None, env=None) -> tuple[Output, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Output(out, err, is_tty=tty, color=color, env=env or {}, width=80), out, err


def test_piped_default_is_headerless_tsv():
    o, out, _ = make()
    o.render_rows(COLS, ROWS, None)
    assert out.getvalue() == "a\t1.5\nbb\tNaN\n"


def test_tsv_has_header_and_wide_columns_hidden():
    o, out, _ = make()
    o.render_rows(COLS, ROWS, "tsv")
    assert out.getvalue() == "name\tvalue\na\t1.5\nbb\tNaN\n"


def test_csv_quotes_and_includes_wide_only_when_wide():
    o, out, _ = make()
    o.render_rows(COLS, [{"name": 'a,"b"', "value": 2}], "csv")
    assert out.getvalue() == 'name,value\n"a,""b""",2\n'


def test_json_is_stable_and_finite():
    o, out, _ = make()
    o.render_rows(COLS, ROWS, "json")
    assert json.loads(out.getvalue()) == [
        {"name": "a", "value": 1.5, "note": "x\ty"},
        {"name": "bb", "value": "NaN", "note": None},
    ]


def test_jsonl_one_object_per_line():
    o, out, _ = make()
    o.render_rows(COLS, ROWS, "jsonl")
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["a", "bb"]


def test_yaml_document():
    o, out, _ = make()
    o.render_rows(COLS, ROWS, "yaml", document={"items": [1, 2]})
    assert yaml.safe_load(out.getvalue()) == {"items": [1, 2]}


def test_table_on_tty_uses_uppercase_headers_without_colour_codes_when_off():
    o, out, _ = make(tty=True, color=False)
    o.render_rows(COLS, ROWS, None)
    text = out.getvalue()
    assert text.splitlines()[0].split() == ["NAME", "VALUE"]
    assert "\x1b[" not in text
    assert "bb" in text and "NaN" in text


def test_wide_table_shows_wide_columns():
    o, out, _ = make(tty=True, color=False)
    o.render_rows(COLS, ROWS, "wide")
    assert out.getvalue().splitlines()[0].split() == ["NAME", "VALUE", "NOTE"]


def test_explicit_table_when_piped_is_plain_aligned_text():
    o, out, _ = make()
    o.render_rows(COLS, ROWS, "table")
    assert out.getvalue() == "NAME  VALUE\na     1.5\nbb    NaN\n"


def test_large_tables_bypass_rich_and_still_align():
    o, out, _ = make(tty=True, color=False)
    rows = [{"name": f"n{i}", "value": i} for i in range(100_000)]
    o.render_rows(COLS, rows, None)
    lines = out.getvalue().splitlines()
    assert len(lines) == 100_001
    assert lines[0] == "NAME    VALUE"
    assert lines[-1] == "n99999  99999"


def test_colour_rules():
    assert make(tty=True, env={})[0].color is True
    assert make(tty=True, env={"NO_COLOR": "1"})[0].color is False
    # no-color.org: an empty NO_COLOR does not disable colour (issue 9 item 14).
    assert make(tty=True, env={"NO_COLOR": ""})[0].color is True
    assert make(tty=True, env={"TERM": "dumb"})[0].color is False
    assert make(tty=False, env={})[0].color is False
    assert make(tty=True, color=False, env={})[0].color is False
    o = make(tty=True, env={})[0]
    assert o.style("x", "red") == "\x1b[31mx\x1b[0m"
    assert make(tty=False)[0].style("x", "red") == "x"


def test_messages_go_to_stderr():
    o, out, err = make()
    o.error("it broke", hint="fix it")
    o.warn("careful")
    assert out.getvalue() == ""
    assert err.getvalue() == "obsctl: error: it broke\nhint: fix it\nobsctl: warning: careful\n"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (3.0, "3"),
        (0.1, "0.1"),
        (float("inf"), "+Inf"),
        (["a", "b"], "a,b"),
        ({"k": "v"}, "k=v"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text


def test_view_renders_every_format_with_one_wide_and_human_policy():
    from obsctl.core.output import View

    view = View(
        [Column("name", "name"), Column("age", "age"), Column("id", "id", wide_only=True)],
        [{"name": "a", "age": 90, "id": "x1"}],
        human={"age": lambda s: f"{s}s ago"},
    )
    expected = {
        ("tsv", False): "name\tage\na\t90\n",
        (None, False): "a\t90\n",
        ("csv", False): "name,age\na,90\n",
        ("wide", False): "NAME  AGE      ID\na     90s ago  x1\n",
        ("table", False): "NAME  AGE\na     90s ago\n",
        ("jsonl", False): '{"name":"a","age":90,"id":"x1"}\n',
    }
    for (fmt, tty), text in expected.items():
        o, out, _ = make(tty=tty)
        o.render(view, fmt)
        assert out.getvalue() == text, fmt
    o, out, _ = make()
    o.render(View(view.columns, view.rows, document={"items": 1}, records=[{"r": 1}, {"r": 2}]), "jsonl")
    assert out.getvalue() == '{"r":1}\n{"r":2}\n'
    o, out, _ = make()
    o.render(View(view.columns, view.rows, document={"items": 1}), "json")
    assert json.loads(out.getvalue()) == {"items": 1}


def test_is_human_is_one_rule():
    assert make(tty=True)[0].is_human(None)
    assert not make(tty=False)[0].is_human(None)
    assert make(tty=False)[0].is_human("wide")
    assert not make(tty=True)[0].is_human("tsv")


@pytest.mark.parametrize(
    ("count", "word", "many", "text"),
    [
        (1, "day", None, "1 day"),
        (2, "day", None, "2 days"),
        (0, "check", None, "0 checks"),
        (1.0, "day", None, "1 day"),
        (1.5, "day", None, "1.5 days"),
        (12345, "sample", None, "12,345 samples"),
        (1, "series", "series", "1 series"),
        (3, "series", "series", "3 series"),
        (-1, "day", None, "-1 day"),
    ],
)
def test_one_plural(count, word, many, text):
    from obsctl.core.output import plural

    assert plural(count, word, many) == text
