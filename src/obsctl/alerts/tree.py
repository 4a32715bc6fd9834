"""Drawing the routing tree (`alerts routes`, `alerts test --tree`) and its JSON form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from obsctl.alerts.routing import RouteNode

__all__ = ["node_json", "render_tree"]

Style = Callable[..., str]


def _plain(text: str, *_styles: str) -> str:
    return text


def node_json(node: RouteNode) -> dict[str, Any]:
    """The whole subtree as JSON: effective settings plus what the node itself sets."""
    r, m = node.route, node.matched
    return {
        "path": list(node.path),
        "key_path": r.path,
        "line": r.line,
        "matchers": m.matchers,
        "receiver": m.receiver,
        "receiver_inherited": not r.receiver,
        "group_by": m.group_by,
        "group_wait": m.group_wait,
        "group_interval": m.group_interval,
        "repeat_interval": m.repeat_interval,
        "continue": r.continue_,
        "mute_time_intervals": m.mute_time_intervals,
        "active_time_intervals": m.active_time_intervals,
        "routes": [node_json(c) for c in node.children],
    }


def _label(node: RouteNode, style: Style, marked: bool = False) -> str:
    r, m = node.route, node.matched
    parts: list[str] = []
    if node.parent is None:
        parts.append(style("route", "bold"))
    else:
        matchers = "{" + ",".join(m.matchers) + "}" if m.matchers else "{}  (matches everything)"
        parts.append(matchers)
    recv = f"→ {m.receiver}"
    parts.append(
        style(recv, "green" if marked else "bold")
        if r.receiver
        else style(recv, "dim") + style(" (inherited)", "dim")
    )
    if r.continue_:
        parts.append(style("continue", "yellow"))
    if r.group_by is not None or r.group_by_all:
        parts.append("group_by: [" + ", ".join(m.group_by) + "]")
    timing = [
        f"{k}: {getattr(r, k)}" for k in ("group_wait", "group_interval", "repeat_interval") if getattr(r, k)
    ]
    if node.parent is None:
        timing = [
            f"group_wait: {m.group_wait}",
            f"group_interval: {m.group_interval}",
            f"repeat_interval: {m.repeat_interval}",
        ]
    parts.extend(timing)
    if r.mute_time_intervals:
        parts.append("mute: " + ",".join(r.mute_time_intervals))
    if r.active_time_intervals:
        parts.append("active: " + ",".join(r.active_time_intervals))
    if marked:
        parts.append(style("◀ matched", "green", "bold"))
    return "  ".join(parts)


def render_tree(
    root: RouteNode,
    *,
    style: Style = _plain,
    only: set[tuple[int, ...]] | None = None,
    marked: Sequence[tuple[int, ...]] = (),
) -> list[str]:
    """Lines of an ASCII tree; `only` keeps the given paths and their ancestors (for --tree)."""
    keep: set[tuple[int, ...]] | None = None
    if only is not None:
        keep = set()
        for p in only:
            for i in range(len(p) + 1):
                keep.add(p[:i])
    marked_set = set(marked)
    lines = [_label(root, style, root.path in marked_set)]

    def walk(node: RouteNode, prefix: str) -> None:
        kids = [c for c in node.children if keep is None or c.path in keep]
        for i, child in enumerate(kids):
            last = i == len(kids) - 1
            lines.append(
                prefix + ("└── " if last else "├── ") + _label(child, style, child.path in marked_set)
            )
            walk(child, prefix + ("    " if last else "│   "))

    walk(root, "")
    return lines
