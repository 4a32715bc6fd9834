"""`logs search --count | --stats FIELD | --histogram INTERVAL`: ES aggregations, or the same
counts computed over files."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from obsctl.core.errors import UsageError

if TYPE_CHECKING:
    from obsctl.core.context import AppContext
    from obsctl.logs.commands._common import Selection
    from obsctl.logs.query import Filters

_SPARK = "▁▂▃▄▅▆▇█"
_FORMATS = ("table", "json", "jsonl", "csv", "tsv", "yaml")


def run_aggregate(
    actx: AppContext,
    source: Any,
    filters: Filters,
    sel: Selection,
    *,
    count: bool,
    stats: str | None,
    histogram: str | None,
) -> None:
    from obsctl.core.output import Column, check_format

    fmt = check_format(sel.output, _FORMATS)
    out = actx.out
    if count:
        n = _count(source, filters)
        if fmt in ("json", "yaml", "jsonl"):
            out.render_document({"count": n}, "yaml" if fmt == "yaml" else "json")
        else:
            out.write(str(n))
        return
    if stats:
        rows, other = _stats(source, filters, stats)
        total = sum(r["count"] for r in rows) + other
        for r in rows:
            r["percent"] = round(100.0 * r["count"] / total, 1) if total else 0.0
        if other:
            rows.append({"value": "(other)", "count": other, "percent": round(100.0 * other / total, 1)})
        cols = [Column("value", stats), Column("count", "count"), Column("percent", "%")]
        out.render_rows(cols, rows, fmt, document={"field": stats, "values": rows})
        return
    assert histogram is not None
    rows = _histogram(source, filters, histogram)
    if fmt is None and out.is_tty and rows:
        _sparkline(actx, rows, histogram, sel.utc)
        return
    out.render_rows([Column("start", "start"), Column("count", "count")], rows, fmt)


def _count(source: Any, filters: Filters) -> int:
    from obsctl.logs.files import FileSource
    from obsctl.logs.query import record_predicate

    if isinstance(source, FileSource):
        keep = record_predicate(filters)
        return sum(1 for r in source.records() if keep(r))
    return int(source.count(filters))


def _stats(source: Any, filters: Filters, field: str) -> tuple[list[dict[str, Any]], int]:
    from obsctl.logs.files import FileSource
    from obsctl.logs.query import record_predicate
    from obsctl.logs.record import lookup

    if isinstance(source, FileSource):
        keep = record_predicate(filters)
        counter: Counter[str] = Counter(str(lookup(r.source, field)) for r in source.records() if keep(r))
        common = counter.most_common(10)
        return [{"value": k, "count": c} for k, c in common], sum(counter.values()) - sum(
            c for _, c in common
        )
    roles = source.roles
    info = roles.all_fields.get(field)
    name = roles.keyword_of(info) if info is not None else field
    if name is None:
        raise UsageError(
            f"--stats {field}: a text field cannot be aggregated", hint=f"use {field}.keyword if it is mapped"
        )
    aggs = source.aggregate(filters, {"top": {"terms": {"field": name, "size": 10}}})
    top: dict[str, Any] = aggs.get("top") or {}
    rows = [
        {"value": b.get("key_as_string", b["key"]), "count": b["doc_count"]} for b in top.get("buckets") or []
    ]
    return rows, int(top.get("sum_other_doc_count") or 0)


def _histogram(source: Any, filters: Filters, interval: str) -> list[dict[str, Any]]:
    from obsctl.core.params import duration_flag
    from obsctl.logs.files import FileSource
    from obsctl.logs.query import record_predicate

    width = duration_flag("--histogram", interval, minimum=0.001, example="5m")
    ms = int(width * 1000)
    if isinstance(source, FileSource):
        keep = record_predicate(filters)
        counts: Counter[int] = Counter()
        for r in source.records():
            if keep(r) and r.ts is not None:
                key = int(r.ts.timestamp() * 1000)
                counts[key - key % ms] += 1
        keys = sorted(counts)
        full = list(range(keys[0], keys[-1] + ms, ms)) if keys else []
        buckets = [(k, counts.get(k, 0)) for k in full]
    else:
        agg = {
            "date_histogram": {
                "field": source.roles.timestamp,
                "fixed_interval": f"{ms}ms",
                "min_doc_count": 0,
            }
        }
        data = source.aggregate(filters, {"h": agg})
        buckets = [(int(b["key"]), int(b["doc_count"])) for b in (data.get("h") or {}).get("buckets") or []]
    return [{"start": datetime.fromtimestamp(k / 1000, timezone.utc), "count": c} for k, c in buckets]


def _sparkline(actx: AppContext, rows: list[dict[str, Any]], interval: str, utc: bool) -> None:
    peak = max(r["count"] for r in rows) or 1
    line = "".join(
        _SPARK[min(len(_SPARK) - 1, (r["count"] * (len(_SPARK) - 1) + peak - 1) // peak)]
        if r["count"]
        else " "
        for r in rows
    )
    first, last = rows[0]["start"], rows[-1]["start"]
    if not utc:
        first, last = first.astimezone(), last.astimezone()
    total = sum(r["count"] for r in rows)
    actx.out.write(
        f"{line}\n{first:%Y-%m-%d %H:%M} → {last:%Y-%m-%d %H:%M}  per {interval}: max {peak}, total {total}"
    )
