"""Change impact of a config edit: which label sets change receivers or grouping.

`diff_label_sets` is the public hook: the offline command feeds it case-file label sets and probes
derived from the configs' own matchers; `--live` adds the label sets of alerts firing now
(GET /api/v2/alerts).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from obsctl.alerts.config import AlertmanagerConfig
from obsctl.alerts.routing import MatchedRoute, compile_tree, iter_nodes, match_routes

if TYPE_CHECKING:
    from obsctl.core.output import Output

__all__ = ["Change", "diff_label_sets", "probe_label_sets", "render_changes"]


@dataclass(frozen=True)
class Change:
    """One label set whose routing differs between the old and the new config."""

    name: str
    labels: Mapping[str, str]
    old_receivers: list[str]
    new_receivers: list[str]
    old_group_by: list[list[str]]
    new_group_by: list[list[str]]
    kinds: tuple[str, ...]  # any of "receivers", "group_by", "timing"
    old_timing: list[str]
    new_timing: list[str]

    def to_json(self) -> dict[str, Any]:
        """Stable keys for `alerts diff -o json`."""
        return {
            "name": self.name,
            "labels": dict(self.labels),
            "changes": list(self.kinds),
            "old": {
                "receivers": self.old_receivers,
                "group_by": self.old_group_by,
                "timing": self.old_timing,
            },
            "new": {
                "receivers": self.new_receivers,
                "group_by": self.new_group_by,
                "timing": self.new_timing,
            },
        }


def _timing(r: MatchedRoute) -> str:
    return f"{r.group_wait}/{r.group_interval}/{r.repeat_interval}"


def _group_key(g: list[str]) -> list[str]:
    return g if g == ["..."] else sorted(g)


def diff_label_sets(
    old_cfg: AlertmanagerConfig,
    new_cfg: AlertmanagerConfig,
    label_sets: Sequence[tuple[str, Mapping[str, str]]],
) -> list[Change]:
    """Route each (name, labels) through both configs; return only those that changed, in input order.

    Receivers compare as ordered lists (notification order and duplicates matter, as in amtool);
    group_by compares per matched route, order-insensitive within a route; timing compares
    group_wait/group_interval/repeat_interval strings per matched route.
    """
    changes: list[Change] = []
    for name, labels in label_sets:
        old = match_routes(old_cfg, labels)
        new = match_routes(new_cfg, labels)
        old_r, new_r = [r.receiver for r in old], [r.receiver for r in new]
        old_g, new_g = [_group_key(r.group_by) for r in old], [_group_key(r.group_by) for r in new]
        old_t, new_t = [_timing(r) for r in old], [_timing(r) for r in new]
        kinds = []
        if old_r != new_r:
            kinds.append("receivers")
        if old_g != new_g:
            kinds.append("group_by")
        if old_t != new_t:
            kinds.append("timing")
        if kinds:
            changes.append(Change(name, dict(labels), old_r, new_r, old_g, new_g, tuple(kinds), old_t, new_t))
    return changes


_LITERAL_ALTS = re.compile(r"^[A-Za-z0-9_.:/ -]+(\|[A-Za-z0-9_.:/ -]+)*\Z")


def _sample_values(op: str, value: str) -> list[str]:
    if op == "=":
        return [value]
    if op == "=~" and _LITERAL_ALTS.match(value) and "." not in value:
        return value.split("|")
    return []


def probe_label_sets(*configs: AlertmanagerConfig, limit: int = 2000) -> list[tuple[str, dict[str, str]]]:
    """One synthetic alert per route of each config: the equality (and literal-alternative regex)
    matchers along the route's path. Used when `alerts diff` is given no cases."""
    seen: set[tuple[tuple[str, str], ...]] = set()
    out: list[tuple[str, dict[str, str]]] = []
    for cfg_i, cfg in enumerate(configs):
        for node in iter_nodes(compile_tree(cfg)):
            labels: dict[str, str] = {}
            chain = []
            cur: Any = node
            while cur is not None:
                chain.append(cur)
                cur = cur.parent
            for n in reversed(chain):
                for m in n.matchers:
                    vals = _sample_values(m.op, m.value)
                    if vals and m.name not in labels:
                        labels[m.name] = vals[0]
            key = tuple(sorted(labels.items()))
            if key in seen:
                continue
            seen.add(key)
            which = "old" if cfg_i == 0 else "new"
            out.append((f"probe {which}:{node.route.path}", labels))
            if len(out) >= limit:
                return out
    return out


def render_changes(out: Output, changes: Sequence[Change], checked: int, fmt: str | None) -> None:
    """Rows (table/TSV/CSV) or the document {checked, changed, changes[]} (JSON/YAML), then a summary."""
    from obsctl.core.output import Column, label_text

    rows = [
        {
            "name": c.name,
            "changes": ",".join(c.kinds),
            "old_receivers": ",".join(c.old_receivers),
            "new_receivers": ",".join(c.new_receivers),
            "old_group_by": " | ".join(",".join(g) for g in c.old_group_by),
            "new_group_by": " | ".join(",".join(g) for g in c.new_group_by),
            "labels": label_text(c.labels),
        }
        for c in changes
    ]
    columns = [
        Column("name", "Name"),
        Column("changes", "Changes"),
        Column("old_receivers", "Old receivers"),
        Column("new_receivers", "New receivers"),
        Column("old_group_by", "Old group_by", True),
        Column("new_group_by", "New group_by", True),
        Column("labels", "Labels", True),
    ]
    document = {"checked": checked, "changed": len(changes), "changes": [c.to_json() for c in changes]}
    out.render_rows(columns, rows, fmt, document=document)
    out.info(f"{len(changes)} of {checked} label sets change routing")
