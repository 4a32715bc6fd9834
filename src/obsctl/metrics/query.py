"""Query results as a model, and how each output format writes them.

The JSON shapes stay Prometheus' own (`metric`, `value`/`values`, sample values as strings so NaN
and +Inf survive), wrapped with the expression, the resolved window, warnings, infos and stats.
Large results bypass Rich and the generic row renderer: CSV and JSON are written in one pass.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from obsctl.core.output import Column, Output, format_value
from obsctl.metrics.window import Window

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 20
FLAT_RATIO = 0.01  # a sparkline whose values vary less than 1 % is drawn flat
NAME = "__name__"


@dataclass(frozen=True)
class QueryResult:
    """What one query returned, plus the context needed to render it."""

    expr: str
    result_type: str
    result: Any
    window: Window
    warnings: tuple[str, ...] = ()
    infos: tuple[str, ...] = ()
    stats: Mapping[str, Any] | None = None

    @property
    def series(self) -> list[dict[str, Any]]:
        """The vector/matrix entries (empty for scalars and strings)."""
        if self.result_type in ("vector", "matrix") and isinstance(self.result, list):
            return self.result
        return []

    @property
    def is_empty(self) -> bool:
        return self.result_type in ("vector", "matrix") and not self.series

    def document(self) -> dict[str, Any]:
        """The `-o json|yaml` document; keys are documented in docs/metrics.md."""
        doc: dict[str, Any] = {
            "query": self.expr,
            "resultType": self.result_type,
            "result": self.result,
            "window": self.window.describe(),
            "warnings": list(self.warnings),
            "infos": list(self.infos),
        }
        if self.stats is not None:
            doc["stats"] = self.stats
        return doc


def from_api(
    expr: str, data: Any, window: Window, warnings: Sequence[str], infos: Sequence[str]
) -> QueryResult:
    """Build a QueryResult from `data` of /query or /query_range."""
    data = data if isinstance(data, dict) else {}
    return QueryResult(
        expr=expr,
        result_type=str(data.get("resultType") or "vector"),
        result=data.get("result") if data.get("result") is not None else [],
        window=window,
        warnings=tuple(warnings),
        infos=tuple(infos),
        stats=data.get("stats"),
    )


# --- values ---------------------------------------------------------------------------------


def to_float(text: Any) -> float:
    """A sample value string as a float (`NaN`, `+Inf`, `-Inf` included)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def histogram_text(hist: Mapping[str, Any]) -> str:
    """A native histogram sample in one cell: its count, sum and number of populated buckets."""
    buckets = hist.get("buckets") or []
    return f"count={hist.get('count', '')} sum={hist.get('sum', '')} buckets={len(buckets)}"


def samples(entry: Mapping[str, Any]) -> list[tuple[float, str]]:
    """(timestamp, value text) of one series, floats and native histograms merged in time order."""
    out: list[tuple[float, str]] = []
    if "value" in entry:
        ts, value = entry["value"]
        out.append((float(ts), str(value)))
    if "histogram" in entry:
        ts, hist = entry["histogram"]
        out.append((float(ts), histogram_text(hist)))
    for ts, value in entry.get("values") or ():
        out.append((float(ts), str(value)))
    hists = entry.get("histograms") or ()
    for ts, hist in hists:
        out.append((float(ts), histogram_text(hist)))
    if hists and entry.get("values"):
        out.sort(key=lambda p: p[0])
    return out


def numeric(entry: Mapping[str, Any]) -> list[tuple[float, float]]:
    """(timestamp, value) pairs usable for charts and statistics (histograms give their count)."""
    out = [(float(ts), to_float(v)) for ts, v in entry.get("values") or ()]
    if "value" in entry:
        ts, v = entry["value"]
        out.append((float(ts), to_float(v)))
    for ts, hist in entry.get("histograms") or ():
        out.append((float(ts), to_float(hist.get("count"))))
    if "histogram" in entry:
        ts, hist = entry["histogram"]
        out.append((float(ts), to_float(hist.get("count"))))
    out.sort(key=lambda p: p[0])
    return out


def label_names(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """Union of label names, `__name__` first, then sorted: stable columns for every format."""
    names: set[str] = set()
    for entry in entries:
        names.update(entry.get("metric") or {})
    rest = sorted(n for n in names if n != NAME)
    return ([NAME] if NAME in names else []) + rest


def series_text(metric: Mapping[str, str]) -> str:
    """PromQL-style identity: `up{instance="a:9090",job="prometheus"}`."""
    name = metric.get(NAME, "")
    pairs = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(metric.items()) if k != NAME)
    return f"{name}{{{pairs}}}" if pairs or not name else name


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def legend(template: str | None, metric: Mapping[str, str]) -> str:
    """Apply a Grafana-style legend template (`{{job}}/{{instance}}`); default: the series text."""
    if not template:
        return series_text(metric) or "{}"
    import re

    return re.sub(r"\{\{\s*([^{}\s]+)\s*\}\}", lambda m: metric.get(m.group(1), ""), template)


def sparkline(values: Sequence[float], width: int = SPARK_WIDTH) -> str:
    """Unicode block sparkline; NaN/Inf show as a space, buckets averaged down to `width`.

    Scaled from min to max, except that a series varying by under 1 % of its magnitude is drawn
    flat: otherwise the jitter of a steady rate looks like a spike.
    """
    if not values:
        return ""
    if len(values) > width:
        size = len(values) / width
        buckets = []
        for i in range(width):
            chunk = [v for v in values[int(i * size) : int((i + 1) * size) or None] if math.isfinite(v)]
            buckets.append(sum(chunk) / len(chunk) if chunk else math.nan)
        values = buckets
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return " " * len(values)
    lo, hi = min(finite), max(finite)
    span = hi - lo
    flat = span <= FLAT_RATIO * max(abs(lo), abs(hi))  # jitter of a steady rate is not a trend
    out = []
    for v in values:
        if not math.isfinite(v):
            out.append(" ")
        elif flat:
            out.append(SPARK_BLOCKS[3])
        else:
            out.append(SPARK_BLOCKS[min(7, int((v - lo) / span * 7 + 0.5))])
    return "".join(out)


# --- tables ---------------------------------------------------------------------------------


def table(qr: QueryResult, *, spark: bool) -> tuple[list[Column], list[dict[str, Any]]]:
    """One row per series: its labels as columns, then the value (last value for ranges)."""
    if qr.result_type in ("scalar", "string"):
        ts, value = qr.result if isinstance(qr.result, list) and len(qr.result) == 2 else (None, "")
        cols = [Column("value", "value"), Column("timestamp", "timestamp", wide_only=True)]
        return cols, [{"value": str(value), "timestamp": _ts(ts)}]
    names = label_names(qr.series)
    cols = [Column(f"l:{n}", "name" if n == NAME else n) for n in names]
    rows: list[dict[str, Any]] = []
    if qr.result_type == "matrix":
        cols += [
            Column("value", "last"),
            Column("min", "min", wide_only=True),
            Column("max", "max", wide_only=True),
            Column("avg", "avg", wide_only=True),
            Column("points", "points", wide_only=True),
        ]
        if spark:
            cols.append(Column("spark", "trend"))
        for entry in qr.series:
            row = _label_cells(entry, names)
            pts = samples(entry)
            nums = [v for _, v in numeric(entry)]
            finite = [v for v in nums if math.isfinite(v)]
            row["value"] = pts[-1][1] if pts else ""
            row["min"] = _sig(min(finite)) if finite else None
            row["max"] = _sig(max(finite)) if finite else None
            row["avg"] = _sig(sum(finite) / len(finite)) if finite else None
            row["points"] = len(pts)
            if spark:
                row["spark"] = sparkline(nums)
            rows.append(row)
        return cols, rows
    cols += [Column("value", "value"), Column("timestamp", "timestamp", wide_only=True)]
    for entry in qr.series:
        row = _label_cells(entry, names)
        pts = samples(entry)
        row["value"] = pts[-1][1] if pts else ""
        row["timestamp"] = _ts(pts[-1][0]) if pts else None
        rows.append(row)
    return cols, rows


def _sig(value: float) -> float:
    """Six significant digits: summary columns for reading, not for computing (use csv/json)."""
    return float(f"{value:.6g}")


def _label_cells(entry: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    metric = entry.get("metric") or {}
    return {f"l:{n}": metric.get(n, "") for n in names}


def _ts(ts: Any) -> Any:
    if ts is None:
        return None
    from datetime import datetime, timezone

    return datetime.fromtimestamp(float(ts), tz=timezone.utc)


# --- fast writers -----------------------------------------------------------------------------


def _ts_text(ts: Any) -> str:
    if isinstance(ts, float) and ts.is_integer():
        return str(int(ts))
    return str(ts)


def csv_chunks(qr: QueryResult) -> Iterator[str]:
    """CSV, one row per sample: label columns, `timestamp` (unix seconds), `value` (as sent)."""
    if qr.result_type in ("scalar", "string"):
        ts, value = qr.result
        yield "timestamp,value\n" + _csv_row([_ts_text(ts), str(value)])
        return
    names = label_names(qr.series)
    yield _csv_row([*names, "timestamp", "value"])
    ts_cache: dict[Any, str] = {}
    for entry in qr.series:
        metric = entry.get("metric") or {}
        prefix = _csv_row([metric.get(n, "") for n in names] + [""])[:-1]  # keeps the trailing comma
        lines = []
        if "histogram" in entry or "histograms" in entry:
            for ts, value in samples(entry):
                lines.append(prefix + _csv_row([_ts_text(ts), value]))
            yield "".join(lines)
            continue
        if "value" in entry:
            pairs: Iterable[Sequence[Any]] = (entry["value"],)
        else:
            pairs = entry.get("values") or ()
        for ts, value in pairs:
            text = ts_cache.get(ts)
            if text is None:
                text = ts_cache[ts] = _ts_text(ts)
            if '"' in value or "," in value:  # pragma: no cover - values are numbers
                value = _csv_row([value])[:-1]
            lines.append(f"{prefix}{text},{value}\n")
        yield "".join(lines)


def _csv_row(cells: Sequence[str]) -> str:
    if not any(c and (c[0] in " \t" or any(ch in c for ch in ',"\n\r')) for c in cells):
        return ",".join(cells) + "\n"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def dumps(doc: Any, indent: bool = True) -> str:
    """JSON text through orjson when available (about 30x faster on large results)."""
    try:
        import orjson
    except ImportError:  # pragma: no cover
        from obsctl.core.output import dumps_json

        return dumps_json(doc, indent=indent)
    try:
        raw = orjson.dumps(doc, option=orjson.OPT_INDENT_2 if indent else 0)
    except TypeError:
        from obsctl.core.output import dumps_json

        return dumps_json(doc, indent=indent)
    return raw.decode("utf-8")


def jsonl_lines(qr: QueryResult) -> Iterator[str]:
    """One JSON object per series (or one for a scalar/string), in Prometheus' own shape."""
    if qr.result_type in ("scalar", "string"):
        yield dumps({"resultType": qr.result_type, "value": qr.result}, indent=False)
        return
    for entry in qr.series:
        yield dumps(entry, indent=False)


def render(out: Output, qr: QueryResult, fmt: str | None, *, legend_template: str | None = None) -> None:
    """Write a query result in the chosen format (None: table on a TTY, TSV piped)."""
    if fmt in ("json", "yaml"):
        if fmt == "json":
            out.stdout.write(dumps(qr.document()) + "\n")
            out.stdout.flush()
        else:
            out.render_document(qr.document(), "yaml")
        return
    if fmt == "jsonl":
        out.write_lines(jsonl_lines(qr))
        return
    if fmt == "csv":
        for chunk in csv_chunks(qr):
            out.stdout.write(chunk)
        out.stdout.flush()
        return
    if fmt == "graph":
        from obsctl.metrics.chart import render_chart

        out.write_lines(render_chart(qr, out, legend_template=legend_template))
        return
    spark = out.is_tty and fmt in (None, "table", "wide")
    columns, rows = table(qr, spark=spark)
    if legend_template and qr.series:
        columns = [Column("legend", "series"), *[c for c in columns if not c.key.startswith("l:")]]
        for entry, row in zip(qr.series, rows):
            row["legend"] = legend(legend_template, entry.get("metric") or {})
    out.render_rows(columns, rows, fmt)


def format_stats(stats: Mapping[str, Any]) -> str:
    """One line of the server's query statistics for stderr."""
    timings = stats.get("timings") or {}
    samples_ = stats.get("samples") or {}
    parts = []
    if timings:
        parts.append(
            "exec {} (queue {}, prepare {}, eval {})".format(
                _ms(timings.get("execTotalTime")),
                _ms(timings.get("execQueueTime")),
                _ms(timings.get("queryPreparationTime")),
                _ms(timings.get("innerEvalTime", timings.get("evalTotalTime"))),
            )
        )
    if samples_:
        parts.append(
            f"samples {samples_.get('totalQueryableSamples', 0):,} total, "
            f"{samples_.get('peakSamples', 0):,} peak"
        )
    return "stats: " + ("; ".join(parts) if parts else format_value(stats))


def _ms(seconds: Any) -> str:
    try:
        return f"{float(seconds) * 1000:.2f} ms"
    except (TypeError, ValueError):
        return "?"
