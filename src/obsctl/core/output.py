"""One renderer for every command: tables for people, clean TSV/CSV/JSON/YAML for programs.

Data goes to stdout, messages to stderr. Rich is used only for human-sized tables on a TTY
(it renders ~750 rows/s here); everything else is written directly so 100,000 rows stay fast.
"""

from __future__ import annotations

import io
import math
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from obsctl.core.term import terminal_columns

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from typing import IO, Annotated, Any, NamedTuple

    from obsctl.core.stream import LineFormatter, StreamWriter

OUTPUT_FORMATS = ("table", "wide", "json", "jsonl", "yaml", "csv", "tsv")
RICH_ROW_LIMIT = 500

if TYPE_CHECKING:
    OutputOpt = Annotated[str | None, ...]


def __getattr__(name: str) -> Any:
    """`OutputOpt` (a typer option) is built on first use: rendering alone never imports typer."""
    if name == "OutputOpt":
        from typing import Annotated

        from obsctl.core.params import output_option

        value = Annotated[str | None, output_option(OUTPUT_FORMATS)]
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_ANSI = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


if TYPE_CHECKING:

    class Column(NamedTuple):
        """One column of tabular output: the row key, its header and whether only `wide` shows it."""

        key: str
        header: str
        wide_only: bool = False

else:  # the same tuple class as typing.NamedTuple builds, without importing typing
    from collections import namedtuple

    Column = namedtuple("Column", ("key", "header", "wide_only"), defaults=(False,))
    Column.__doc__ = "One column of tabular output: the row key, its header and whether only `wide` shows it."


@dataclass(frozen=True)
class View:
    """What a command shows, once, for every format (the one view model).

    `rows` hold plain values (machine formats print them as they are); `human` maps a column key
    to how a person sees it in `table`/`wide` (ages, colours). `-o wide` is `table` plus the
    `wide_only` columns, everywhere. `document` is the JSON/YAML answer (default: the rows);
    `records` are what `-o jsonl` writes one per line (default: the document's items, else rows).
    """

    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    document: Any = None
    human: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)
    records: Sequence[Any] | None = None
    title: str | None = None


def check_format(fmt: str | None, allowed: Sequence[str] = OUTPUT_FORMATS) -> str | None:
    """Validate -o early (exit 2 through typer.BadParameter) so no request is sent in vain."""
    if fmt is None:
        return None
    value = fmt.lower()
    if value not in allowed:
        import typer

        raise typer.BadParameter(
            f"unknown format {fmt!r}; choose one of {', '.join(allowed)}", param_hint="'-o'"
        )
    return value


def plural(count: float, word: str, many: str | None = None) -> str:
    """`1 day`, `2 days`, `1.5 days`, `1,024 samples`: the one way counts meet nouns in messages.

    `many` is the plural form when it is not `word + "s"` (`plural(n, "series", "series")`).
    """
    text = f"{int(count):,}" if float(count).is_integer() else f"{count:g}"
    return f"{text} {word if abs(count) == 1 else (many or word + 's')}"


def label_text(labels: Mapping[str, Any]) -> str:
    """Labels as one cell, `k=v,k=v` in the mapping's order: how every table shows a label set."""
    return ",".join(f"{k}={v}" for k, v in labels.items())


def format_value(value: Any) -> str:
    """Cell text for TSV/CSV/tables: stable, no Python reprs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return repr(value) if value != int(value) or abs(value) >= 1e15 else str(int(value))
    if isinstance(value, datetime):
        return _rfc3339(value)
    if isinstance(value, Mapping):
        return label_text(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(format_value(v) for v in value)
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _rfc3339(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "to_json"):
        return value.to_json()
    return str(value)


def _rfc3339(value: datetime) -> str:
    from obsctl.core.timeparse import to_rfc3339  # here: a route test or a table never parses times

    return to_rfc3339(value)


def dumps_json(obj: Any, indent: bool = True) -> str:
    """JSON text; NaN/Inf are written as strings so every parser accepts the output."""
    import json  # here, not at the top: a TSV or table answer never needs it

    return json.dumps(
        _finite(obj),
        indent=2 if indent else None,
        ensure_ascii=False,
        default=_json_default,
        separators=None if indent else (",", ":"),
    )


def _finite(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return format_value(obj)
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def dumps_yaml(obj: Any) -> str:
    import json

    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(
        yaml.dump(
            json.loads(dumps_json(obj, indent=False)), Dumper=dumper, sort_keys=False, allow_unicode=True
        )
    )


class Output:
    """Where and how a command writes: stdout for data, stderr for people."""

    def __init__(
        self,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
        *,
        is_tty: bool | None = None,
        color: bool | None = None,
        env: Mapping[str, str] | None = None,
        width: int | None = None,
    ) -> None:
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        env = os.environ if env is None else env
        if is_tty is None:
            try:
                is_tty = self.stdout.isatty()
            except (AttributeError, ValueError):
                is_tty = False
        self.is_tty = bool(is_tty)
        if color is None:
            # no-color.org: only a non-empty NO_COLOR turns colour off (`NO_COLOR=` does not).
            color = self.is_tty and not env.get("NO_COLOR") and env.get("TERM") != "dumb"
        self.color = bool(color)
        try:
            err_tty = self.stderr.isatty()
        except (AttributeError, ValueError):
            err_tty = False
        self.stderr_color = bool(color) and err_tty
        self.width = width or terminal_columns(os.environ, 100)

    # --- messages (stderr) -------------------------------------------------------------------
    def info(self, message: str) -> None:
        self.stderr.write(message + "\n")
        self.stderr.flush()

    def warn(self, message: str) -> None:
        prefix = self._err_style("warning:", "yellow")
        self.info(f"obsctl: {prefix} {message}")

    def error(self, message: str, hint: str | None = None) -> None:
        prefix = self._err_style("error:", "red")
        self.info(f"obsctl: {prefix} {message}")
        if hint:
            self.info(f"hint: {hint}")

    def _err_style(self, text: str, style: str) -> str:
        return f"\x1b[{_ANSI[style]}m{text}\x1b[0m" if self.stderr_color else text

    # --- data (stdout) -----------------------------------------------------------------------
    def write(self, text: str) -> None:
        self.stdout.write(text)
        if not text.endswith("\n"):
            self.stdout.write("\n")
        self.stdout.flush()

    def write_lines(self, lines: Iterable[str]) -> None:
        """Write many lines in large chunks (streams and big tables)."""
        buf: list[str] = []
        for line in lines:
            buf.append(line)
            if len(buf) >= 2000:
                self.stdout.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            self.stdout.write("\n".join(buf) + "\n")
        self.stdout.flush()

    def style(self, text: str, *styles: str) -> str:
        """Wrap text in ANSI styles when colour is on (stdout); plain text otherwise."""
        if not self.color or not styles:
            return text
        codes = ";".join(_ANSI[s] for s in styles if s in _ANSI)
        return f"\x1b[{codes}m{text}\x1b[0m" if codes else text

    def stream(
        self, fmt: str | None, columns: Sequence[Column] = (), *, text: LineFormatter | None = None
    ) -> StreamWriter:
        """A writer that flushes each record as it comes (`logs tail -f`); see core/stream.py.

        Same defaults as tables: no -o means `text` lines (if the command gives a formatter) or
        headerless TSV; `-o tsv` adds the header; table/wide mean the text lines.
        """
        from obsctl.core.stream import StreamWriter

        chosen = (fmt or "").lower()
        if chosen in ("", "table", "wide"):
            chosen = "text" if text is not None else "tsv"
        return StreamWriter(
            self.stdout, chosen, columns, text=text, header=chosen in ("tsv", "csv") and fmt is not None
        )

    def render_document(self, obj: Any, fmt: str) -> None:
        """Write a whole JSON or YAML document."""
        if fmt == "yaml":
            self.stdout.write(dumps_yaml(obj))
            self.stdout.flush()
        else:
            self.write(dumps_json(obj))

    def is_human(self, fmt: str | None) -> bool:
        """Whether `fmt` is for people: table or wide, or no -o on a terminal."""
        return fmt in ("table", "wide") or (fmt is None and self.is_tty)

    def render(self, view: View, fmt: str | None) -> None:
        """Render a View in any format (None: table on a TTY, headerless TSV piped)."""
        if fmt in ("json", "yaml"):
            doc = view.document
            self.render_document(
                doc if doc is not None else [_plain(r, view.columns) for r in view.rows], fmt
            )
            return
        if fmt == "jsonl":
            items: Any = view.records if view.records is not None else view.document
            if items is None:
                items = [_plain(r, view.columns) for r in view.rows]
            self.write_lines(
                dumps_json(i, indent=False) for i in (items if isinstance(items, (list, tuple)) else [items])
            )
            return
        rows = view.rows
        if view.human and self.is_human(fmt):
            rows = [{**r, **{k: f(r.get(k)) for k, f in view.human.items() if k in r}} for r in rows]
        self.render_rows(view.columns, rows, fmt, title=view.title)

    def render_rows(
        self,
        columns: Sequence[Column],
        rows: Sequence[Mapping[str, Any]],
        fmt: str | None,
        *,
        document: Any = None,
        title: str | None = None,
    ) -> None:
        """Render rows in the chosen format; `None` means table on a TTY, headerless TSV piped."""
        fmt = (fmt or ("table" if self.is_tty else "tsv-auto")).lower()
        if fmt in ("json", "yaml"):
            self.render_document(
                document if document is not None else [_plain(r, columns) for r in rows], fmt
            )
            return
        if fmt == "jsonl":
            self.write_lines(dumps_json(_plain(r, columns), indent=False) for r in rows)
            return
        wide = fmt == "wide"
        cols = [c for c in columns if wide or not c.wide_only]
        if fmt in ("tsv", "tsv-auto"):
            header = [] if fmt == "tsv-auto" else ["\t".join(c.header for c in cols)]
            self.write_lines(
                header + ["\t".join(_tsv_cell(format_value(r.get(c.key))) for c in cols) for r in rows]
            )
            return
        if fmt == "csv":
            import csv

            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow([c.key for c in cols])
            for r in rows:
                writer.writerow([format_value(r.get(c.key)) for c in cols])
            self.stdout.write(buf.getvalue())
            self.stdout.flush()
            return
        if fmt in ("table", "wide"):
            if not rows:
                return
            from obsctl.core.tables import plain_table, rich_table

            if self.is_tty and len(rows) <= RICH_ROW_LIMIT:
                rich_table(self.stdout, cols, rows, color=self.color, width=self.width, title=title)
                self.stdout.flush()
            else:
                headers = [c.header.upper() for c in cols]
                width = self.width if self.is_tty else None
                self.write_lines(plain_table(headers, rows, [c.key for c in cols], width))
            return
        raise ValueError(f"unknown output format {fmt!r}")


def _plain(row: Mapping[str, Any], columns: Sequence[Column]) -> dict[str, Any]:
    """The row as JSON: every column key, plus any extra keys the command put in the row."""
    out = {c.key: row.get(c.key) for c in columns}
    for k, v in row.items():
        if k not in out and not k.startswith("_"):
            out[k] = v
    return out


def _tsv_cell(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ")
