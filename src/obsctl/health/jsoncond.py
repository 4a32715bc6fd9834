"""A small, documented condition language over a JSON body (`expect_json` in http probes).

Grammar (docs/health.md has examples)::

    expr    := and ('or' and)*
    and     := not ('and' not)*
    not     := 'not' not | compare
    compare := value [op value]         op: == != < <= > >= in 'not in' =~ (regex search)
    value   := primary ('|' func)*      func: length, keys, type, lower, upper, number
    primary := path | literal | '[' literals ']' | '(' expr ')'
    path    := '$' ('.' name | '[' int ']' | '[' "key" ']')*

A condition without an operator is true when the value is truthy. A path that does not exist is
*missing*: every comparison with it is false (`!=` included) and the message says it is missing.
No library on the path: the grammar is 150 lines, parses at config load (so errors exit 2 with the
probe and field), and its messages name the observed values.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class ConditionError(ValueError):
    """The condition text does not parse; the message points at the offending token."""


class _Missing:
    def __repr__(self) -> str:
        return "missing"


MISSING: Any = _Missing()

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
    | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<op>==|!=|<=|>=|=~|<|>|\||\(|\)|\[|\]|,|\.|\$|\*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.X,
)

_FUNCS: dict[str, Callable[[Any], Any]] = {
    "length": lambda v: len(v) if isinstance(v, (str, list, dict)) else MISSING,
    "keys": lambda v: sorted(v) if isinstance(v, dict) else MISSING,
    "type": lambda v: _type_name(v),
    "lower": lambda v: v.lower() if isinstance(v, str) else MISSING,
    "upper": lambda v: v.upper() if isinstance(v, str) else MISSING,
    "number": lambda v: _to_number(v),
}


def _type_name(value: Any) -> str:
    if value is MISSING:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _to_number(value: Any) -> Any:
    if isinstance(value, bool):
        return MISSING
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return MISSING


@dataclass
class _Eval:
    """What evaluating a condition saw: path -> value, for the failure message."""

    seen: dict[str, Any] = field(default_factory=dict)


Node = Callable[[Any, _Eval], Any]


@dataclass(frozen=True)
class Condition:
    """A parsed condition; call `.check(document)` for (ok, observed-values text)."""

    text: str
    node: Node

    def check(self, document: Any) -> tuple[bool, str]:
        ev = _Eval()
        try:
            ok = _truthy(self.node(document, ev))
        except (TypeError, re.error):
            ok = False
        observed = ", ".join(f"{p} = {_show(v)}" for p, v in ev.seen.items()) or "-"
        return ok, observed


def _show(value: Any) -> str:
    if value is MISSING:
        return "missing"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


def _truthy(value: Any) -> bool:
    return value is not MISSING and bool(value)


def parse(text: str) -> Condition:
    """Parse a condition, raising ConditionError with the position of the problem."""
    tokens = _tokenize(text)
    parser = _Parser(tokens, text)
    node = parser.expr()
    if parser.pos < len(tokens):
        raise ConditionError(f"unexpected {tokens[parser.pos][1]!r} at position {tokens[parser.pos][2] + 1}")
    return Condition(text, node)


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            at = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise ConditionError(f"cannot read {text[at:].strip()[:10]!r} at position {at + 1}")
        kind = m.lastgroup or ""
        start = m.start(kind)
        out.append((kind, m.group(kind), start))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str, int] | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise ConditionError(f"unexpected end of condition {self.text!r}")
        self.pos += 1
        return tok

    def accept(self, value: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[1] == value and tok[0] in ("op", "word"):
            self.pos += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            tok = self.peek()
            where = f"{tok[1]!r} at position {tok[2] + 1}" if tok else "the end"
            raise ConditionError(f"expected {value!r} but found {where}")

    def expr(self) -> Node:
        left = self.and_()
        while self.accept("or"):
            right = self.and_()
            left = (lambda a, b: lambda d, e: _truthy(a(d, e)) or _truthy(b(d, e)))(left, right)
        return left

    def and_(self) -> Node:
        left = self.not_()
        while self.accept("and"):
            right = self.not_()
            left = (lambda a, b: lambda d, e: _truthy(a(d, e)) and _truthy(b(d, e)))(left, right)
        return left

    def not_(self) -> Node:
        if self.accept("not"):
            inner = self.not_()
            return lambda d, e: not _truthy(inner(d, e))
        return self.compare()

    def compare(self) -> Node:
        left = self.value()
        tok = self.peek()
        if tok is None:
            return left
        op = tok[1]
        if tok[0] == "word" and op == "not" and (nxt := self.peek(1)) is not None and nxt[1] == "in":
            self.pos += 2
            right = self.value()
            return lambda d, e: _compare("not in", left(d, e), right(d, e))
        if (op in ("==", "!=", "<", "<=", ">", ">=", "=~") and tok[0] == "op") or (
            tok[0] == "word" and op == "in"
        ):
            self.pos += 1
            if op == "=~":
                right = self.regex()
                return lambda d, e: _compare(op, left(d, e), right(d, e))
            right = self.value()
            return lambda d, e: _compare(op, left(d, e), right(d, e))
        return left

    def regex(self) -> Node:
        r"""The right side of =~: a regex literal, not a JSON string — backslashes belong to the
        regex (`"^2\."` is the regex `^2\.`); only the quote character itself is escaped."""
        tok = self.peek()
        if tok is None or tok[0] != "str":
            raise ConditionError(
                "the right side of =~ must be a quoted regular expression"
                + (f" (found {tok[1]!r} at position {tok[2] + 1})" if tok else " (found the end)")
            )
        self.pos += 1
        quote = tok[1][0]
        body = tok[1][1:-1].replace("\\" + quote, quote)
        try:
            pattern = re.compile(body)
        except re.error as exc:
            raise ConditionError(
                f"invalid regular expression {body!r} at position {tok[2] + 1}: {exc}"
            ) from None
        return lambda d, e: pattern

    def value(self) -> Node:
        node = self.primary()
        while self.accept("|"):
            kind, name, at = self.take()
            if kind != "word" or name not in _FUNCS:
                raise ConditionError(
                    f"unknown function {name!r} at position {at + 1}; known: {', '.join(_FUNCS)}"
                )
            node = _apply(node, name)
        return node

    def primary(self) -> Node:
        kind, value, _at = self.take()
        if kind == "op" and value == "$":
            return self.path()
        if kind == "op" and value == "(":
            inner = self.expr()
            self.expect(")")
            return inner
        if kind == "op" and value == "[":
            items: list[Any] = []
            if not self.accept("]"):
                while True:
                    items.append(self.literal())
                    if self.accept("]"):
                        break
                    self.expect(",")
            return lambda d, e: items
        self.pos -= 1
        lit = self.literal()
        return lambda d, e: lit

    def literal(self) -> Any:
        kind, value, at = self.take()
        if kind == "num":
            return float(value) if any(c in value for c in ".eE") else int(value)
        if kind == "str":
            if value.startswith("'"):
                value = '"' + value[1:-1].replace('\\"', '"').replace('"', '\\"') + '"'
            return json.loads(value)
        if kind == "word" and value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        raise ConditionError(
            f"expected a value ($.path, string, number, true, false, null) but found {value!r} at position {at + 1}"
        )

    def path(self) -> Node:
        steps: list[str | int] = []
        label = "$"
        while True:
            if self.accept("."):
                kind, name, at = self.take()
                if kind not in ("word", "num") or (kind == "num" and not name.isdigit()):
                    raise ConditionError(f"expected a field name after '.' at position {at + 1}")
                steps.append(name)
                label += "." + name
            elif (tok := self.peek()) is not None and tok[1] == "[" and tok[0] == "op":
                self.pos += 1
                kind, key, at = self.take()
                if kind == "num" and key.lstrip("-").isdigit():
                    steps.append(int(key))
                    label += f"[{key}]"
                elif kind == "str":
                    name = json.loads(key if key.startswith('"') else '"' + key[1:-1] + '"')
                    steps.append(name)
                    label += f"[{key}]"
                else:
                    raise ConditionError(f"expected an index or a quoted key in [] at position {at + 1}")
                self.expect("]")
            else:
                break
        frozen = tuple(steps)

        def get(doc: Any, ev: _Eval) -> Any:
            cur = doc
            for step in frozen:
                cur = _step(cur, step)
                if cur is MISSING:
                    break
            ev.seen[label] = cur
            return cur

        return get


def _step(cur: Any, step: str | int) -> Any:
    """One path step: a list index or an object key; MISSING when it does not exist."""
    if isinstance(step, int):
        if isinstance(cur, list) and -len(cur) <= step < len(cur):
            return cur[step]
        return MISSING
    if isinstance(cur, dict) and step in cur:
        return cur[step]
    return MISSING


def _apply(inner: Node, name: str) -> Node:
    fn = _FUNCS[name]

    def call(doc: Any, ev: _Eval) -> Any:
        value = inner(doc, ev)
        if value is MISSING and name != "type":
            return MISSING
        return fn(value)

    return call


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is MISSING or right is MISSING:
        return False
    if op == "==":
        return bool(_norm(left) == _norm(right))
    if op == "!=":
        return bool(_norm(left) != _norm(right))
    if op == "in":
        if isinstance(right, list):
            return _norm(left) in [_norm(x) for x in right]
        if isinstance(right, str):
            return isinstance(left, str) and left in right
        if isinstance(right, dict):
            return isinstance(left, str) and left in right
        return False
    if op == "not in":
        return not _compare("in", left, right)
    if op == "=~":
        return isinstance(left, str) and right.search(left) is not None
    if isinstance(left, bool) or isinstance(right, bool):
        return False
    numbers = isinstance(left, (int, float)) and isinstance(right, (int, float))
    strings = isinstance(left, str) and isinstance(right, str)
    if numbers or strings:
        return bool(_ORDER[op](left, right))
    return False


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _norm(value: Any) -> Any:
    """Keep true/1 apart (JSON booleans are not numbers)."""
    if isinstance(value, bool):
        return ("bool", value)
    return value
