"""A Lucene `query_string` subset for the fake Elasticsearch: words, `field:value`, "phrases",
`*` wildcards, AND / OR / NOT / `-term` / `+term`, parentheses and `default_operator`.

It turns the string into the equivalent query DSL (`match`, `match_phrase`, `wildcard`, `bool`),
which the fake already evaluates; unknown syntax raises the parse error real ES gives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)

_TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+(?:"(?:[^"\\]|\\.)*")?)')


class QueryStringError(ValueError):
    pass


def to_dsl(query: str, default_operator: str = "OR", default_field: str = "*") -> dict[str, Any]:
    tokens = [t for t in _TOKEN.findall(query) if t]
    if not tokens:
        return {"match_all": {}}
    parser = _Parser(tokens, default_operator.upper(), default_field)
    node = parser.expr()
    if parser.pos != len(tokens):
        raise QueryStringError(f'Cannot parse \'{query}\': Encountered " ")" ") "" at line 1')
    return node


class _Parser:
    def __init__(self, tokens: list[str], default_op: str, default_field: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.default_op = default_op
        self.default_field = default_field

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def expr(self) -> dict[str, Any]:
        # (occur, clause, operator to its left); occur is "+", "-" or None (decided below).
        items: list[tuple[str | None, dict[str, Any], str | None]] = []
        op = None
        while (tok := self.peek()) is not None and tok != ")":
            if tok in ("AND", "&&", "OR", "||"):
                op = "AND" if tok in ("AND", "&&") else "OR"
                self.pos += 1
                continue
            occur = None
            if tok in ("NOT", "!"):
                occur = "-"
                self.pos += 1
            elif tok[0] in "-+" and len(tok) > 1:
                occur = tok[0]
                self.tokens[self.pos] = tok[1:]
            items.append((occur, self.atom(), op))
            op = None
        must: list[dict[str, Any]] = []
        should: list[dict[str, Any]] = []
        must_not: list[dict[str, Any]] = []
        for i, (occur, clause, left) in enumerate(items):
            right = items[i + 1][2] if i + 1 < len(items) else None
            if occur == "-":
                must_not.append(clause)
            elif occur == "+":
                must.append(clause)
            elif "OR" in (left, right):
                should.append(clause)
            elif "AND" in (left, right) or self.default_op == "AND":
                must.append(clause)
            else:
                should.append(clause)
        if not must_not and len(must) + len(should) == 1:
            return (must or should)[0]
        body: dict[str, Any] = {}
        if must:
            body["must"] = must
        if should:
            body["should"] = should
            body["minimum_should_match"] = 0 if must else 1
        if must_not:
            body["must_not"] = must_not
        return {"bool": body}

    def atom(self) -> dict[str, Any]:
        tok = self.tokens[self.pos]
        self.pos += 1
        if tok == "(":
            node = self.expr()
            if self.peek() != ")":
                raise QueryStringError("Cannot parse: missing )")
            self.pos += 1
            return node
        field, sep, value = tok.partition(":")
        if not sep or tok.startswith('"'):
            field, value = self.default_field, tok
        elif value == "" and self.peek() == "(":
            self.pos += 1
            inner = self.expr()
            self.pos += 1
            return _retarget(inner, field)
        return _leaf(field, value)


def _leaf(field: str, value: str) -> dict[str, Any]:
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return {"match_phrase": {field: value[1:-1]}}
    if "*" in value or "?" in value:
        return {"wildcard": {field: value}}
    return {"match": {field: value}}


def _retarget(node: dict[str, Any], field: str) -> dict[str, Any]:
    ((kind, spec),) = node.items()
    if kind == "bool":
        return {
            "bool": {
                k: ([_retarget(c, field) for c in v] if isinstance(v, list) else v) for k, v in spec.items()
            }
        }
    ((_, value),) = spec.items()
    return {kind: {field: value}}


def highlight(
    source: dict[str, Any],
    spec: Any,
    query: Any,
    expand: Callable[[str], dict[str, Any]],
    values_of: Callable[[dict[str, Any], str], list[Any]],
) -> dict[str, list[str]]:
    """`highlight` with `number_of_fragments: 0`: the whole field, each query word wrapped in the
    pre/post tags (default `<em>`), as the unified highlighter does for analysed text."""
    if not isinstance(spec, dict) or not spec.get("fields"):
        return {}
    pre = (spec.get("pre_tags") or ["<em>"])[0]
    post = (spec.get("post_tags") or ["</em>"])[0]
    out: dict[str, list[str]] = {}
    for name in spec["fields"]:
        words = sorted(_query_words(query, name, expand), key=len, reverse=True)
        values = [v for v in values_of(source, name) if isinstance(v, str)]
        if not words or not values:
            continue
        pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
        marked = [pattern.sub(lambda m: pre + m.group(0) + post, v) for v in values]
        if any(m != v for m, v in zip(marked, values)):
            out[name] = marked
    return out


def _query_words(query: Any, field_name: str, expand: Callable[[str], dict[str, Any]]) -> set[str]:
    """Words a query searches for in `field_name` (or in every field: `*`)."""
    words: set[str] = set()
    if isinstance(query, list):
        for q in query:
            words |= _query_words(q, field_name, expand)
        return words
    if not isinstance(query, dict):
        return words
    for kind, spec in query.items():
        if kind == "bool":
            for key in ("must", "filter", "should"):
                words |= _query_words(spec.get(key), field_name, expand)
        elif kind == "query_string":
            words |= _query_words(expand(json.dumps(spec, sort_keys=True)), field_name, expand)
        elif kind in ("match", "match_phrase") and isinstance(spec, dict):
            for name, arg in spec.items():
                if name in (field_name, "*"):
                    text = arg.get("query") if isinstance(arg, dict) else arg
                    words |= set(_WORD.findall(str(text)))
    return words
