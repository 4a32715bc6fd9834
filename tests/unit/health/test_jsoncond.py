"""The expect_json condition language: values, operators, missing paths, parse errors."""

from __future__ import annotations

import pytest

from obsctl.health.jsoncond import ConditionError, parse

DOC = {
    "status": "ok",
    "checks": {"db": {"status": "up"}},
    "items": [1, 2, 3],
    "n": 5,
    "ready": True,
    "flag": 1,
    "weird key": "x",
    "none": None,
}


@pytest.mark.parametrize(
    ("text", "ok", "observed"),
    [
        ('$.status == "ok"', True, '$.status = "ok"'),
        ("$.status == 'ok'", True, '$.status = "ok"'),
        ('$.status != "ok"', False, '$.status = "ok"'),
        ('$.checks.db.status in ["ok", "up"]', True, '$.checks.db.status = "up"'),
        ('$.checks.db.status not in ["ok", "up"]', False, '$.checks.db.status = "up"'),
        ("$.items | length > 2", True, "$.items = [1, 2, 3]"),
        ("$.items[0] == 1 and $.items[-1] == 3", True, "$.items[0] = 1, $.items[-1] = 3"),
        ("$.n >= 5 and $.n < 6", True, "$.n = 5"),
        ('$.status =~ "^o"', True, '$.status = "ok"'),
        ("$.ready", True, "$.ready = true"),
        ("not $.ready or $.n == 5", True, "$.ready = true, $.n = 5"),
        ("$.flag == true", False, "$.flag = 1"),
        ('$["weird key"] == "x"', True, '$["weird key"] = "x"'),
        ("$.none == null", True, "$.none = null"),
        ('$.missing == "x"', False, "$.missing = missing"),
        ('$.missing != "x"', False, "$.missing = missing"),
        ('$.missing | type == "missing"', True, "$.missing = missing"),
        ('$.checks | keys == ["db"]', True, '$.checks = {"db": {"status": "up"}}'),
        ('$.status | upper == "OK"', True, '$.status = "ok"'),
        ("($.n > 10) or ($.n < 0)", False, "$.n = 5"),
        ('"ok" in ["ok"]', True, "-"),
    ],
)
def test_conditions(text, ok, observed):
    assert parse(text).check(DOC) == (ok, observed)


def test_comparing_across_types_is_false_not_an_error():
    assert parse('$.n > "a"').check(DOC) == (False, "$.n = 5")
    assert parse("$.items > 1").check(DOC)[0] is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("$.status ==", "unexpected end of condition '$.status =='"),
        (
            "$.a | foo",
            "unknown function 'foo' at position 7; known: length, keys, type, lower, upper, number",
        ),
        (
            "status == 1",
            "expected a value ($.path, string, number, true, false, null) but found 'status' at position 1",
        ),
        (
            '$.a =~ "("',
            "invalid regular expression '(' at position 8: missing ), unterminated subpattern at position 0",
        ),
        ("$.a =~ 1", "the right side of =~ must be a quoted regular expression (found '1' at position 8)"),
        ("$.a == 1 1", "unexpected '1' at position 10"),
        ("$.a = 1", "cannot read '= 1' at position 5"),
        ("($.a == 1", "expected ')' but found the end"),
        ("$.a[x]", "expected an index or a quoted key in [] at position 5"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(ConditionError) as err:
        parse(text)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("text", "doc", "ok"),
    [
        # Issue 9.4: the documented example crashed with JSONDecodeError (exit 70).
        ('$.version =~ "^2\\."', {"version": "2.42.0"}, True),
        ('$.version =~ "^2\\."', {"version": "2x42"}, False),
        ("$.version =~ '^v\\d+$'", {"version": "v12"}, True),
        ('$.msg =~ "say \\"hi\\""', {"msg": 'they say "hi"'}, True),
        ('$.path =~ "\\\\tmp"', {"path": "C:\\tmp"}, True),
    ],
)
def test_regex_literals_keep_their_backslashes(text, doc, ok):
    assert parse(text).check(doc)[0] is ok
