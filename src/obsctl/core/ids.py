"""Trace and span ids as users type them (W3C/OTLP hex, Jaeger's 64-bit form, a traceparent).

One parser for every signal, so `logs --trace-id`, `traces get` and friends accept the same input."""

from __future__ import annotations

import re

from obsctl.core.errors import UsageError

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$", re.I)
TRACE_ID_HINT = "give 32 or 16 hex digits (any case) or a traceparent like 00-<32 hex>-<16 hex>-01"


def parse_trace_id(text: str, *, problem: str = "invalid trace id {text!r}") -> str:
    """The 32-hex lower-case trace id from 32/16 hex digits (any case) or a W3C traceparent.

    A 16-digit (64-bit, Jaeger/Zipkin) id is zero-padded on the left. `problem` is the caller's
    wording of the error (a format string with `{text}`); all-zero ids mean "no trace" and fail."""
    raw = text.strip()
    match = _TRACEPARENT.match(raw)
    if match:
        raw = match.group(2)
    if len(raw) not in (16, 32) or not _HEX.match(raw):
        raise UsageError(problem.format(text=text), hint=TRACE_ID_HINT)
    if int(raw, 16) == 0:
        raise UsageError(
            f"{problem.format(text=text)}: all zeros means no trace", hint="give the id of a real trace"
        )
    return raw.lower().rjust(32, "0")


def trace_id_forms(trace_id: str) -> list[str]:
    """Spellings a store may hold for a canonical 32-hex id: a 64-bit id also as its 16 low digits."""
    if trace_id[:16] == "0" * 16:
        return [trace_id[16:], trace_id]
    return [trace_id]


def parse_span_id(text: str, *, problem: str = "invalid span id {text!r}") -> str:
    """The 16-hex lower-case span id from 16 hex digits (any case) or a W3C traceparent's parent id."""
    raw = text.strip()
    match = _TRACEPARENT.match(raw)
    if match:
        raw = match.group(3)
    if len(raw) != 16 or not _HEX.match(raw):
        raise UsageError(problem.format(text=text), hint="give 16 hex digits or a traceparent")
    if int(raw, 16) == 0:
        raise UsageError(
            f"{problem.format(text=text)}: all zeros means no span", hint="give the id of a real span"
        )
    return raw.lower()
