"""`obsctl metrics scrape`: read an application's /metrics directly, no Prometheus needed.

A user's app is not a configured backend, so the HTTP client is built here, with the same
User-Agent, timeout and error style as the shared layer (unreachable -> exit 5, HTTP errors -> 3).
Prometheus' own Accept header is sent, so apps that support OpenMetrics answer with exemplars.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from obsctl.core.errors import BackendError, UnreachableError, UsageError
from obsctl.core.output import Output, dumps_json
from obsctl.metrics.exposition import (
    OPENMETRICS_CONTENT_TYPE,
    Exposition,
    ExpositionError,
    Family,
    Sample,
)
from obsctl.metrics.expostream import CHUNK, Decoder, Parser, Sniffer, new_parser, read_chunks
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


@contextmanager
def open_stream(
    target: str, *, timeout: float, warn: Callable[[str], None], transport: Any = None
) -> Iterator[Stream]:
    """Open a URL, a file or `-` (stdin) for streaming; memory stays flat whatever its size.

    When the format is not declared (a file, stdin, a URL without an exposition Content-Type) it is
    detected as `parse` does, which needs the end of the text: a file is read twice, anything else
    is spooled to a temporary file on the way.
    """
    if is_url(target):
        with _fetch(target, timeout=timeout, transport=transport) as (shown, chunks, om):
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
def _fetch(url: str, *, timeout: float, transport: Any) -> Iterator[tuple[str, Iterator[bytes], bool | None]]:
    """GET a /metrics URL; yields (redacted URL, body chunks, OpenMetrics per Content-Type or None)."""
    import httpx

    from obsctl.core.http import USER_AGENT, error_detail, redact_url

    shown = redact_url(url)
    headers = {"Accept": ACCEPT, "User-Agent": USER_AGENT}
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True, transport=transport) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code >= 400:
                response.read()
                detail = error_detail(response)
                raise BackendError(
                    f"{shown} answered {response.status_code}" + (f": {detail}" if detail else ""),
                    status=response.status_code,
                )
            ctype = response.headers.get("Content-Type", "")
            om = True if OPENMETRICS_CONTENT_TYPE in ctype else (False if "text/plain" in ctype else None)
            yield shown, response.iter_bytes(CHUNK), om
    except httpx.TimeoutException:
        raise UnreachableError(f"cannot reach {shown}: timed out after {timeout:g}s") from None
    except httpx.ConnectError as exc:
        reason = "connection refused" if "refused" in str(exc) or "Errno 111" in str(exc) else str(exc)
        raise UnreachableError(
            f"cannot reach {shown}: {reason}", hint="is the application running?"
        ) from None
    except httpx.UnsupportedProtocol as exc:
        raise UsageError(f"{shown}: {exc}") from None
    except httpx.HTTPError as exc:
        raise UnreachableError(f"cannot reach {shown}: {exc or type(exc).__name__}") from None


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
    message = f"{stream.where}: {exc}"
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
        return sr.write_samples(out, sr.matching(samples(stream), rx), fmt)
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
