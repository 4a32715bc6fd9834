"""Counts in health messages read naturally: `1 day`, `1 check` (issue 9 item 17)."""

from __future__ import annotations

from obsctl.health.model import Threshold
from obsctl.health.report import summary_line


def test_word_units_take_a_plural():
    assert Threshold(1, None, higher_is_worse=False, unit=" day").describe() == "warn 1 day"
    assert Threshold(30, 7, higher_is_worse=False, unit=" day").describe() == "warn 30 days, fail 7 days"
    assert Threshold(80, 90, unit="%").describe() == "warn 80%, fail 90%"


def test_summary_counts_one_check():
    from types import SimpleNamespace

    report = SimpleNamespace(
        results=[object()], duration_ms=1500.0, counts=lambda: {"pass": 1, "warn": 0, "fail": 0, "skip": 0}
    )
    assert summary_line(report).endswith("(1 check in 1.50s)")  # type: ignore[arg-type]
