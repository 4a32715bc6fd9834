"""Matcher parsing (Alertmanager 0.25 classic parser), canonical form and RE2 semantics."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obsctl.alerts.matchers import (
    Matcher,
    MatcherError,
    compile_go_regex,
    parse_label_args,
    parse_matcher,
    parse_matchers,
)
from obsctl.core.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{foo = "bar", dings != "bums", }', [("foo", "=", "bar"), ("dings", "!=", "bums")]),
        ("foo=bar,dings!=bums", [("foo", "=", "bar"), ("dings", "!=", "bums")]),
        ('statuscode=~"5.."', [("statuscode", "=~", "5..")]),
        ('quote="She said: \\"Hi, ladies!\\""', [("quote", "=", 'She said: "Hi, ladies!"')]),
        ('a="x, y",b=~"1|2"', [("a", "=", "x, y"), ("b", "=~", "1|2")]),
        ('a="line\\nbreak"', [("a", "=", "line\nbreak")]),
        ('a="back\\\\slash"', [("a", "=", "back\\slash")]),
        ('a="spurious\\d"', [("a", "=", "spurious\\d")]),
        ("a=  unquoted value  ", [("a", "=", "unquoted value")]),
        ("a=", [("a", "=", "")]),
        ("a==b", [("a", "=", "=b")]),
        ("a=~~", [("a", "=~", "~")]),
        ("colon:name=v", [("colon:name", "=", "v")]),
        ('"service name"="api"', [("service name", "=", "api")]),
    ],
)
def test_parse_matchers_accepts_what_alertmanager_accepts(
    text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert [(m.name, m.op, m.value) for m in parse_matchers(text)] == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just-a-word", "bad matcher format"),
        ("a=b,,c=d", "bad matcher format"),
        ('a="unterminated', "unescaped double quote"),
        ('a="x"y"', "unescaped double quote"),
        ("1a=b", "bad matcher format"),
        ('a=~"(("', "error parsing regexp"),
        ('a=~"[z-a]"', "error parsing regexp"),
        ('a=~"x{1001}"', "error parsing regexp"),
        ('a=~"(?<n>x)"', "invalid or unsupported Perl syntax"),
        ('a=~"x\\C"', "invalid escape sequence"),
        ('a=~"(?=x)"', "error parsing regexp"),
        ('a=~"\\1"', "error parsing regexp"),
        ('a=~"\\Z"', "error parsing regexp"),
    ],
)
def test_parse_matchers_rejects_what_alertmanager_rejects(text: str, message: str) -> None:
    with pytest.raises(MatcherError) as exc:
        parse_matchers(text)
    assert message in exc.value.message
    assert exc.value.exit_code == 2


@pytest.mark.parametrize(
    ("regex", "value", "hit"),
    [
        (r"\d+", "123", True),
        (r"\d+", "12a", False),
        (r"\d+", "١٢٣", False),  # Go's \d is ASCII only
        ("abc$", "abc\n", False),  # $ is end of text, not before a trailing newline (Python re differs)
        ("abc", "xabcx", False),  # fully anchored
        ("(?i)ABC", "abc", True),
        (r"\pL+", "Ωμέγα", True),
        (r"\p{Greek}+", "αβγ", True),
        (r"\w+", "é", False),
        ("(?i)k", "\u212a", True),  # Kelvin sign folds to k in RE2 and Go
        ("a.b", "a\nb", False),
        ("(?s)a.b", "a\nb", True),
        ("x|", "", True),
        ("a)|(b", "ab", True),  # ^(?:a)|(b)$ : Alertmanager's anchoring quirk, reproduced
        (r"\Q.*\E", ".*", True),
        (r"\Q.*\E", "ab", False),
        ("[[:alpha:]]+", "abc", True),
    ],
)
def test_regex_matchers_follow_go_re2(regex: str, value: str, hit: bool) -> None:
    assert Matcher("a", "=~", regex).matches(value) is hit
    assert Matcher("a", "!~", regex).matches(value) is not hit


def test_absent_label_matches_as_empty() -> None:
    assert Matcher("team", "=", "").matches_labels({})
    assert not Matcher("team", "!=", "").matches_labels({})
    assert Matcher("team", "=~", ".*").matches_labels({})


def test_canonical_string_is_alertmanagers() -> None:
    assert str(Matcher("a", "=", 'say "hi"\n\\')) == 'a="say \\"hi\\"\\n\\\\"'
    assert str(Matcher("a", "!~", "x|y")) == 'a!~"x|y"'
    assert str(Matcher("svc name", "=", "x")) == '"svc name"="x"'


def test_compile_is_cached() -> None:
    assert compile_go_regex("a.*b") is compile_go_regex("a.*b")


_names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,8}", fullmatch=True)
_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@given(_names, st.sampled_from(["=", "!="]), _values)
def test_string_form_round_trips(name: str, op: str, value: str) -> None:
    m = Matcher(name, op, value)
    (back,) = parse_matchers(str(m))
    assert (back.name, back.op, back.value) == (name, op, value)


@given(st.dictionaries(_names, _values, max_size=5))
def test_label_args_round_trip(labels: dict[str, str]) -> None:
    args = [str(Matcher(k, "=", v)) for k, v in labels.items()]
    assert parse_label_args(args) == labels


def test_label_args_amtool_rules() -> None:
    assert parse_label_args(["a=b", 'c="x y"', "a=z", "d= spaced "]) == {"a": "z", "c": "x y", "d": "spaced"}
    assert parse_label_args(["msg=a,b"]) == {"msg": "a,b"}  # one arg is one label: commas don't split
    with pytest.raises(UsageError, match="key=value"):
        parse_label_args(["a!=b"])
    with pytest.raises(UsageError, match="bad matcher format"):
        parse_label_args(["novalue"])


def test_parse_matcher_single() -> None:
    m = parse_matcher('  job =~ "api.*"  ')
    assert (m.name, m.op, m.value, m.is_regex) == ("job", "=~", "api.*", True)
