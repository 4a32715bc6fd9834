"""core/yamlio: the C-loader helpers every YAML reader uses."""

from __future__ import annotations

import string

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from obsctl.core.yamlio import YAMLError, load, load_text_scalars, safe_loader


def test_safe_loader_is_libyaml_when_pyyaml_has_it() -> None:
    assert safe_loader() is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert load("a: 1\nb: [true, ~]\n") == {"a": 1, "b": [True, None]}


def test_load_reports_line_of_the_problem() -> None:
    with pytest.raises(YAMLError) as info:
        load("a: 1\nb: [\n")
    assert info.value.line == 3 and "line 3" in str(info.value)


def test_text_scalars_keep_the_written_text() -> None:
    text = "code: 500\nhex: 0x1F\non: yes\nf: 1.50\nd: 2026-01-03\nq: 'null'\nn: ~\ne:\nt: !!int 7\n"
    assert load_text_scalars(text) == {
        "code": "500",
        "hex": "0x1F",
        "on": "yes",
        "f": "1.50",
        "d": "2026-01-03",
        "q": "null",
        "n": None,
        "e": None,
        "t": "7",
    }


def test_text_scalars_anchors_aliases_and_empty_documents() -> None:
    assert load_text_scalars("a: &x {k: v}\nb: *x\nc: [&y 1, *y]\n") == {
        "a": {"k": "v"},
        "b": {"k": "v"},
        "c": ["1", "1"],
    }
    assert load_text_scalars("") is None
    assert load_text_scalars("# only a comment\n") is None
    assert load_text_scalars("- a\n- [b, {c: d}]\n") == ["a", ["b", {"c": "d"}]]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: &x {k: v}\nb:\n  <<: *x\n", 3, "merge keys"),
        ("a: 1\n---\nb: 2\n", None, "single document"),
        ("? [a, b]\n: c\n", 1, "cannot be a mapping key"),
        ("a: [1, 2\nb: 3\n", 2, ""),
        ("a: ok\nb: \x01\n", 2, "unacceptable character #x01"),
    ],
)
def test_text_scalars_errors_have_a_line(text: str, line: int | None, words: str) -> None:
    with pytest.raises(YAMLError) as info:
        load_text_scalars(text)
    assert info.value.line == line and words in info.value.problem


_scalars = st.text(alphabet=string.ascii_letters + string.digits + " -_.:", max_size=8)
_trees = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_scalars, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_trees)
def test_text_scalars_round_trip_any_tree_of_strings(tree: object) -> None:
    # Quoted by the emitter, every leaf is a string, so the text view equals the tree itself;
    # block and flow styles both go through the event builder.
    for flow in (False, True):
        text = yaml.safe_dump(tree, default_flow_style=flow, allow_unicode=True)
        assert load_text_scalars(text) == tree


def _reference_text_scalars(text: str) -> object:
    """The same semantics through PyYAML's composer (slow, simple): every scalar's text, plain nulls."""
    loader_base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    null_tag, str_tag = "tag:yaml.org,2002:null", "tag:yaml.org,2002:str"

    class TextLoader(loader_base):  # type: ignore[misc, valid-type]
        def resolve(self, kind: object, value: object, implicit: tuple[bool, bool]) -> str:
            if kind is yaml.ScalarNode:
                return null_tag if implicit[0] and value in ("", "~", "null", "Null", "NULL") else str_tag
            return "tag:yaml.org,2002:seq" if kind is yaml.SequenceNode else "tag:yaml.org,2002:map"

    def conv(node: yaml.Node) -> object:
        if isinstance(node, yaml.ScalarNode):
            return None if node.tag == null_tag else node.value
        if isinstance(node, yaml.SequenceNode):
            return [conv(x) for x in node.value]
        return {conv(k): conv(v) for k, v in node.value}

    root = yaml.compose(text, Loader=TextLoader)
    return None if root is None else conv(root)


_words = st.sampled_from(
    ["a", "500", "0x1F", "1.50", "yes", "True", "~", "null", "''", '"q\\tx"', "'it''s'", "2026-01-03", "!!int 7", ""]
)


@st.composite
def _yaml_docs(draw: st.DrawFn) -> str:
    """Block and flow YAML with quoting, tags, nulls, anchors and aliases."""
    lines = []
    anchors: list[str] = []
    for i in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["scalar", "flow-map", "flow-seq", "block-seq", "anchor", "alias"]))
        if kind == "scalar":
            lines.append(f"k{i}: {draw(_words)}")
        elif kind == "flow-map":
            lines.append(f"k{i}: {{x: {draw(_words)}, y: [{draw(_words)}, {draw(_words)}]}}")
        elif kind == "flow-seq":
            lines.append(f"k{i}: [{draw(_words)}, {{z: {draw(_words)}}}]")
        elif kind == "block-seq":
            lines += [f"k{i}:", f"  - {draw(_words)}", f"  - m: {draw(_words)}", f"    n: {draw(_words)}"]
        elif kind == "anchor":
            anchors.append(f"a{i}")
            lines.append(f"k{i}: &a{i} {{v: {draw(_words)}}}")
        elif anchors:
            lines.append(f"k{i}: *{draw(st.sampled_from(anchors))}")
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None)
@given(_yaml_docs())
def test_text_scalars_agree_with_the_composer(text: str) -> None:
    try:
        expected = _reference_text_scalars(text)
    except yaml.YAMLError:  # e.g. an empty entry in a flow sequence: both must refuse it
        with pytest.raises(YAMLError):
            load_text_scalars(text)
        return
    assert load_text_scalars(text) == expected
