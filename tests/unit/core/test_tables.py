"""Tables at narrow widths (issue 9 item 15): fit the terminal by narrowing the widest column,
wrapping at spaces or truncating with an ellipsis, and never splitting a URL, IP or identifier."""

from __future__ import annotations

import io

import pytest

from obsctl.core.output import Column, Output
from obsctl.core.tables import fit_widths

URL = "https://very-long-hostname.example.com/health/ready?check=1"
IP = "192.168.100.200:9100"
COLS = [Column("name", "name"), Column("target", "target"), Column("addr", "addr"), Column("detail", "detail")]
ROWS = [
    {"name": "api-ready", "target": URL, "addr": IP, "detail": "connection refused by the remote host after 3 tries"},
    {"name": "db", "target": "tcp://db:5432", "addr": "10.0.0.7:5432", "detail": "ok"},
]


def render(width: int, rows=ROWS, tty: bool = True) -> list[str]:
    buf = io.StringIO()
    Output(buf, io.StringIO(), is_tty=tty, color=False, env={}, width=width).render_rows(COLS, rows, "table")
    return buf.getvalue().splitlines()


def _tokens(lines: list[str]) -> set[str]:
    return {tok for line in lines for tok in line.split()}


@pytest.mark.parametrize("width", [60, 80, 100])
def test_narrow_tables_fit_and_never_split_a_token(width):
    lines = render(width)
    assert all(len(line) <= width for line in lines), lines
    tokens = _tokens(lines)
    # Identifiers are whole or visibly cut with an ellipsis, never split across lines.
    assert IP in tokens and "10.0.0.7:5432" in tokens
    assert URL in tokens or any(t.endswith("…") and URL.startswith(t[:-1]) for t in tokens)
    for tok in tokens:
        if tok not in (URL, IP) and len(tok) > 4:
            assert any(tok.rstrip("…") in src for src in (URL, IP, *map(str, ROWS[0].values()), "NAME TARGET ADDR DETAIL", *map(str, ROWS[1].values())))
    assert not any(t for t in tokens if t != URL and URL.startswith(t) and len(t) > 8 and not t.endswith("…"))


def test_wide_enough_tables_are_untouched():
    lines = render(200)
    assert URL in lines[1] and lines[1].endswith("connection refused by the remote host after 3 tries")


def test_large_tables_on_a_terminal_truncate_the_widest_column():
    rows = ROWS * 300  # past the Rich row limit: the fast plain path
    lines = render(60, rows)
    assert all(len(line) <= 60 for line in lines)
    assert len(lines) == 601
    assert IP in lines[1].split()


def test_piped_explicit_table_is_not_truncated():
    assert URL in render(60, tty=False)[1]


def test_fit_widths_narrows_the_widest_first():
    assert fit_widths([10, 40, 20], [4, 6, 5], 60) == [10, 26, 20]
    # gh: the widest alone is cut, even below the next widest.
    assert fit_widths([10, 40, 30], [4, 6, 5], 60) == [10, 16, 30]
    # Running text first narrows to its longest word (it wraps, nothing is lost).
    assert fit_widths([10, 40, 30], [4, 6, 5], 60, wrap=[10, 40, 12]) == [10, 34, 12]
    assert fit_widths([10, 40, 20], [4, 6, 5], 200) == [10, 40, 20]
    # Everything at its floor: give up rather than go below headers.
    assert fit_widths([10, 10], [10, 10], 5) == [10, 10]


def test_wide_characters_are_measured_in_cells():
    rows = [{"name": "服务-api", "target": URL, "addr": IP, "detail": "正常 ok"}]
    from rich.cells import cell_len

    lines = render(60, rows)
    assert all(cell_len(line) <= 60 for line in lines), lines
    assert IP in _tokens(lines)
