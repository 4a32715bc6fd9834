"""`obsctl metrics scrape`: read an application's /metrics directly, no Prometheus needed.

A user's app is not a configured backend: its URL goes through the shared layer's ad-hoc target
client (core/target.py), so TLS defaults, proxies, `--debug` and error wording match every other
request (unreachable -> exit 5, auth refused -> 4, HTTP errors and binary bodies -> 3).
Prometheus' own Accept header is sent, so apps that support OpenMetrics answer with exemplars.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from obsctl.core.errors import BackendError, UsageError
from obsctl.core.output import Column, format_value
from obsctl.metrics.explore import Table
from obsctl.metrics.exposition import Exposition, ExpositionError, Family, Sample, parse
from obsctl.metrics.query import series_text

ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"


@dataclass(frozen=True)
class Source:
    """Where exposition text came from, and whether it declared itself OpenMetrics."""

    where: str
    text: str
    openmetrics: bool | None


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def read_source(
    target: str,
    *,
    timeout: float,
    env: Mapping[str, str],
    transport: Any = None,
    debug: bool = False,
    stderr: IO[str] | None = None,
) -> Source:
    """Fetch a URL (`-` is stdin, anything else a file path)."""
    if is_url(target):
        return _fetch(target, timeout=timeout, env=env, transport=transport, debug=debug, stderr=stderr)
    if target == "-":
        import sys

        return Source("<stdin>", sys.stdin.read(), None)
    path = Path(target).expanduser()
    if not path.exists():
        raise UsageError(
            f"{target}: no such file", hint="give a file of exposition text or an http(s):// URL of /metrics"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{target}: cannot read: {exc.strerror}") from None
    return Source(str(path), raw.decode("utf-8", errors="replace"), None)


def _fetch(
    url: str, *, timeout: float, env: Mapping[str, str], transport: Any, debug: bool, stderr: IO[str] | None
) -> Source:
    from obsctl.core.http_errors import binary_share, printable_excerpt
    from obsctl.core.target import build_target_client
    from obsctl.core.urls import redact_url, validate_url

    validate_url(url, "TARGET", example="http://127.0.0.1:8000/metrics")
    shown = redact_url(url)
    with build_target_client(
        timeout=timeout, env=env, transport=transport, debug=debug, stderr=stderr
    ) as client:
        response = client.fetch(url, headers={"Accept": ACCEPT}).response
    ctype = response.headers.get("Content-Type", "")
    body = response.content
    if b"\0" in body[:4096] or binary_share(body) > 0.1:
        raise BackendError(
            f"{shown} answered a binary body ({ctype or 'no Content-Type'}), not exposition text: "
            f"{printable_excerpt(body)}",
            hint="point TARGET at the text /metrics endpoint (protobuf-only or compressed bodies are not read)",
        )
    om = True if "application/openmetrics-text" in ctype else (False if "text/plain" in ctype else None)
    return Source(shown, response.text, om)


def parse_source(src: Source, *, from_url: bool) -> Exposition:
    """Parse, naming the source and line on error: exit 2 for a file, 3 for an app's answer."""
    try:
        return parse(src.text, openmetrics=src.openmetrics)
    except ExpositionError as exc:
        from obsctl.core.http_errors import printable_excerpt

        message = f"{src.where}: {printable_excerpt(str(exc), 200)}"
        if from_url:
            raise BackendError(f"{message} (the application's exposition is malformed)") from None
        raise UsageError(message, hint="expected Prometheus text format or OpenMetrics") from None


def select(expo: Exposition, pattern: str | None) -> list[Family]:
    """Families whose name, or one of whose sample names, matches the regex."""
    if not pattern:
        return list(expo.families)
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"--match: invalid regular expression {pattern!r}: {exc}") from None
    return [f for f in expo.families if rx.search(f.name) or any(rx.search(s.name) for s in f.samples)]


def _value(v: float) -> str:
    return format_value(v)


def sample_doc(s: Sample) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": s.name, "labels": s.labels, "value": _value(s.value)}
    if s.timestamp is not None:
        doc["timestamp"] = s.timestamp
    if s.exemplar is not None:
        doc["exemplar"] = {
            "labels": s.exemplar.labels,
            "value": _value(s.exemplar.value),
            **({"timestamp": s.exemplar.timestamp} if s.exemplar.timestamp is not None else {}),
        }
    return doc


def family_doc(f: Family) -> dict[str, Any]:
    return {
        "name": f.name,
        "type": f.type,
        "help": f.help,
        "unit": f.unit,
        "samples": [sample_doc(s) for s in f.samples],
    }


def samples_table(families: list[Family]) -> Table:
    """One row per sample; `wide` adds the timestamp, the exemplar and the family's HELP."""
    rows = []
    for fam in families:
        for s in fam.samples:
            ex = s.exemplar
            rows.append(
                {
                    "series": series_text({"__name__": s.name, **s.labels}),
                    "type": fam.type,
                    "value": _value(s.value),
                    "timestamp": s.timestamp,
                    "exemplar": (series_text(ex.labels) + " " + _value(ex.value)) if ex else "",
                    "family": fam.name,
                    "help": fam.help or "",
                }
            )
    cols = [
        Column("series", "series"),
        Column("type", "type"),
        Column("value", "value"),
        Column("timestamp", "timestamp", wide_only=True),
        Column("exemplar", "exemplar", wide_only=True),
        Column("help", "help", wide_only=True),
    ]
    records = [{"family": f.name, "type": f.type, **sample_doc(s)} for f in families for s in f.samples]
    return Table(cols, rows, [family_doc(f) for f in families], records=records)


def families_table(families: list[Family]) -> Table:
    """One row per family: name, type, unit, number of samples, HELP."""
    rows = [
        {
            "name": f.name,
            "type": f.type,
            "unit": f.unit or "",
            "samples": len(f.samples),
            "exemplars": sum(1 for s in f.samples if s.exemplar),
            "help": f.help or "",
        }
        for f in families
    ]
    cols = [
        Column("name", "name"),
        Column("type", "type"),
        Column("unit", "unit"),
        Column("samples", "samples"),
        Column("exemplars", "exemplars", wide_only=True),
        Column("help", "help"),
    ]
    return Table(cols, rows, [family_doc(f) for f in families])
