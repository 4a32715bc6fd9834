"""core/yamlfast: the line reader gives exactly libyaml's text-scalar result, or declines."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
import yaml.events
from hypothesis import given, settings
from hypothesis import strategies as st

from obsctl.core import yamlio
from obsctl.core.yamlfast import DECLINE, read_simple


def _libyaml(text: str) -> tuple[str, Any]:
    """What load_text_scalars gives without the fast path: ("ok", value) or ("error", None)."""
    loader = yaml.CBaseLoader(text)
    try:
        return "ok", yamlio._build(loader, yaml.events)
    except (yaml.YAMLError, yamlio.YAMLError):
        return "error", None
    finally:
        loader.dispose()


def _agrees(text: str) -> bool:
    """Fast == libyaml, or fast declined; returns whether the fast reader took it."""
    fast = read_simple(text)
    if fast is DECLINE:
        return False
    assert _libyaml(text) == ("ok", fast), text
    return True


@pytest.mark.parametrize(
    "text",
    [
        "config: am.yml\ncases:\n- name: case 0\n  labels:\n    alertname: A\n    team: t1\n  expect: [r1, r2]\n",
        "cases:\n  - name: 'x'\n    labels: {a: b, c: \"d\"}\n    expect:\n      - r1\n",
        '- {a: b, c: "d"}\n- [x, y,]\n- []\n- {}\n',
        "k: v # comment\n# whole line\n   # indented comment\nz: [ ]\n\n\n",
        "- - a\n  - b\n-\n- c: \n  d: e\n",
        "'a:b': \"c#d\"\nNULL: x\nnull: null\nNull: 'null'\n",
        "- a: [b, {c: d}]\n  e: f\n",
        "on: yes\nn: 1e3\nh: 0x10\nd: 2026-01-03\nu: héllo wörld\nsp: a  b\n",
        "a:\n- b\n- c\nd: 1\n",
        "  a: 1\n  b: 2\n",
        "-   a: 1\n    b: 2\n-  c\n",
    ],
)
def test_common_shapes_are_read_fast_and_the_same(text: str) -> None:
    assert _agrees(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "a: &x 1\nb: *x\n",
        "t: !!int 7\n",
        "a: |\n  text\n",
        "a: >\n  folded\n",
        "a: b\n  c\n",
        "a: 'it''s'\n",
        'a: "tab\\tand"\n',
        "---\na: 1\n",
        "a: 1\n...\n",
        "? a\n: b\n",
        "a:\tb\n",
        "a: 1\r\nb: 2\r\n",
        "a: ~\n",
        "<<: {a: b}\n",
        "a: [b,\n  c]\n",
        "a: 'multi\n  line'\n",
        "a:\n  - b\n  c: 1\n",
        "a: 1\n- b\n",
        "a: b: c\n",
        "a:b\n",
        "- a\n  - b\n",
        "k" * 1100 + ": v\n",
        "a: -1\n",
        "\ufeffa: 1\n",
        "a: 1\n a: 2\n",
        "plain scalar\n",
        "t: 12:30\n",
    ],
)
def test_anything_else_is_declined(text: str) -> None:
    assert read_simple(text) is DECLINE
    # and load_text_scalars still reads (or refuses) it through libyaml
    status, value = _libyaml(text)
    if status == "ok":
        assert yamlio.load_text_scalars(text) == value


_WORDS = st.sampled_from(
    [
        "a",
        "b c",
        "x.y",
        "null",
        "NULL",
        "yes",
        "1e3",
        "0x10",
        "~",
        "-1",
        "1:2",
        "a#b",
        "é",
        "日本",
        "",
        "a  b",
        "it's",
        'q"q',
        "[x]",
        "{y}",
        "a, b",
        "*x",
        "&y",
        "!t",
        "%",
        "@",
        "`",
        "a:",
        "- a",
        "?",
    ]
)


@st.composite
def _scalar(draw: st.DrawFn) -> str:
    word = draw(_WORDS)
    style = draw(st.sampled_from(["plain", "single", "double"]))
    if style == "single":
        return "'" + word.replace("'", "''") + "'"
    if style == "double":
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word


@st.composite
def _case(draw: st.DrawFn) -> list[str]:
    """One case as block lines at indent 0, in either the block or the flow shape, spacing varied."""
    sp = draw(st.sampled_from([" ", "  "]))
    lines = [f"- name:{sp}{draw(_scalar())}"]
    pairs = [(draw(_scalar()), draw(_scalar())) for _ in range(draw(st.integers(0, 3)))]
    if draw(st.booleans()):
        inner = ", ".join(f"{k}:{sp}{v}" for k, v in pairs)
        lines.append(f"  labels:{sp}{{{inner}}}")
    else:
        lines.append("  labels:")
        lines += [f"    {k}:{sp}{v}" + draw(st.sampled_from(["", " # c", "  "])) for k, v in pairs]
    receivers = [draw(_scalar()) for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        lines.append(f"  expect: [{', '.join(receivers)}]")
    else:
        lines.append("  expect:")
        lines += [f"  - {r}" for r in receivers]
    if draw(st.booleans()):
        lines.insert(draw(st.integers(1, len(lines))), draw(st.sampled_from(["", "# note", "    # x"])))
    return lines


@settings(max_examples=300, deadline=None)
@given(st.lists(_case(), min_size=1, max_size=4), st.sampled_from(["", "config: am.yml\n"]))
def test_generated_case_files_agree_with_libyaml(cases: list[list[str]], head: str) -> None:
    text = head + "cases:\n" + "".join(line + "\n" for case in cases for line in case)
    _agrees(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab:-#'\" \n{}[],~\t", max_size=40))
def test_any_text_agrees_or_declines(text: str) -> None:
    _agrees(text)


def test_bench_shaped_file_is_read_fast() -> None:
    cases = [{"name": f"case {i}", "labels": {"alertname": f"A{i}", "team": "t"}} for i in range(50)]
    text = yaml.safe_dump({"config": "am.yml", "cases": cases}, sort_keys=False)
    assert _agrees(text)
