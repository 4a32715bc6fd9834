"""The routing tree: which routes (and so receivers) an alert with given labels reaches.

Mirrors dispatch/route.go: `NewRoute` resolves inheritance once (receiver, group_by, group_wait
30s, group_interval 5m, repeat_interval 4h; mute/active time intervals are NOT inherited), and
`Route.Match` walks depth first, children in order, stopping after the first matching child unless
that child has `continue: true`; a node none of whose children match is itself the match. The
compiled tree is cached on the config object, so many cases pay for it once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from obsctl.alerts.config import (
    DEFAULT_GROUP_INTERVAL,
    DEFAULT_GROUP_WAIT,
    DEFAULT_REPEAT_INTERVAL,
    AlertmanagerConfig,
    Route,
)
from obsctl.alerts.matchers import Matcher

__all__ = ["MatchedRoute", "RouteNode", "compile_tree", "iter_nodes", "match_routes", "receivers_for"]


@dataclass(frozen=True)
class MatchedRoute:
    """A route an alert ends at, with its effective (inherited) settings.

    path: child indexes from the root, () for the root itself; key_path: the same as a config key path
    (`route.routes[1].routes[0]`). Durations are the strings of the config (`30s`, `4h`), so they
    print as written; config.parse_model_duration turns them into seconds.
    """

    receiver: str
    path: tuple[int, ...]
    matchers: list[str]
    group_by: list[str]
    group_wait: str
    group_interval: str
    repeat_interval: str
    continue_: bool
    mute_time_intervals: list[str]
    active_time_intervals: list[str]
    key_path: str = "route"
    line: int = 0

    def to_json(self) -> dict[str, object]:
        """The documented `-o json` shape of one matched route."""
        return {
            "receiver": self.receiver,
            "path": list(self.path),
            "matchers": list(self.matchers),
            "group_by": list(self.group_by),
            "group_wait": self.group_wait,
            "group_interval": self.group_interval,
            "repeat_interval": self.repeat_interval,
            "continue": self.continue_,
            "mute_time_intervals": list(self.mute_time_intervals),
            "active_time_intervals": list(self.active_time_intervals),
        }


@dataclass
class RouteNode:
    """A route with inheritance resolved and its matchers compiled."""

    route: Route
    path: tuple[int, ...]
    matchers: list[Matcher]
    continue_: bool
    matched: MatchedRoute
    children: list[RouteNode] = field(default_factory=list)
    parent: RouteNode | None = None


def _build(route: Route, parent: RouteNode | None, path: tuple[int, ...]) -> RouteNode:
    if parent is None:
        receiver, group_by, group_by_all = "", [], False
        gw, gi, ri = DEFAULT_GROUP_WAIT, DEFAULT_GROUP_INTERVAL, DEFAULT_REPEAT_INTERVAL
    else:
        pm = parent.matched
        receiver = pm.receiver
        group_by_all = pm.group_by == ["..."]
        group_by = [] if group_by_all else list(pm.group_by)
        gw, gi, ri = pm.group_wait, pm.group_interval, pm.repeat_interval
    if route.receiver:
        receiver = route.receiver
    if route.group_by is not None:
        group_by, group_by_all = list(route.group_by), False
    elif route.group_by_all:
        group_by_all = True
    matched = MatchedRoute(
        receiver=receiver,
        path=path,
        matchers=[str(m) for m in route.compiled],
        group_by=["..."] if group_by_all else group_by,
        group_wait=route.group_wait or gw,
        group_interval=route.group_interval or gi,
        repeat_interval=route.repeat_interval or ri,
        continue_=route.continue_,
        mute_time_intervals=list(route.mute_time_intervals),
        active_time_intervals=list(route.active_time_intervals),
        key_path=route.path,
        line=route.line,
    )
    node = RouteNode(
        route=route,
        path=path,
        matchers=list(route.compiled),
        continue_=route.continue_,
        matched=matched,
        parent=parent,
    )
    node.children = [_build(child, node, (*path, i)) for i, child in enumerate(route.routes)]
    return node


def compile_tree(config: AlertmanagerConfig) -> RouteNode:
    """The resolved tree, built once per config."""
    tree = config._cache.get("tree")
    if tree is None:
        tree = config._cache["tree"] = _build(config.route, None, ())
    return tree


def iter_nodes(node: RouteNode) -> Iterator[RouteNode]:
    """Every node, depth first."""
    yield node
    for child in node.children:
        yield from iter_nodes(child)


def _match(node: RouteNode, labels: Mapping[str, str], out: list[MatchedRoute]) -> bool:
    for m in node.matchers:
        if not m.matches(labels.get(m.name, "")):
            return False
    before = len(out)
    for child in node.children:
        if _match(child, labels, out) and not child.continue_:
            break
    if len(out) == before:
        out.append(node.matched)
    return True


def match_routes(config: AlertmanagerConfig, labels: Mapping[str, str]) -> list[MatchedRoute]:
    """Routes the alert reaches, in Alertmanager's notification order, duplicates kept."""
    out: list[MatchedRoute] = []
    _match(compile_tree(config), labels, out)
    return out


def receivers_for(config: AlertmanagerConfig, labels: Mapping[str, str]) -> list[str]:
    """Receiver names in notification order, duplicates kept (what amtool prints comma-joined)."""
    return [m.receiver for m in match_routes(config, labels)]
