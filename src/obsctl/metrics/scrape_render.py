"""`metrics scrape` output, written as the samples are parsed.

csv, tsv, jsonl and the piped default write each row as its line is read, so memory stays flat
however large the page. A table needs its column widths first: it holds up to TABLE_BUFFER rows,
and past that prints the rest at the widths of those rows and says so on stderr. -o json/yaml
are one document and are built in memory (scrape.read_all).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

from obsctl.core.errors import UsageError
from obsctl.core.output import Column, Output, dumps_json, format_value
from obsctl.metrics.exposition import Exemplar, Family, Sample
from obsctl.metrics.expostream import Flat

TABLE_BUFFER = 10_000
_INF = float("inf")

SAMPLE_COLUMNS = [
    Column("series", "series"),
    Column("type", "type"),
    Column("value", "value"),
    Column("timestamp", "timestamp", wide_only=True),
    Column("exemplar", "exemplar", wide_only=True),
    Column("help", "help", wide_only=True),
]
FAMILY_COLUMNS = [
    Column("name", "name"),
    Column("type", "type"),
    Column("unit", "unit"),
    Column("samples", "samples"),
    Column("exemplars", "exemplars", wide_only=True),
    Column("help", "help"),
]

Pairs = Iterable[tuple[Family, Sample]]


def compile_match(pattern: str | None) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"--match: invalid regular expression {pattern!r}: {exc}") from None


def matching(pairs: Pairs, rx: re.Pattern[str] | None) -> Pairs:
    """Samples of the families whose name, or one of whose sample names, matches `rx`.

    A family whose own name does not match waits (held back, at most until it ends) for a sample
    whose name does, e.g. `_bucket$` selecting whole histograms; families that end without one are
    dropped. Families are contiguous in any valid page, so this holds one family at most.
    """
    return pairs if rx is None else _matching(pairs, rx)


def _matching(pairs: Pairs, rx: re.Pattern[str]) -> Iterator[tuple[Family, Sample]]:
    chosen: set[str] = set()
    held: list[tuple[Family, Sample]] = []
    held_for: Family | None = None
    for fam, sample in pairs:
        if fam is not held_for:
            held.clear()
            held_for = fam
        if fam.name in chosen:
            yield fam, sample
        elif rx.search(fam.name) or rx.search(sample.name):
            chosen.add(fam.name)
            yield from held
            held.clear()
            yield fam, sample
        else:
            held.append((fam, sample))


def number(v: float) -> str:
    """format_value for a float, without its type dispatch (called once per sample)."""
    if v == v and v not in (_INF, -_INF):
        return str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)
    return format_value(v)


def series(name: str, labels: dict[str, str]) -> str:
    """query.series_text for a sample, without building a merged dict (called once per sample)."""
    if not labels:
        return name if name else "{}"
    values = "".join(labels.values())
    if "__name__" in labels or "\\" in values or '"' in values or "\n" in values:
        from obsctl.metrics.query import series_text  # escapes: the general version

        return series_text({"__name__": name, **labels})
    pairs = ",".join([f'{k}="{v}"' for k, v in sorted(labels.items())])
    return f"{name}{{{pairs}}}"


def _exemplar_text(ex: Exemplar) -> str:
    from obsctl.metrics.query import series_text

    return series_text(ex.labels) + " " + format_value(ex.value)


def sample_row(fam: Family, s: Sample) -> dict[str, Any]:
    ex = s.exemplar
    return {
        "series": series(s.name, s.labels),
        "type": fam.type,
        "value": number(s.value),
        "timestamp": s.timestamp,
        "exemplar": _exemplar_text(ex) if ex else "",
        "family": fam.name,
        "help": fam.help or "",
    }


def sample_doc(s: Sample) -> dict[str, Any]:
    """A sample in JSON/YAML (documented in docs/metrics.md)."""
    doc: dict[str, Any] = {"name": s.name, "labels": s.labels, "value": format_value(s.value)}
    if s.timestamp is not None:
        doc["timestamp"] = s.timestamp
    if s.exemplar is not None:
        doc["exemplar"] = {
            "labels": s.exemplar.labels,
            "value": format_value(s.exemplar.value),
            **({"timestamp": s.exemplar.timestamp} if s.exemplar.timestamp is not None else {}),
        }
    return doc


def sample_record(fam: Family, s: Sample) -> dict[str, Any]:
    """What -o jsonl writes for a sample: the sample with its family's name and type."""
    return {"family": fam.name, "type": fam.type, **sample_doc(s)}


class RowWriter:
    """Writes rows in one format as they come; tables buffer up to TABLE_BUFFER rows for widths."""

    def __init__(self, out: Output, columns: list[Column], fmt: str | None) -> None:
        self.out = out
        self.fmt = (fmt or ("table" if out.is_tty else "tsv-auto")).lower()
        self.columns = columns
        self.cols = [c for c in columns if self.fmt == "wide" or not c.wide_only]
        self.keys = [c.key for c in self.cols]
        self.count = 0
        self.buffer: list[dict[str, Any]] | None = [] if self.fmt in ("table", "wide") else None
        self.widths: list[int] | None = None
        self.limits: list[int | None] = []
        self._csv: Any = None
        if self.fmt == "csv":
            self._csv = csv.writer(out.stdout, lineterminator="\n")
            self._csv.writerow(self.keys)
        elif self.fmt == "tsv":
            out.stdout.write("\t".join(c.header for c in self.cols) + "\n")

    def add(self, row: dict[str, Any]) -> None:
        self.count += 1
        fmt = self.fmt
        if fmt == "csv":
            self._csv.writerow([format_value(row.get(k)) for k in self.keys])
        elif fmt in ("tsv", "tsv-auto"):
            cells = (format_value(row.get(k)).replace("\t", " ").replace("\n", " ") for k in self.keys)
            self.out.stdout.write("\t".join(cells) + "\n")
        elif fmt == "jsonl":
            self.out.stdout.write(dumps_json(row, indent=False) + "\n")
        elif self.buffer is not None:
            self.buffer.append(row)
            if len(self.buffer) > TABLE_BUFFER:
                self._start_streaming_table()
        else:
            self._table_line(row)

    def _start_streaming_table(self) -> None:
        """Print the buffered rows as core prints a big table, then keep their column widths."""
        from obsctl.core.tables import fit_widths, plain_table, visible_len

        rows, self.buffer = self.buffer or [], None
        headers = [c.header.upper() for c in self.cols]
        width = self.out.width if self.out.is_tty else None
        lines = plain_table(headers, rows, self.keys, width)
        natural = [
            max(len(h), *(visible_len(format_value(r.get(k)).replace("\n", " ")) for r in rows))
            for h, k in zip(headers, self.keys)
        ]
        self.widths = fit_widths(natural, [len(h) for h in headers], width) if width else natural
        # Later rows are padded to these widths; cut only where the terminal made a column narrower.
        self.limits = [w if w < n else None for w, n in zip(self.widths, natural)]
        self.out.info(
            f"obsctl: note: over {TABLE_BUFFER:,} rows: columns are as wide as the first {TABLE_BUFFER:,}"
            " (use -o tsv, csv or jsonl for large pages)"
        )
        self.out.stdout.write("\n".join(lines) + "\n")

    def _table_line(self, row: dict[str, Any]) -> None:
        from obsctl.core.tables import truncate

        widths = self.widths or []
        cells = [
            truncate(text, limit) if limit is not None else text
            for text, limit in zip(
                (format_value(row.get(k)).replace("\n", " ") for k in self.keys), self.limits
            )
        ]
        self.out.stdout.write("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() + "\n")

    def close(self) -> None:
        if self.buffer is not None:
            self.out.render_rows(self.columns, self.buffer, self.fmt)
            self.buffer = None
        self.out.stdout.flush()


def write_samples(out: Output, pairs: Pairs, fmt: str | None, *, flat: Iterable[Flat] | None = None) -> int:
    """One row (or JSON line) per sample, as they are parsed; returns how many.

    `flat`, the same samples as `expostream.flat_samples` gives them, is what csv/tsv read when
    given (`pairs` is then not read): it spares building a Sample per fast-path line.
    """
    writer = RowWriter(out, SAMPLE_COLUMNS, fmt)
    try:
        if writer.fmt in ("csv", "tsv", "tsv-auto"):
            items = flat if flat is not None else ((f, s, "", (), (), 0.0, None) for f, s in pairs)
            return _write_plain_samples(writer, items)
        make = sample_record if writer.fmt == "jsonl" else sample_row
        for fam, sample in pairs:
            writer.add(make(fam, sample))
    finally:
        writer.close()
    return writer.count


def _csv_cell(text: str) -> str:
    """QUOTE_MINIMAL as csv.writer does it (the series is the only cell that can need quoting)."""
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv_series(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ") if "\t" in text or "\n" in text else text


def _series_template(keys: tuple[str, ...], csv_out: bool) -> str:
    """A str.format template for series text (csv-quoted for csv) of labels whose names come in
    the order `keys`: `{0}` the metric name, `{i}` the value of keys[i - 1], names sorted as
    query.series_text sorts them. One C-level format call per sample instead of sort and join."""
    quote = '""' if csv_out else '"'

    def esc(text: str) -> str:
        text = text.replace("{", "{{").replace("}", "}}")
        return text.replace('"', '""') if csv_out else text

    inner = ",".join(
        f"{esc(keys[i])}={quote}{{{i + 1}}}{quote}" for i in sorted(range(len(keys)), key=keys.__getitem__)
    )
    body = "{0}{{" + inner + "}}"
    return f'"{body}"' if csv_out else body


def _write_plain_samples(writer: RowWriter, items: Iterable[Flat]) -> int:
    """csv/tsv rows of series, type, value: the hot loop of a big scrape, kept to the cells it needs.

    `series` and `number` are inlined for the common case (a fast-path sample: plain label values;
    a finite value): a series is one format call on a template per label-name order
    (`_series_template`, built the first time that order is seen); lines are joined and written
    2,000 at a time. A plain series with labels always holds a quote, so in csv it is always quoted
    (what csv's QUOTE_MINIMAL does); a type or a number never needs it. Samples the full parser
    read go through the general `series`.
    """
    write = writer.out.stdout.write
    csv_out = writer.fmt == "csv"
    sep = "," if csv_out else "\t"
    cell = _csv_cell if csv_out else _tsv_series
    buf: list[str] = []
    add = buf.append
    n = 0
    templates: dict[tuple[str, ...], str] = {}  # label names in line order -> their series text
    try:
        for fam, s, name, keys, values, v, _ in items:
            if s is not None:  # the full parser's sample: any label values, any name
                text = cell(series(s.name, s.labels)) if s.labels else cell(s.name or "{}")
                v = s.value
            elif keys:  # fast path: names and values hold no quote, backslash or newline
                template = templates.get(keys)
                if template is None and len(templates) < 1000:
                    template = templates[keys] = "" if "__name__" in keys else _series_template(keys, csv_out)
                if template:
                    text = template.format(name, *values)
                    if not csv_out and ("\t" in text or "\n" in text):
                        text = _tsv_series(text)
                else:  # __name__ among the labels, or too many label-name orders to keep
                    text = cell(series(name, dict(zip(keys, values))))
            else:
                text = name  # a metric name never needs quoting
            if v == v and v != _INF and v != -_INF:
                num = str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)
            else:
                num = format_value(v)
            add(f"{text}{sep}{fam.type}{sep}{num}\n")
            if len(buf) >= 2000:
                n += len(buf)
                write("".join(buf))
                buf.clear()
    finally:  # Ctrl-C or an error mid-page: what was parsed is still written
        n += len(buf)
        write("".join(buf))
        writer.count = n
    return n


def family_rows(families: Iterable[Family], counts: dict[int, tuple[int, int]]) -> list[dict[str, Any]]:
    """One row per family; `counts` maps id(family) to (samples, exemplars)."""
    return [
        {
            "name": f.name,
            "type": f.type,
            "unit": f.unit or "",
            "samples": counts.get(id(f), (0, 0))[0],
            "exemplars": counts.get(id(f), (0, 0))[1],
            "help": f.help or "",
        }
        for f in families
    ]
