"""Routing coverage: where does every alerting rule go, and which routes does no rule reach?

Each rule's label set (alertname + static labels + optional extra/external labels) is routed
through the tree with the route engine. An alert "falls to the default" when no child route of the
root matches it, so only the root's receiver gets it. A route is "reached" when some rule's walk
enters it (its matchers match and the walk gets that far), including routes that pass the alert
on to a child; the rest are reported as unreached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from obsctl.alerts.config import AlertmanagerConfig
    from obsctl.alerts.promrules import AlertRule
    from obsctl.alerts.routing import RouteNode

__all__ = ["CoverageReport", "CoverageRow", "UnreachedRoute", "compute_coverage"]


@dataclass(frozen=True)
class CoverageRow:
    """One rule and the receivers its alert reaches."""

    alert: str
    labels: dict[str, str]
    receivers: list[str]
    routes: list[str]
    default: bool
    source: str
    templated: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "alert": self.alert,
            "labels": dict(self.labels),
            "receivers": list(self.receivers),
            "routes": list(self.routes),
            "default": self.default,
            "source": self.source,
            "templated_labels": list(self.templated),
        }


@dataclass(frozen=True)
class UnreachedRoute:
    """A route no rule's alert enters."""

    route: str
    receiver: str
    matchers: list[str]
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "receiver": self.receiver,
            "matchers": list(self.matchers),
            "line": self.line,
        }


@dataclass
class CoverageReport:
    """Everything `alerts coverage` prints."""

    config_source: str
    default_receiver: str
    rows: list[CoverageRow] = field(default_factory=list)
    unreached: list[UnreachedRoute] = field(default_factory=list)
    route_count: int = 0  # routes below the root

    @property
    def defaulted(self) -> list[CoverageRow]:
        return [r for r in self.rows if r.default]

    def to_json(self) -> dict[str, Any]:
        """The documented `-o json` shape of `alerts coverage`."""
        return {
            "config": self.config_source,
            "default_receiver": self.default_receiver,
            "alerts": [r.to_json() for r in self.rows],
            "unreached_routes": [u.to_json() for u in self.unreached],
            "summary": {
                "alerts": len(self.rows),
                "default": len(self.defaulted),
                "routes": self.route_count,
                "unreached_routes": len(self.unreached),
            },
        }


def _walk(node: RouteNode, labels: Mapping[str, str], entered: set[tuple[int, ...]]) -> bool:
    """routing._match, recording every node whose matchers accept the alert."""
    for m in node.matchers:
        if not m.matches(labels.get(m.name, "")):
            return False
    entered.add(node.path)
    for child in node.children:
        if _walk(child, labels, entered) and not child.continue_:
            break
    return True


def compute_coverage(
    config: AlertmanagerConfig,
    rules: Sequence[AlertRule],
    *,
    extra_labels: Mapping[str, str] | None = None,
) -> CoverageReport:
    """Route every rule and collect default-receiver alerts and unreached routes."""
    from obsctl.alerts.routing import compile_tree, iter_nodes, match_routes

    tree = compile_tree(config)
    report = CoverageReport(config_source=config.source, default_receiver=tree.matched.receiver)
    entered: set[tuple[int, ...]] = set()
    for rule in rules:
        labels = rule.label_set(extra_labels)
        matched = match_routes(config, labels)
        _walk(tree, labels, entered)
        report.rows.append(
            CoverageRow(
                alert=rule.name,
                labels=dict(sorted(rule.labels.items())),
                receivers=[m.receiver for m in matched],
                routes=[m.key_path for m in matched],
                default=all(m.path == () for m in matched),
                source=rule.source,
                templated=rule.templated,
            )
        )
    nodes = [n for n in iter_nodes(tree) if n.path != ()]
    for node in nodes:
        if node.path not in entered:
            report.unreached.append(
                UnreachedRoute(
                    route=node.matched.key_path,
                    receiver=node.matched.receiver,
                    matchers=list(node.matched.matchers),
                    line=node.matched.line,
                )
            )
    report.route_count = len(nodes)
    return report
