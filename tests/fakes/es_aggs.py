"""Aggregations for the fake Elasticsearch: `date_histogram`, `histogram`-free `terms`,
`min`/`max`/`value_count`, shaped as real ES answers them (keys as epoch millis with
`key_as_string`, `sum_other_doc_count`, buckets sorted by count then key)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def interval_ms(text: str) -> int:
    match = re.fullmatch(r"(\d+)(ms|s|m|h|d)", str(text).strip())
    if not match:
        raise ValueError(f"failed to parse setting [date_histogram.fixed_interval] with value [{text}]")
    return int(match.group(1)) * _UNITS_MS[match.group(2)]


def _iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, timezone.utc)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def run_aggs(
    aggs: Mapping[str, Any],
    sources: list[Any],
    types: Mapping[str, str],
    values_of: Callable[[Any, str], list[Any]],
    nanos_of: Callable[[Any, str], int | None],
    fielddata_error: Callable[[str], Exception],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec in aggs.items():
        ((kind, args),) = ((k, v) for k, v in spec.items() if k not in ("aggs", "aggregations"))
        field = args.get("field")
        if kind == "date_histogram":
            width = interval_ms(
                args.get("fixed_interval") or args.get("calendar_interval") or args.get("interval")
            )
            counts: Counter[int] = Counter()
            for source in sources:
                nanos = nanos_of(source, field)
                if nanos is not None:
                    ms = nanos // 1_000_000
                    counts[ms - ms % width] += 1
            minimum = int(args.get("min_doc_count", 0))
            keys = sorted(counts)
            if minimum == 0 and keys:
                keys = list(range(keys[0], keys[-1] + width, width))
            buckets = [
                {"key_as_string": _iso(k), "key": k, "doc_count": counts.get(k, 0)}
                for k in keys
                if counts.get(k, 0) >= minimum
            ]
            out[name] = {"buckets": buckets}
        elif kind == "terms":
            if types.get(field) == "text":
                raise fielddata_error(field)
            counts_t: Counter[Any] = Counter()
            for source in sources:
                for value in set(map(_hashable, values_of(source, _source_name(field, types)))):
                    counts_t[value] += 1
            size = int(args.get("size", 10))
            ordered = sorted(counts_t.items(), key=lambda kv: (-kv[1], str(kv[0])))
            top = ordered[:size]
            out[name] = {
                "doc_count_error_upper_bound": 0,
                "sum_other_doc_count": sum(c for _, c in ordered[size:]),
                "buckets": [{"key": k, "doc_count": c} for k, c in top],
            }
        elif kind in ("min", "max", "value_count"):
            found = [v for s in sources for v in values_of(s, field)]
            if kind == "value_count":
                out[name] = {"value": len(found)}
                continue
            if types.get(field) in ("date", "date_nanos"):
                nums = [n / 1e6 for n in (nanos_of(s, field) for s in sources) if n is not None]
            else:
                nums = [float(v) for v in found]
            value = (min(nums) if kind == "min" else max(nums)) if nums else None
            out[name] = {"value": value}
            if value is not None and types.get(field) in ("date", "date_nanos"):
                out[name]["value_as_string"] = _iso(int(value))
        else:
            raise ValueError(f"Unknown aggregation type [{kind}]")
    return out


def _source_name(field: str, types: Mapping[str, str]) -> str:
    if field.endswith(".keyword") and types.get(field) == "keyword":
        return field[: -len(".keyword")]
    return field


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) else str(value)
