"""`obsctl metrics scrape`: read an application's /metrics directly, no Prometheus needed.

A user's app is not a configured backend: its URL goes through the shared layer's ad-hoc target
client (core/target.py), so TLS defaults, proxies, `--debug` and error wording match every other
request (unreachable -> exit 5, auth refused -> 4, HTTP errors and binary bodies -> 3).
Prometheus' own Accept header is sent, so apps that support OpenMetrics answer with exemplars.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from obsctl.core.errors import BackendError, UsageError
from obsctl.core.output import Output, dumps_json
from obsctl.metrics.exposition import (
    OPENMETRICS_CONTENT_TYPE,
    Exposition,
    ExpositionError,
    Family,
    Sample,
)
from obsctl.metrics.expostream import (
    CHUNK,
    Decoder,
    Parser,
    Sniffer,
    flat_samples,
    new_parser,
    read_chunks,
)
from obsctl.metrics.scrape_render import sample_doc

ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"


@dataclass
class Stream:
    """An open exposition: its lines as they arrive, and its format (known before the first line)."""

    where: str
    lines: Iterator[str]
    openmetrics: bool
    from_url: bool


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def _decoder(where: str, warn: Callable[[str], None]) -> Decoder:
    def say(line: int) -> None:
        warn(
            f"{where} is not UTF-8 (first at line {line}); bytes that are not UTF-8 are shown as \ufffd"
            " (Prometheus expects UTF-8)"
        )

    return Decoder(say)


@dataclass(frozen=True)
class Fetch:
    """How to fetch a URL: the shared target client's settings for this command."""

    timeout: float
    env: Mapping[str, str]
    transport: Any = None
    debug: bool = False
    stderr: IO[str] | None = None


@contextmanager
def open_stream(target: str, *, how: Fetch, warn: Callable[[str], None]) -> Iterator[Stream]:
    """Open a URL, a file or `-` (stdin) for streaming; memory stays flat whatever its size.

    When the format is not declared (a file, stdin, a URL without an exposition Content-Type) it is
    detected as `parse` does, which needs the end of the text: a file is read twice, anything else
    is spooled to a temporary file on the way.
    """
    if is_url(target):
        with _fetch(target, how=how) as (shown, chunks, om):
            if om is not None:
                yield Stream(shown, _decoder(shown, warn).lines(chunks), om, True)
                return
            with _spooled(chunks) as (fh, om):
                yield Stream(shown, _decoder(shown, warn).lines(read_chunks(fh)), om, True)
            return
    if target == "-":
        import sys

        with _spooled(read_chunks(sys.stdin.buffer)) as (fh, om):
            yield Stream("<stdin>", _decoder("<stdin>", warn).lines(read_chunks(fh)), om, False)
        return
    path = Path(target).expanduser()
    if not path.exists():
        raise UsageError(
            f"{target}: no such file", hint="give a file of exposition text or an http(s):// URL of /metrics"
        )
    try:
        with path.open("rb") as fh:
            sniff = Sniffer()
            for chunk in read_chunks(fh):
                sniff.feed(chunk)
            fh.seek(0)
            yield Stream(
                str(path), _decoder(str(path), warn).lines(read_chunks(fh)), sniff.openmetrics, False
            )
    except (OSError, IsADirectoryError) as exc:
        raise UsageError(f"{target}: cannot read: {exc.strerror}") from None


@contextmanager
def _spooled(chunks: Iterable[bytes]) -> Iterator[tuple[BinaryIO, bool]]:
    """Copy chunks to a temporary file while sniffing the format; yields it rewound."""
    import tempfile

    sniff = Sniffer()
    with tempfile.TemporaryFile() as fh:
        for chunk in chunks:
            fh.write(sniff.feed(chunk))
        fh.seek(0)
        yield fh, sniff.openmetrics


@contextmanager
def _fetch(url: str, *, how: Fetch) -> Iterator[tuple[str, Iterator[bytes], bool | None]]:
    """GET a /metrics URL through the shared ad-hoc target client, streamed; yields (redacted URL,
    body chunks, OpenMetrics per Content-Type or None). Exit 5 unreachable, 4 auth, 3 HTTP error;
    the URL was validated first (exit 2), so transport errors are all `RequestFailed`."""
    from obsctl.core.errors import UnreachableError
    from obsctl.core.target import RequestFailed, build_target_client, check_status
    from obsctl.core.urls import redact_url, validate_url

    validate_url(url, "TARGET", example="http://127.0.0.1:8000/metrics")
    shown = redact_url(url)
    try:
        with (
            build_target_client(
                timeout=how.timeout, env=how.env, transport=how.transport, debug=how.debug, stderr=how.stderr
            ) as client,
            client.open("GET", url, headers={"Accept": ACCEPT}) as got,
        ):
            response = got.response
            if response.status_code >= 400:
                response.read()
                check_status(response, shown)
            ctype = response.headers.get("Content-Type", "")
            om = True if OPENMETRICS_CONTENT_TYPE in ctype else (False if "text/plain" in ctype else None)
            yield shown, _text_only(shown, ctype, response.iter_bytes(CHUNK)), om
    except RequestFailed as exc:
        hint = exc.info.hint or "is the application running?"
        raise UnreachableError(f"cannot reach {shown}: {exc.info.reason}", hint=hint) from None


def _text_only(shown: str, ctype: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The body's chunks, refusing a binary body (protobuf, compressed) at its first chunk."""
    from obsctl.core.http_errors import binary_share, printable_excerpt

    first = True
    for chunk in chunks:
        if first and (b"\0" in chunk[:4096] or binary_share(chunk) > 0.1):
            raise BackendError(
                f"{shown} answered a binary body ({ctype or 'no Content-Type'}), not exposition text: "
                f"{printable_excerpt(chunk)}",
                hint="point TARGET at the text /metrics endpoint (protobuf-only or compressed bodies are not read)",
            )
        first = False
        yield chunk


def samples(stream: Stream, parser: Parser | None = None) -> Iterator[tuple[Family, Sample]]:
    """The stream's samples, one at a time; a malformed line raises the error `parse_error` maps.

    Pass your own `parser` (from `new_parser`) to read its `order` of families afterwards.
    """
    parser = parser or new_parser(openmetrics=stream.openmetrics)
    try:
        yield from parser.feed(stream.lines)
    except ExpositionError as exc:
        raise parse_error(stream, exc) from None


def parse_error(stream: Stream, exc: ExpositionError) -> Exception:
    """Name the source and line: exit 2 for a file, 3 for an app's answer."""
    from obsctl.core.http_errors import printable_excerpt

    message = f"{stream.where}: {printable_excerpt(str(exc), 200)}"
    if stream.from_url:
        return BackendError(f"{message} (the application's exposition is malformed)")
    return UsageError(message, hint="expected Prometheus text format or OpenMetrics")


def read_all(stream: Stream) -> Exposition:
    """The whole exposition in memory (for -o json/yaml, which are one document)."""
    parser = new_parser(openmetrics=stream.openmetrics)
    for fam, sample in samples(stream, parser):
        fam.samples.append(sample)
    return Exposition(parser.order, stream.openmetrics)


def select(expo: Exposition, rx: re.Pattern[str] | None) -> list[Family]:
    """Families whose name, or one of whose sample names, matches the regex."""
    if rx is None:
        return list(expo.families)
    return [f for f in expo.families if rx.search(f.name) or any(rx.search(s.name) for s in f.samples)]


def write(out: Output, stream: Stream, rx: re.Pattern[str] | None, *, families: bool, fmt: str | None) -> int:
    """Write the scrape in `fmt`; returns the number of rows (or documents) written.

    Per-sample csv/tsv/jsonl/table stream; --families holds one counter per family; json/yaml (and
    --families -o jsonl, whose records carry their samples) hold the page.
    """
    from obsctl.metrics import scrape_render as sr

    if fmt in ("json", "yaml") or (families and fmt == "jsonl"):
        docs = [family_doc(f) for f in select(read_all(stream), rx)]
        if fmt == "jsonl":
            out.write_lines(dumps_json(d, indent=False) for d in docs)
        else:
            out.render_document(docs, fmt or "json")
        return len(docs)
    if not families:
        parser = new_parser(openmetrics=stream.openmetrics)  # the hot path: no wrapper
        pairs = sr.matching(parser.feed(stream.lines), rx)  # generators: only one of them is read
        flat = flat_samples(parser, stream.lines) if rx is None else None
        try:
            return sr.write_samples(out, pairs, fmt, flat=flat)
        except ExpositionError as exc:
            raise parse_error(stream, exc) from None
    parser = new_parser(openmetrics=stream.openmetrics)
    counts: dict[int, tuple[int, int]] = {}
    for fam, sample in sr.matching(samples(stream, parser), rx):
        n, ex = counts.get(id(fam), (0, 0))
        counts[id(fam)] = (n + 1, ex + (sample.exemplar is not None))
    chosen = [f for f in parser.order if rx is None or id(f) in counts or rx.search(f.name)]
    rows = sr.family_rows(chosen, counts)
    out.render_rows(sr.FAMILY_COLUMNS, rows, fmt)
    return len(rows)


def family_doc(f: Family) -> dict[str, Any]:
    return {
        "name": f.name,
        "type": f.type,
        "help": f.help,
        "unit": f.unit,
        "samples": [sample_doc(s) for s in f.samples],
    }
