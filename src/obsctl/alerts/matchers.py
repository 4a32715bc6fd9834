"""Alertmanager label matchers: parsing, canonical printing and RE2 matching.

This module owns one question: "does this matcher accept this label value?", answered exactly as
Alertmanager 0.25 answers it. Parsing follows `pkg/labels/parse.go` (the "classic" parser that
0.25 and amtool 0.25 use for `matchers:` lines and for label arguments), regexes follow Go's RE2
dialect (google-re2, fully anchored as `^(?:re)$`, the same string concatenation Alertmanager does,
quirks included: `a)|(b` is accepted and is *not* fully anchored, exactly as in Go).

One extension over 0.25: a quoted label name (`"service name"="api"`) as accepted by the UTF-8
matcher parser of Alertmanager >= 0.27. It is only tried when the classic parser fails, so
everything 0.25 accepts is parsed identically; `obsctl alerts check` warns when a config relies on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from obsctl.core.errors import UsageError

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "LABEL_NAME_RE",
    "Matcher",
    "MatcherError",
    "compile_go_regex",
    "is_valid_label_name",
    "matches_all",
    "parse_label_args",
    "parse_matcher",
    "parse_matchers",
]

OPS = ("=", "!=", "=~", "!~")

# Go's `\s` is ASCII [\t\n\f\r ]; Python's would also take \v and Unicode spaces.
_WS = "[\t\n\f\r ]"
# pkg/labels/parse.go: '=~' before '=' so that '=~' is not read as '=' followed by a value '~...'.
_CLASSIC_RE = re.compile(
    rf"^{_WS}*([a-zA-Z_:][a-zA-Z0-9_:]*){_WS}*(=~|=|!=|!~){_WS}*(.*?){_WS}*\Z", re.DOTALL
)
# UTF-8 parser extension (Alertmanager >= 0.27): a double-quoted label name.
_QUOTED_NAME_RE = re.compile(rf'^{_WS}*"((?:[^"\\]|\\.)*)"{_WS}*(=~|=|!=|!~){_WS}*(.*?){_WS}*\Z', re.DOTALL)
# model.LabelNameRE: what `match:`, `match_re:`, `group_by` and `equal` accept in 0.25.
LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*\Z")


class MatcherError(UsageError):
    """A matcher or regex Alertmanager would reject (exit 2)."""


def is_valid_label_name(name: str) -> bool:
    """True for a legacy Prometheus label name, the only kind 0.25 accepts in match/group_by/equal."""
    return LABEL_NAME_RE.match(name) is not None


def _unsupported_go_syntax(pattern: str) -> str | None:
    """Syntax RE2 (C++) accepts but Go 1.19's regexp/syntax rejects; return Go's message or None."""
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "C":
                return "invalid escape sequence: `\\C`"
            if nxt == "Q":  # \Q...\E: everything literal up to \E
                end = pattern.find("\\E", i + 2)
                i = n if end < 0 else end + 2
                continue
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            # a ']' right after '[' or '[^' is a literal member, not the end of the class
            if pattern.startswith("^]", i + 1):
                i += 2
            elif pattern.startswith("]", i + 1):
                i += 1
        elif c == "(" and pattern.startswith("?<", i + 1):
            return "invalid or unsupported Perl syntax: `(?<`"
        i += 1
    return None


@lru_cache(maxsize=8192)
def compile_go_regex(value: str) -> Any:
    """Compile `^(?:value)$` with RE2, rejecting what Go's regexp rejects. Cached: configs repeat regexes.

    Raises MatcherError with Go-like wording ("error parsing regexp: ...").
    """
    import re2

    problem = _unsupported_go_syntax(value)
    if problem is not None:
        raise MatcherError(f"error parsing regexp: {problem}")
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile("^(?:" + value + ")$", options)
    except re2.error as exc:
        msg = exc.args[0] if exc.args else str(exc)
        if isinstance(msg, bytes):
            msg = msg.decode("utf-8", "replace")
        raise MatcherError(f"error parsing regexp: {msg}: `{value}`") from None


class Matcher:
    """One label matcher: `name op value`. Absent labels match as the empty string, as in Alertmanager."""

    __slots__ = ("_cache", "_re", "name", "op", "quoted_name", "value")

    def __init__(self, name: str, op: str, value: str, *, quoted_name: bool = False) -> None:
        if op not in OPS:
            raise MatcherError(f"unknown match operator {op!r}")
        self.name = name
        self.op = op
        self.value = value
        self.quoted_name = quoted_name
        self._re = compile_go_regex(value) if op in ("=~", "!~") else None
        # Alertmanager caches regex verdicts per value (sync.Map); label values repeat a lot.
        self._cache: dict[str, bool] = {}

    @property
    def is_regex(self) -> bool:
        """True for =~ and !~."""
        return self._re is not None

    def matches(self, value: str) -> bool:
        """Whether this matcher accepts `value` (pass "" for an absent label)."""
        op = self.op
        if op == "=":
            return value == self.value
        if op == "!=":
            return value != self.value
        hit = self._cache.get(value)
        if hit is None:
            hit = self._re.search(value) is not None  # type: ignore[union-attr]
            if len(self._cache) < 65536:
                self._cache[value] = hit
        return hit if op == "=~" else not hit

    def matches_labels(self, labels: Mapping[str, str]) -> bool:
        """Match against a label set; a missing label counts as the empty value."""
        return self.matches(labels.get(self.name, ""))

    def sort_key(self) -> tuple[str, str, int]:
        """labels.Matchers.Less: by name, then value, then type."""
        return (self.name, self.value, OPS.index(self.op))

    def __str__(self) -> str:
        """Alertmanager's canonical form: name="value" with OpenMetrics escaping."""
        if any(_is_reserved(c) for c in self.name):
            return f"{_go_quote(self.name)}{self.op}{_go_quote(self.value)}"
        return f'{self.name}{self.op}"{_openmetrics_escape(self.value)}"'

    def __repr__(self) -> str:
        return f"Matcher({self!s})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Matcher):
            return NotImplemented
        return (self.name, self.op, self.value) == (other.name, other.op, other.value)

    def __hash__(self) -> int:
        return hash((self.name, self.op, self.value))


def matches_all(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    """labels.Matchers.Matches: every matcher accepts its label (absent == "")."""
    for m in matchers:  # noqa: SIM110 - a plain loop is ~2x faster than all(genexpr) on this hot path
        if not m.matches(labels.get(m.name, "")):
            return False
    return True


def _is_reserved(c: str) -> bool:
    return c.isspace() or c in "{}!=~,\\\"'`"


def _openmetrics_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _go_quote(s: str) -> str:
    """strconv.Quote for the printable-and-control subset that label names/values contain."""
    out = ['"']
    for c in s:
        if c in ('"', "\\"):
            out.append("\\" + c)
        elif c in _GO_ESCAPES:
            out.append(_GO_ESCAPES[c])
        elif not c.isprintable():
            cp = ord(c)
            out.append(f"\\x{cp:02x}" if cp < 0x80 else (f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _unescape_value(raw: str, original: str) -> str:
    """The value half of ParseMatcher: optional surrounding quotes, OpenMetrics escapes, Go's tolerance."""
    expect_trailing_quote = False
    if raw.startswith('"'):
        raw = raw[1:]
        expect_trailing_quote = True
    out: list[str] = []
    escaped = False
    last = len(raw) - 1
    for i, c in enumerate(raw):
        if escaped:
            escaped = False
            if c == "n":
                out.append("\n")
            elif c in ('"', "\\"):
                out.append(c)
            else:  # a spurious escape: Go keeps the backslash
                out.append("\\" + c)
            continue
        if c == "\\":
            # Go compares a byte index with the byte length; for the last character both agree.
            if i < last:
                escaped = True
                continue
            out.append("\\")
        elif c == '"':
            if not expect_trailing_quote or i < last:
                raise MatcherError(f"matcher value contains unescaped double quote: {original}")
            expect_trailing_quote = False
        else:
            out.append(c)
    if expect_trailing_quote:
        raise MatcherError(f"matcher value contains unescaped double quote: {original}")
    return "".join(out)


def _parse_quoted_name(body: str) -> str:
    out: list[str] = []
    it = iter(body)
    for c in it:
        if c == "\\":
            nxt = next(it, "")
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
        else:
            out.append(c)
    return "".join(out)


def parse_matcher(text: str) -> Matcher:
    """ParseMatcher: one matcher such as `severity="critical"`, `job=~api.*` or `a!=`.

    Raises MatcherError (exit 2) with Alertmanager's wording.
    """
    m = _CLASSIC_RE.match(text)
    quoted = False
    if m is None:
        m = _QUOTED_NAME_RE.match(text)
        if m is None:
            raise MatcherError(f"bad matcher format: {text}")
        quoted = True
    name = _parse_quoted_name(m.group(1)) if quoted else m.group(1)
    if quoted and not name:
        raise MatcherError(f"bad matcher format: {text}")
    value = _unescape_value(m.group(3), m.group(3))
    return Matcher(name, m.group(2), value, quoted_name=quoted)


# unicode.IsSpace, used by Go's strings.TrimSpace
_GO_SPACE = "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _split_matchers(s: str) -> list[str]:
    """The tokenizer of ParseMatchers, byte for byte (including its handling of `\\,` in quotes)."""
    if s.startswith("{"):
        s = s[1:]
    if s.endswith("}"):
        s = s[:-1]
    tokens: list[str] = []
    token: list[str] = []
    inside_quotes = False
    escaped = False
    for c in s:
        if c == ",":
            if not inside_quotes:
                tokens.append("".join(token))
                token = []
                continue
            # inside quotes a comma is kept and, as in Go, leaves `escaped` untouched
        elif c == '"':
            if not escaped:
                inside_quotes = not inside_quotes
            else:
                escaped = False
        elif c == "\\":
            escaped = not escaped
        else:
            escaped = False
        token.append(c)
    last = "".join(token).strip(_GO_SPACE)
    if last:
        tokens.append(last)
    return tokens


def parse_matchers(text: str) -> list[Matcher]:
    """ParseMatchers: `{a="b", c=~"d.*"}`, `a=b,c!=d` or one matcher, as Alertmanager/amtool accept.

    Braces are optional, commas inside double quotes do not split, a trailing comma is allowed.
    Raises MatcherError (a UsageError, exit 2) on the first bad matcher.
    """
    return [parse_matcher(tok) for tok in _split_matchers(text)]


def parse_label_args(args: Sequence[str]) -> dict[str, str]:
    """amtool-style label arguments: `k=v`, `k="v with spaces"`; the last one of a name wins.

    Each argument is one matcher (commas are NOT separators here, as in amtool's parseLabels);
    anything but `=` is refused with amtool's message.
    """
    labels: dict[str, str] = {}
    for arg in args:
        try:
            m = parse_matcher(arg)
        except MatcherError as exc:
            raise UsageError(
                f"cannot parse label {arg!r}: {exc.message}",
                hint='write labels as name=value or name="value"',
            ) from None
        if m.op != "=":
            raise UsageError(
                f"cannot parse label {arg!r}: labels must be specified as key=value pairs",
                hint="matchers like != or =~ are for routes, not for the alert under test",
            )
        labels[m.name] = m.value
    return labels
