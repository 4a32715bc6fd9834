"""Streaming exposition: bytes in, one (family, sample) at a time out, memory flat.

`metrics scrape` of a 1M-line endpoint must not hold the page, its lines or its samples. This
module turns byte chunks into decoded lines (warning once when they are not UTF-8), detects the
format without holding the text, and parses each line with a fast path for the two shapes that
make up nearly every real page — `name value [ts]` and `name{a="b",...} value [ts]` with plain
label values — handing anything else (escapes, quoted names, exemplars, odd spacing, errors) to
the full parser in exposition.py. The fast path returns exactly what the full parser would
(tests/unit/metrics/test_expostream.py checks both on every fixture and on generated edge cases).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import BinaryIO

from obsctl.metrics.exposition import Family, Parser, Sample

CHUNK = 1 << 16

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"'
# One space between name (or label set) and value, and before the timestamp; nothing after.
# `\S` is the whitespace str.split() uses, so the value and timestamp fields split the same way.
_FAST_LINE = re.compile(rf"({_NAME})(?:\{{((?:{_LABEL}(?:,{_LABEL})*,?)?)\}})? ([^\s#]+)(?: ([^\s#]+))?")
_FAST_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"')


# A sample as the fast path saw it: (family, None, name, label names, label values, value, timestamp);
# a line the full parser read is (family, sample, "", (), (), 0.0, None).
Flat = tuple[Family, "Sample | None", str, tuple[str, ...], tuple[str, ...], float, "float | None"]


class _FastParser(Parser):
    """The full parser with a fast path for plain sample lines."""

    def feed(self, lines: Iterable[str]) -> Iterator[tuple[Family, Sample]]:
        """As the full parser's feed."""
        new = tuple.__new__  # a Sample without NamedTuple's Python-level __new__
        for fam, sample, name, keys, values, value, ts in self.flat(lines):
            if sample is None:
                sample = new(Sample, (name, dict(zip(keys, values)), value, ts, None))
            yield fam, sample

    def flat(self, lines: Iterable[str]) -> Iterator[Flat]:
        """The samples of `feed`, those of fast-path lines not built into a Sample: a writer that
        only needs their text (csv, tsv) skips the dict and the tuple. Inlined: runs once per line."""
        match = _FAST_LINE.fullmatch
        labels_of = _FAST_LABEL.findall
        om = self.om
        eof = self.seen_eof
        lineno = 0
        marked: Family | None = None  # the family _family_for last returned
        # Consecutive lines nearly always repeat their label names: one match of the whole line
        # against those names, giving the values directly.
        guess: Callable[[str], re.Match[str] | None] | None = None
        keys: tuple[str, ...] = ()
        guess_keys: tuple[str, ...] = ()
        for lineno, raw in enumerate(lines, 1):
            sample: Sample | None = None
            fast = False
            g = None if eof or guess is None else guess(raw)
            if g is not None:
                gs = g.groups()
                name, keys, values, value_text, ts_text = gs[0], guess_keys, gs[1:-2], gs[-2], gs[-1]
                fast = True
            else:
                m = None if eof else match(raw)
                if m is not None:
                    name, block, value_text, ts_text = m.groups()
                    pairs = labels_of(block) if block else []
                    keys = tuple([k for k, _ in pairs])
                    values = tuple([v for _, v in pairs])
                    fast = len(set(keys)) == len(keys)  # a duplicate label: the full parser words it
                    if fast and keys:
                        guess_keys, guess = keys, _line_pattern(keys)
            if fast:
                try:  # a number float() refuses: the full parser words the error
                    value = float(value_text)  # what _float does for every text float() accepts
                    ts = None if ts_text is None else float(ts_text) if om else float(ts_text) / 1000.0
                except ValueError:
                    fast = False
            if not fast:
                sample = self.line(raw, lineno)
                eof = self.seen_eof
                if sample is None:
                    continue
                name, keys, values, value, ts = "", (), (), 0.0, None
            cur = self.current
            if cur is marked and cur is not None and (sample.name if sample else name) == cur.name:
                yield (
                    cur,
                    sample,
                    name,
                    keys,
                    values,
                    value,
                    ts,
                )  # the common case, decided as _family_for would
            else:
                marked = self._family_for(sample.name if sample else name, lineno)  # and recorded as sampled
                yield marked, sample, name, keys, values, value, ts
        self.finish(lineno)


_VALUE = r'="([^"\\\n]*)"'
_patterns: dict[tuple[str, ...], Callable[[str], re.Match[str] | None]] = {}


def _line_pattern(keys: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    """fullmatch of a fast-path line whose labels have exactly these names in this order: groups are
    the name, one per label value, the value and the timestamp (_FAST_LINE with its label block
    spelt out)."""
    found = _patterns.get(keys)
    if found is None:
        if len(_patterns) > 256:
            _patterns.clear()
        block = ",".join(re.escape(k) + _VALUE for k in keys)
        found = re.compile(rf"({_NAME})\{{{block},?\}} ([^\s#]+)(?: ([^\s#]+))?").fullmatch
        _patterns[keys] = found
    return found


def flat_samples(parser: Parser, lines: Iterable[str]) -> Iterator[Flat]:
    """`parser`'s samples as Flat tuples: the fast path's own when it has one."""
    if isinstance(parser, _FastParser):
        return parser.flat(lines)
    return ((fam, s, "", (), (), 0.0, None) for fam, s in parser.feed(lines))


def new_parser(*, openmetrics: bool, fast: bool = True) -> Parser:
    """A parser whose `feed(lines)` yields (family, sample) pairs as the lines are read and whose
    `order` lists every family seen, samples or not; `fast=False` uses only the full parser."""
    return _FastParser(openmetrics) if fast else Parser(openmetrics)


def iter_samples(
    lines: Iterable[str], *, openmetrics: bool, fast: bool = True
) -> Iterator[tuple[Family, Sample]]:
    """(family, sample) pairs as the lines are read."""
    return new_parser(openmetrics=openmetrics, fast=fast).feed(lines)


class Decoder:
    """Byte chunks -> lines of text, split on newlines; warns once if the bytes are not UTF-8.

    Prometheus expositions are UTF-8. A Latin-1 page (a common mistake) is decoded with U+FFFD for
    the bytes that are not UTF-8, and `warn` is called once, naming the first line affected.
    """

    def __init__(self, warn: Callable[[int], None]) -> None:
        self.warn = warn
        self.warned = False
        self.lines_done = 0

    def _decode(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not self.warned:
                self.warned = True
                self.warn(self.lines_done + data.count(b"\n", 0, exc.start) + 1)
            return data.decode("utf-8", errors="replace")

    def lines(self, chunks: Iterable[bytes]) -> Iterator[str]:
        """Every line, in order (chained in C from per-chunk lists: no Python frame per line)."""
        return chain.from_iterable(self._blocks(chunks))

    def _blocks(self, chunks: Iterable[bytes]) -> Iterator[list[str]]:
        tail = b""
        for chunk in chunks:
            data = tail + chunk if tail else chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                tail = data
                continue
            tail = data[cut + 1 :]
            text = self._decode(data[:cut])
            self.lines_done += text.count("\n") + 1
            yield text.split("\n")
        if tail:
            yield [self._decode(tail)]


class Sniffer:
    """Watches byte chunks go by and tells afterwards whether they were OpenMetrics.

    Same rule as `exposition.detect_openmetrics`: the text ends with `# EOF` (before trailing
    newlines) or has a line starting `# UNIT `.
    """

    def __init__(self) -> None:
        self.unit = False
        # The final bytes seen, enough for "# EOF"; starts as a newline so that "\n# UNIT "
        # also finds a UNIT on the very first line.
        self.last = b"\n"

    def feed(self, chunk: bytes) -> bytes:
        if not chunk:
            return chunk
        if not self.unit and b"\n# UNIT " in self.last[-8:] + chunk:
            self.unit = True
        self.last = (self.last + chunk[-64:])[-64:]
        return chunk

    @property
    def openmetrics(self) -> bool:
        return self.unit or self.last.rstrip(b"\n").endswith(b"# EOF")


def read_chunks(fh: BinaryIO, size: int = CHUNK) -> Iterator[bytes]:
    while True:
        chunk = fh.read(size)
        if not chunk:
            return
        yield chunk
