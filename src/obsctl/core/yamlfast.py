"""A line-at-a-time reader for the plain shapes of YAML that case files use, or nothing.

`yamlio.load_text_scalars` builds from libyaml's parse events; for a 10,000-case file most of its
time goes into PyYAML creating ~200k event objects. Generated and hand-written case files mostly
use a small subset: block mappings and sequences (`- name: x`, nested `labels:`), scalars that are
plain words or quoted without escapes, and one-line flow collections (`{a: b, c: "d"}`, `[r1, r2]`).
`read_simple` reads exactly that subset with a few compiled regexes per line and gives the same
value `load_text_scalars` gives; for anything else (anchors, aliases, tags, block or multi-line
scalars, escapes, document markers, tabs, odd characters, complex keys, bad indentation, empty
documents...) it returns DECLINE at once and the caller uses libyaml, which also reports errors.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["DECLINE", "read_simple"]

DECLINE: Any = object()

# Plain scalar: starts with a word character, then words of safe characters separated by spaces.
# No YAML indicator can appear (: # , [ ] { } & * ! | > ' " % @ ` ?), so no plain scalar here is cut
# short or continued differently by libyaml.
_WORD = r"[\w.\-/+=()<>$;~^\\]"
_PLAIN = rf"\w{_WORD}*(?: +{_WORD}+)*"
_SQ = r"'([^'\n]*)'"
_DQ = r'"([^"\\\n]*)"'
_SCALAR = rf"(?:({_PLAIN})|{_SQ}|{_DQ})"
_KEY = re.compile(rf"{_SCALAR}:(?: +|\Z)")
_SCALAR_LINE = re.compile(rf"{_SCALAR} *(?: #.*)?\Z")
_FLOW_ITEM = re.compile(rf" *{_SCALAR} *([,\]}}])")
_FLOW_KEY = re.compile(rf" *{_SCALAR}: +")
_FLOW_CLOSE = re.compile(r" *([\]}])")
_FLOW_SEP = re.compile(r" *([,\]}])")
_TAIL = re.compile(r" *(?: #.*)?\Z")
# Characters libyaml treats specially or refuses (controls, CR, tab, NEL, U+2028/9, BOM, surrogates):
# their presence anywhere sends the text to libyaml; so do lines long enough to hit its 1024-char
# simple-key limit.
_ODD = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_MAX_LINE = 1000
# Every line that is neither blank nor a comment, in one pass: its indent, then for the commonest
# lines (`key: scalar`, `key:`, each optionally after `- `) the dash, key and value (with their
# quotes, if any; the value "" when absent), else the line's text.
_QSCALAR = rf"({_PLAIN}|'[^'\n]*'|\"[^\"\\\n]*\")"
_ROW = re.compile(
    rf"^( *)(?:(- +)?{_QSCALAR}:(?: +{_QSCALAR})? *(?: #[^\n]*)?$|([^ #\n][^\n]*))", re.MULTILINE
)
_NULLS = frozenset(("null", "Null", "NULL"))
_MAX_NEST = 50


class _Decline(Exception):
    pass


def read_simple(text: str) -> Any:
    """The document `load_text_scalars(text)` would give, when `text` is in the subset; else DECLINE."""
    if _ODD.search(text):
        return DECLINE
    if max(map(len, text.split("\n"))) > _MAX_LINE:  # libyaml's 1024-character limit on simple keys
        return DECLINE
    rows = _ROW.findall(text)
    if not rows:
        return DECLINE
    rows.append(("", "", "", "", "-"))  # sentinel (indent -1 below): every block ends here
    spaces, dashes, keys, vals, texts = zip(*rows)
    indents = list(map(len, spaces))
    indents[-1] = -1
    reader = _Reader(indents, list(dashes), keys, vals, list(texts))
    try:
        root = reader.node(indents[0], 0)
    except (_Decline, RecursionError):
        return DECLINE
    return root if reader.i == len(indents) - 1 else DECLINE


def _scalar(m: re.Match[str]) -> Any:
    plain = m.group(1)
    if plain is not None:
        return None if plain in _NULLS else plain
    sq = m.group(2)
    return sq if sq is not None else m.group(3)


def _unquote(s: str) -> Any:
    if s[0] in "'\"":
        return s[1:-1]
    return None if s in _NULLS else s


class _Reader:
    """Block structure by indentation over the rows; `i` is the next row.

    A row is `dashes[i] keys[i]: vals[i]` when `bodies[i]` is "", else `bodies[i]` is its text.
    """

    def __init__(
        self, indents: list[int], dashes: list[str], keys: Any, vals: Any, bodies: list[str]
    ) -> None:
        self.indents = indents
        self.dashes = dashes
        self.keys = keys
        self.vals = vals
        self.bodies = bodies
        self.i = 0

    def is_item(self, i: int) -> bool:
        """Whether row i starts with `- ` (or is a lone `-`)."""
        if self.dashes[i]:
            return True
        body = self.bodies[i]
        return bool(body) and body[0] == "-" and (len(body) == 1 or body[1] == " ")

    def node(self, indent: int, depth: int) -> Any:
        if depth > _MAX_NEST:
            raise _Decline
        if self.is_item(self.i):
            return self.seq(indent, depth)
        return self.mapping(indent, depth)

    def nested(self, indent: int, depth: int, seq_ok: bool) -> Any:
        """The value of a `key:` or `-` with nothing after it: the block below it, or null."""
        nxt = self.indents[self.i]
        if nxt > indent:
            return self.node(nxt, depth + 1)
        if seq_ok and nxt == indent and self.is_item(self.i):
            return self.seq(indent, depth + 1)
        return None

    def value(self, rest: str, indent: int, depth: int, seq_ok: bool) -> Any:
        """The value after `key:` or `-` on row i-1 (already consumed), whose block is at `indent`."""
        if not rest or rest[0] == "#":
            return self.nested(indent, depth, seq_ok)
        if rest[0] in "[{":
            value, end = _flow(rest, 0, depth)
            if not _TAIL.match(rest, end):
                raise _Decline
        else:
            m = _SCALAR_LINE.match(rest)
            if m is None:
                raise _Decline
            value = _scalar(m)
        if self.indents[self.i] > indent:  # a continuation line or a misplaced block
            raise _Decline
        return value

    def seq(self, indent: int, depth: int) -> list[Any]:
        out: list[Any] = []
        indents, bodies, dashes = self.indents, self.bodies, self.dashes
        while indents[self.i] == indent:
            i = self.i
            dash = dashes[i]
            if dash:  # `- key: ...`: a mapping at the column after the dash
                column = indent + len(dash)
                indents[i] = column
                dashes[i] = ""
                out.append(self.mapping(column, depth + 1))
                continue
            body = bodies[i]
            if not body or body[0] != "-" or (len(body) > 1 and body[1] != " "):
                break
            rest = body[1:].lstrip(" ")
            if rest and rest[0] != "#" and (rest[0] == "-" or _KEY.match(rest)):
                # compact nesting: `- - x`, `- key: [flow]` open a block at the column of `rest`
                column = indent + len(body) - len(rest)
                indents[i] = column
                bodies[i] = rest
                out.append(self.node(column, depth + 1))
            else:
                self.i += 1
                out.append(self.value(rest, indent, depth, False))
        if indents[self.i] > indent:
            raise _Decline
        return out

    def mapping(self, indent: int, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        indents, bodies, dashes, keys, vals = self.indents, self.bodies, self.dashes, self.keys, self.vals
        i = self.i
        while indents[i] == indent:
            body = bodies[i]
            if not body:  # inline fast path for `key: value` and `key:`
                if dashes[i]:  # `- item` where a key belongs
                    raise _Decline
                key, val = keys[i], vals[i]
                key = _unquote(key) if key[0] in "'\"" or key in _NULLS else key
                i += 1
                if val:
                    if indents[i] > indent:
                        raise _Decline
                    out[key] = _unquote(val) if val[0] in "'\"" or val in _NULLS else val
                else:
                    self.i = i
                    out[key] = self.nested(indent, depth, True)
                    i = self.i
                continue
            self.i = i
            m = _KEY.match(body)
            if m is None:  # a bare scalar, `? key`, an anchor...
                raise _Decline
            self.i += 1
            out[_scalar(m)] = self.value(body[m.end() :], indent, depth, True)
            i = self.i
        self.i = i
        if indents[i] > indent:
            raise _Decline
        return out


def _flow(s: str, pos: int, depth: int) -> tuple[Any, int]:
    """A one-line flow collection starting at s[pos] ('[' or '{'): its value and the index after it."""
    if depth > _MAX_NEST:
        raise _Decline
    is_map = s[pos] == "{"
    closer = "}" if is_map else "]"
    out: Any = {} if is_map else []
    pos += 1
    m = _FLOW_CLOSE.match(s, pos)
    if m is not None:
        if m.group(1) != closer:
            raise _Decline
        return out, m.end()
    while True:
        key: Any = None
        if is_map:
            km = _FLOW_KEY.match(s, pos)
            if km is None:
                raise _Decline
            key, pos = _scalar(km), km.end()
        while pos < len(s) and s[pos] == " ":
            pos += 1
        if pos < len(s) and s[pos] in "[{":
            value, pos = _flow(s, pos, depth + 1)
            m = _FLOW_SEP.match(s, pos)
            if m is None:
                raise _Decline
            sep = m.group(1)
        else:
            m = _FLOW_ITEM.match(s, pos)
            if m is None:
                raise _Decline
            value, sep = _scalar(m), m.group(4)
        if is_map:
            out[key] = value
        else:
            out.append(value)
        pos = m.end()
        if sep == closer:
            return out, pos
        if sep != ",":
            raise _Decline
        m = _FLOW_CLOSE.match(s, pos)  # a trailing comma: `[a, b,]`
        if m is not None:
            if m.group(1) != closer:
                raise _Decline
            return out, m.end()
