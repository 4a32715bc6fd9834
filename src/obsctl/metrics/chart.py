"""`-o graph`: every series of a range query overlaid on one braille line chart, with a legend.

Braille cells give 2x4 dots per character, so a 100-column terminal draws about 180 points across.
Each series has its own colour when colour is on; where lines cross, the last one drawn wins the cell.
The legend names each series through the `--legend` template and gives its min, max and last value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from obsctl.core.output import Output
from obsctl.metrics.query import QueryResult, legend, numeric

COLOURS = ("green", "yellow", "blue", "magenta", "cyan", "red")
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row][col] within a cell
HEIGHT = 12
MAX_SERIES = 12


def nice_number(value: float) -> str:
    """Short axis label: 3 significant digits, SI suffix for big and small magnitudes."""
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    mag = abs(value)
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if mag >= factor:
            return f"{value / factor:.3g}{suffix}"
    if mag < 1e-3:
        return f"{value:.2e}"
    return f"{value:.3g}"


class Canvas:
    """A braille dot matrix of `width` x `height` characters, each dot owned by a series index."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.bits = [[0] * width for _ in range(height)]
        self.owner = [[-1] * width for _ in range(height)]

    @property
    def px_width(self) -> int:
        return self.width * 2

    @property
    def px_height(self) -> int:
        return self.height * 4

    def set(self, x: int, y: int, who: int) -> None:
        """Set the dot at pixel (x, y); y grows downwards."""
        if 0 <= x < self.px_width and 0 <= y < self.px_height:
            row, col = y // 4, x // 2
            self.bits[row][col] |= _DOTS[y % 4][x % 2]
            self.owner[row][col] = who

    def line(self, x0: int, y0: int, x1: int, y1: int, who: int) -> None:
        """Bresenham line between two pixels."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        while True:
            self.set(x0, y0, who)
            if x0 == x1 and y0 == y1:
                return
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def rows(self, paint: Any) -> list[str]:
        """Text rows; `paint(text, series_index)` colours a cell's character."""
        out = []
        for r in range(self.height):
            cells = []
            for c in range(self.width):
                bits = self.bits[r][c]
                cells.append(paint(chr(0x2800 + bits), self.owner[r][c]) if bits else " ")
            out.append("".join(cells))
        return out


def render_chart(
    qr: QueryResult,
    out: Output,
    *,
    legend_template: str | None = None,
    width: int | None = None,
    height: int = HEIGHT,
) -> list[str]:
    """The chart as lines of text (the caller writes them); an instant query draws one column."""
    entries = qr.series
    if not entries:
        return []
    shown = entries[:MAX_SERIES]
    series = [numeric(e) for e in shown]
    finite = [v for pts in series for _, v in pts if math.isfinite(v)]
    times = [t for pts in series for t, _ in pts]
    if not finite or not times:
        return ["(no finite values to draw)"]
    lo, hi = min(finite), max(finite)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    t0, t1 = min(times), max(times)
    if qr.window.is_range:
        t0, t1 = qr.window.start_s, qr.window.end_s
    labels = [nice_number(hi), nice_number((hi + lo) / 2), nice_number(lo)]
    axis_w = max(len(s) for s in labels) + 1
    total = width or out.width
    canvas = Canvas(max(10, total - axis_w - 2), height)

    def px(t: float, v: float) -> tuple[int, int]:
        x = 0 if t1 == t0 else round((t - t0) / (t1 - t0) * (canvas.px_width - 1))
        y = round((hi - v) / (hi - lo) * (canvas.px_height - 1))
        return x, y

    for idx, pts in enumerate(series):
        prev: tuple[int, int] | None = None
        for t, v in pts:
            if not math.isfinite(v):
                prev = None  # a gap (NaN, Inf, staleness) breaks the line
                continue
            cur = px(t, v)
            if prev is None:
                canvas.set(*cur, idx)
            else:
                canvas.line(*prev, *cur, idx)
            prev = cur

    def paint(text: str, who: int) -> str:
        return out.style(text, COLOURS[who % len(COLOURS)]) if who >= 0 else text

    lines = []
    body = canvas.rows(paint)
    mid = int((canvas.px_height - 1) / 2) // 4  # the row holding the middle value
    for r, row in enumerate(body):
        label = labels[0] if r == 0 else labels[1] if r == mid else labels[2] if r == height - 1 else ""
        lines.append(f"{label.rjust(axis_w - 1)} ┤{row}".rstrip())
    lines.append(" " * axis_w + "└" + "─" * canvas.width)
    left, right = _clock(t0), _clock(t1)
    gap = max(1, canvas.width - len(left) - len(right) + 1)
    lines.append(" " * (axis_w + 1) + left + " " * gap + right)
    lines.append("")
    lines.extend(_legend(shown, series, legend_template, paint))
    if len(entries) > len(shown):
        lines.append(
            f"… {len(entries) - len(shown)} more series not drawn (narrow the query or use -o table)"
        )
    return lines


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _legend(
    entries: Sequence[Mapping[str, Any]],
    series: Sequence[Sequence[tuple[float, float]]],
    template: str | None,
    paint: Any,
) -> list[str]:
    names = [legend(template, e.get("metric") or {}) for e in entries]
    width = max(len(n) for n in names)
    lines = []
    for idx, (name, pts) in enumerate(zip(names, series)):
        finite = [v for _, v in pts if math.isfinite(v)]
        last = pts[-1][1] if pts else math.nan
        stats = (
            f"min {nice_number(min(finite))}  max {nice_number(max(finite))}  last {nice_number(last)}"
            if finite
            else "no finite values"
        )
        lines.append(f"{paint('━━', idx)} {name.ljust(width)}  {stats}")
    return lines
