"""A parser for the Prometheus text format (0.0.4) and OpenMetrics 1.0, exemplars included.

Written here rather than taken from prometheus_client so `obsctl metrics scrape` needs no extra
dependency and reports the line of any error. Follows the escape rules of both formats: label
values unescape `\\\\`, `\\"` and `\\n`; HELP unescapes `\\\\` and `\\n` (and `\\"` in OpenMetrics).
Quoted UTF-8 metric and label names (`{"my.metric", "a.b"="x"}`) are accepted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text"

# Suffixes a family's samples may carry, per type (OpenMetrics 1.0 and the text format).
_SUFFIXES: dict[str, tuple[str, ...]] = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gaugehistogram": ("_bucket", "_gcount", "_gsum"),
    "summary": ("_count", "_sum", "_created"),
    "info": ("_info",),
}
TYPES = (
    "counter",
    "gauge",
    "histogram",
    "gaugehistogram",
    "summary",
    "info",
    "stateset",
    "unknown",
    "untyped",
)


class ExpositionError(ValueError):
    """A line that is not valid exposition text; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.reason = message


@dataclass(frozen=True)
class Exemplar:
    """An OpenMetrics exemplar: usually a `trace_id` label pointing at a trace."""

    labels: dict[str, str]
    value: float
    timestamp: float | None = None


class Sample(NamedTuple):
    """One line of exposition: name, labels, value; timestamp in seconds when given.

    A NamedTuple rather than a dataclass: a scrape builds one per line and this is the cheapest.
    """

    name: str
    labels: dict[str, str]
    value: float
    timestamp: float | None = None
    exemplar: Exemplar | None = None


@dataclass
class Family:
    """A metric family: its samples and the HELP, TYPE and UNIT lines that describe it."""

    name: str
    type: str = "unknown"
    help: str | None = None
    unit: str | None = None
    samples: list[Sample] = field(default_factory=list)


@dataclass
class Exposition:
    """A parsed scrape."""

    families: list[Family]
    openmetrics: bool

    def samples(self) -> Iterator[tuple[Family, Sample]]:
        for fam in self.families:
            for s in fam.samples:
                yield fam, s


def detect_openmetrics(text: str) -> bool:
    """OpenMetrics when the text ends with `# EOF` or declares a UNIT (the text format has none)."""
    return text.rstrip("\n").endswith("# EOF") or "\n# UNIT " in text or text.startswith("# UNIT ")


def split_lines(text: str) -> list[str]:
    """Lines as the parser numbers them: split on newlines, without the empty one after the last."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def parse(text: str, *, openmetrics: bool | None = None) -> Exposition:
    """Parse exposition text; the format is detected from `# EOF`/`# UNIT` unless given."""
    if openmetrics is None:
        openmetrics = detect_openmetrics(text)
    parser = Parser(openmetrics)
    for fam, sample in parser.feed(split_lines(text)):
        fam.samples.append(sample)
    return Exposition(parser.order, openmetrics)


class Parser:
    """Reads lines one at a time and yields each sample with its family.

    Families keep only their metadata here (`parse` appends the samples), so a streaming caller's
    memory grows with the number of families, never with the number of samples.
    """

    def __init__(self, openmetrics: bool) -> None:
        self.om = openmetrics
        self.families: dict[str, Family] = {}
        self.order: list[Family] = []
        self.current: Family | None = None
        self.sampled: set[str] = set()  # families that have had a sample
        self.seen_eof = False
        # Every sample name a family claims (its name plus its type's suffixes) -> the family, so
        # finding a sample's family is one lookup, not a scan of every family seen so far.
        # When two families claim a name, the one declared last wins (as a backwards scan would).
        self.by_sample_name: dict[str, tuple[int, Family]] = {}
        self.position: dict[str, int] = {}

    def _claim(self, fam: Family, index: int) -> None:
        """Register the sample names `fam` (at position `index` in `order`) owns."""
        for name in (fam.name, *_names_of(fam)):
            held = self.by_sample_name.get(name)
            if held is None or held[0] <= index:
                self.by_sample_name[name] = (index, fam)

    def family(self, name: str, lineno: int, declaring: bool) -> Family:
        fam = self.families.get(name)
        if fam is None:
            fam = Family(name, "unknown" if self.om else "untyped")
            self.families[name] = fam
            self.position[name] = len(self.order)
            self.order.append(fam)
            self._claim(fam, self.position[name])
        elif declaring and name in self.sampled and self.current is not fam:
            raise ExpositionError(lineno, f"metadata for {name} after its samples")
        return fam

    def feed(self, lines: Iterable[str]) -> Iterator[tuple[Family, Sample]]:
        """Parse `lines` (no newlines) in order, yielding (family, sample) as each sample is read."""
        lineno = 0
        for lineno, raw in enumerate(lines, 1):
            sample = self.line(raw, lineno)
            if sample is not None:
                yield self._family_for(sample.name, lineno), sample
        self.finish(lineno)

    def line(self, raw: str, lineno: int) -> Sample | None:
        """One line: metadata is recorded, a sample is returned (its family not yet assigned)."""
        line = raw.rstrip("\r")
        if self.seen_eof:
            raise ExpositionError(lineno, "content after # EOF")
        if line.startswith("#"):
            if line.rstrip() == "# EOF":
                self.seen_eof = True
            else:
                self.comment(line, lineno)
            return None
        if not line.strip():
            if self.om:
                raise ExpositionError(lineno, "empty lines are not allowed in OpenMetrics")
            return None
        return self.sample(line, lineno)

    def finish(self, lines: int) -> None:
        if self.om and not self.seen_eof:
            raise ExpositionError(lines, "OpenMetrics text must end with # EOF")

    def comment(self, line: str, lineno: int) -> None:
        parts = line.split(None, 3) if not self.om else line.split(" ", 3)
        if len(parts) < 3 or parts[0] != "#" or parts[1] not in ("HELP", "TYPE", "UNIT"):
            if self.om and not line.startswith("# "):
                raise ExpositionError(lineno, f"invalid comment {line!r}")
            return  # a plain comment
        keyword, name = parts[1], _unquote_name(parts[2], lineno)
        rest = parts[3] if len(parts) > 3 else ""
        fam = self.family(name, lineno, declaring=True)
        self.current = fam
        if keyword == "HELP":
            fam.help = _unescape(rest, allow_quote=self.om, lineno=lineno)
        elif keyword == "TYPE":
            kind = rest.strip()
            if kind not in TYPES:
                raise ExpositionError(lineno, f"unknown metric type {kind!r}")
            for old in _names_of(fam):  # a second TYPE line: drop the old type's suffixes
                if self.by_sample_name.get(old, (0, None))[1] is fam:
                    del self.by_sample_name[old]
            fam.type = kind
            self._claim(fam, self.position[fam.name])
        else:
            fam.unit = rest.strip()

    def sample(self, line: str, lineno: int) -> Sample:
        """The full parser for one sample line: every escape, quoted names, exemplars."""
        name, labels, pos = _name_and_labels(line, 0, lineno)
        if not name:
            raise ExpositionError(lineno, "sample without a metric name")
        rest = line[pos:]
        exemplar = None
        if " # " in rest:
            if not self.om:
                raise ExpositionError(lineno, "exemplars are only valid in OpenMetrics")
            rest, ex_text = rest.split(" # ", 1)
            exemplar = _exemplar(ex_text, lineno)
        fields = rest.split()
        if not fields:
            raise ExpositionError(lineno, f"no value for {name}")
        if len(fields) > 2:
            raise ExpositionError(
                lineno, f"unexpected text after the value of {name}: {' '.join(fields[2:])!r}"
            )
        value = _float(fields[0], lineno)
        ts: float | None = None
        if len(fields) == 2:
            raw_ts = _float(fields[1], lineno)
            ts = raw_ts if self.om else raw_ts / 1000.0  # text format: milliseconds
        return Sample(name, labels, value, ts, exemplar)

    def _family_for(self, name: str, lineno: int) -> Family:
        cur = self.current
        if cur is not None and (
            name == cur.name
            or (name.startswith(cur.name) and name[len(cur.name) :] in _SUFFIXES.get(cur.type, ()))
        ):
            self.sampled.add(cur.name)
            return cur
        held = self.by_sample_name.get(name)
        if held is not None:
            found = held[1]
            if found is not cur and self.om:
                raise ExpositionError(lineno, f"samples of {found.name} are not contiguous")
            self.current = found
            self.sampled.add(found.name)
            return found
        fam = self.family(name, lineno, declaring=False)
        self.current = fam
        self.sampled.add(fam.name)
        return fam


def _names_of(fam: Family) -> tuple[str, ...]:
    return tuple(fam.name + s for s in _SUFFIXES.get(fam.type, ()))


def _float(text: str, lineno: int) -> float:
    lowered = text.lower()
    if lowered in ("+inf", "inf"):
        return math.inf
    if lowered == "-inf":
        return -math.inf
    if lowered == "nan":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise ExpositionError(lineno, f"invalid number {text!r}") from None


def _unescape(text: str, *, allow_quote: bool, lineno: int) -> str:
    if "\\" not in text:
        return text
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "n":
                out.append("\n")
            elif nxt == "\\":
                out.append("\\")
            elif nxt == '"' and allow_quote:
                out.append('"')
            else:
                out.append("\\" + nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _unquote_name(text: str, lineno: int) -> str:
    if text.startswith('"'):
        value, _end = _quoted(text, 0, lineno)
        return value
    return text


def _quoted(line: str, pos: int, lineno: int) -> tuple[str, int]:
    """Read a double-quoted string starting at line[pos] == '"'; returns (value, index after it)."""
    out = []
    i = pos + 1
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == "\\":
            if i + 1 >= n:
                break
            nxt = line[i + 1]
            if nxt == "n":
                out.append("\n")
            elif nxt in ('"', "\\"):
                out.append(nxt)
            else:
                out.append("\\" + nxt)
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\n":
            break
        out.append(ch)
        i += 1
    raise ExpositionError(lineno, "unterminated quoted string")


def _skip_ws(line: str, i: int) -> int:
    while i < len(line) and line[i] in " \t":
        i += 1
    return i


def _name_and_labels(line: str, pos: int, lineno: int) -> tuple[str, dict[str, str], int]:
    """Metric name (bare, or quoted inside the braces) and labels; returns the index after them."""
    i = pos
    n = len(line)
    while i < n and line[i] not in "{ \t":
        i += 1
    name = line[pos:i]
    labels: dict[str, str] = {}
    if i < n and line[i] == "{":
        i += 1
        while True:
            i = _skip_ws(line, i)
            if i >= n:
                raise ExpositionError(lineno, "unterminated label set")
            if line[i] == "}":
                i += 1
                break
            if line[i] == '"':
                key, i = _quoted(line, i, lineno)
            else:
                start = i
                while i < n and line[i] not in '= \t,}"':
                    i += 1
                key = line[start:i]
            i = _skip_ws(line, i)
            if i < n and line[i] in ",}" and not name and key:
                name = key  # {"my.dotted.metric", ...}: the quoted metric name
                if line[i] == ",":
                    i += 1
                continue
            if not key or i >= n or line[i] != "=":
                raise ExpositionError(
                    lineno, f'expected label="value" near {line[max(0, i - 10) : i + 10]!r}'
                )
            i = _skip_ws(line, i + 1)
            if i >= n or line[i] != '"':
                raise ExpositionError(lineno, f"label value of {key} must be double-quoted")
            value, i = _quoted(line, i, lineno)
            if key in labels:
                raise ExpositionError(lineno, f"duplicate label {key}")
            labels[key] = value
            i = _skip_ws(line, i)
            if i < n and line[i] == ",":
                i += 1
            elif i < n and line[i] != "}":
                raise ExpositionError(lineno, f"expected ',' or '}}' after label {key}")
    return name, labels, i


def _exemplar(text: str, lineno: int) -> Exemplar:
    text = text.strip()
    if not text.startswith("{"):
        raise ExpositionError(lineno, "exemplar must start with a label set")
    _, labels, pos = _name_and_labels(text, 0, lineno)
    fields = text[pos:].split()
    if not fields or len(fields) > 2:
        raise ExpositionError(lineno, "exemplar needs a value and an optional timestamp")
    ts = _float(fields[1], lineno) if len(fields) == 2 else None
    return Exemplar(labels, _float(fields[0], lineno), ts)
