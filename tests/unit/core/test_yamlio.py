"""core/yamlio: the C-loader helpers every YAML reader uses."""

from __future__ import annotations

import string

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from obsctl.core.errors import ConfigError, ExitCode, UsageError
from obsctl.core.yamlio import (
    MAX_DEPTH,
    YAMLError,
    load,
    load_file,
    load_text_scalars,
    node_children,
    safe_loader,
    shape_problem,
)


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


# ---- what a file may hold but Python cannot read or walk: YAMLError, and load_file's exit-2 line ----


@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        ("k: " + "9" * 5000 + "\n", "a number with more than 4300 digits is too long to read", 1),
        ("a: 1\nb: [1, -" + "7" * 4400 + "]\n", "a number with more than 4300 digits", 2),
        ("x: &a [*a]\n", "an alias is used inside its own anchor (a recursive structure)", None),
        ("x: &a {b: {c: [1, *a]}}\n", "an alias is used inside its own anchor", None),
        ("[" * 101 + "]" * 101, f"nested more than {MAX_DEPTH} levels deep", None),
        ("a:\n" + "".join("  " * i + "b:\n" for i in range(1, 150)), "nested more than 100 levels deep", None),
        ("{a: " * 800 + "}" * 800, "nested more than 100 levels deep", None),  # RecursionError in pure PyYAML
        ("when: 2026-13-45\n", "invalid value: month must be in 1..12", None),
    ],
)
def test_load_refuses_what_cannot_be_held_or_walked(text: str, problem: str, line: int | None) -> None:
    with pytest.raises(YAMLError) as info:
        load(text)
    assert info.value.problem.startswith(problem) and info.value.line == line


def test_load_keeps_deep_enough_documents_and_shared_aliases() -> None:
    assert load("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    doc = load("a: &x {k: [1]}\nb: *x\nc: [*x, *x]\n")
    assert doc["b"] is doc["a"] and doc["c"] == [{"k": [1]}, {"k": [1]}]


def test_shape_check_is_linear_in_aliases_and_refuses_billion_laughs() -> None:
    # Each level an alias list of the previous one twice: 2**n containers once expanded. The check
    # measures each container once; every later walk or dump would visit all 2**n.
    def laughs(levels: int) -> str:
        lines = ["l0: &l0 [x, y]"] + [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, levels)]
        return "\n".join(lines) + "\n"

    doc = load(laughs(15))  # 32,767 containers expanded: fine
    assert doc["l14"][0] is doc["l13"] and doc["l1"] == [["x", "y"], ["x", "y"]]
    with pytest.raises(YAMLError, match=r"aliases expand it to more than 1,000,000 mappings and lists"):
        load(laughs(60))  # 2**60: would never finish
    chain = "l0: &l0 [x]\n" + "".join(f"l{i}: &l{i} [*l{i - 1}]\n" for i in range(1, 120))
    with pytest.raises(YAMLError, match="nested more than 100 levels"):  # each alias one level deeper
        load(chain)
    wide = "items:\n" + "".join(f"  - {{a: [{i}]}}\n" for i in range(20_000))  # no aliases: never refused
    assert len(load(wide)["items"]) == 20_000


def test_shape_problem_names_the_container_in_a_node_tree() -> None:
    root = yaml.compose("a: 1\nroute: &r\n  receiver: x\n  routes: [*r]\n", Loader=safe_loader())
    problem, node = shape_problem(root, children=node_children) or ("", None)
    assert "own anchor" in problem and node.start_mark.line + 1 == 2  # where the anchor is
    assert shape_problem(yaml.compose("a: [b, {c: d}]\n", Loader=safe_loader()), children=node_children) is None
    assert shape_problem({"a": [[[]]]}, limit=3) == ("nested more than 3 levels deep", [])


def test_text_scalars_refuse_recursive_aliases_and_depth() -> None:
    with pytest.raises(YAMLError, match=r"alias \*a is used inside its own anchor") as info:
        load_text_scalars("cases:\n  - &a {labels: [*a]}\n")
    assert info.value.line == 2
    with pytest.raises(YAMLError, match="nested more than 100 levels deep"):
        load_text_scalars("[" * 101 + "]" * 101)
    assert load_text_scalars("a: &x [1]\nb: [*x, *x]\n") == {"a": ["1"], "b": [["1"], ["1"]]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"contexts:\n  caf\xe9: {}\n", "ctx.yaml:2: not UTF-8 (byte 0xe9 at offset 15)"),
        (b"\xff\xfe\x00junk", "ctx.yaml:1: not UTF-8 (byte 0xff at offset 0)"),
        (b"a: [1,\n", "ctx.yaml:2:1: invalid YAML: "),
        (b"a: " + b"1" * 4400, "ctx.yaml:1: invalid YAML: a number with more than 4300 digits"),
        (b"probes: " + b"[" * 500 + b"]" * 500, "ctx.yaml: invalid YAML: nested more than 100 levels deep"),
        (b"x: &a [*a]\n", "ctx.yaml: invalid YAML: an alias is used inside its own anchor"),
        (b"!!python/object:os.system {}\n", "ctx.yaml:1:1: invalid YAML: could not determine a constructor"),
    ],
)
def test_load_file_is_one_exit_2_line_naming_the_file(data: bytes, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_file(data, "ctx.yaml", "contexts file")
    err = info.value
    assert err.exit_code == ExitCode.USAGE and err.message.startswith(message) and "\n" not in err.message
    if b"\xe9" in data or b"\xff" in data:
        assert err.hint == "save the contexts file as UTF-8, e.g. iconv -f latin1 -t utf-8"


def test_load_file_raises_the_callers_kind_and_reads_text_too() -> None:
    class CaseError(UsageError):
        pass

    with pytest.raises(CaseError, match="^c.yaml: invalid YAML: nested"):
        load_file("[" * 150 + "]" * 150, "c.yaml", error=CaseError)
    assert load_file("a: [1, 2]\n", "c.yaml") == {"a": [1, 2]}
    assert load_file(b"", "c.yaml") is None
