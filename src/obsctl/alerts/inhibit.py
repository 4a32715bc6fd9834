"""Inhibition: would an alert be muted by one of the alerts already firing?

Follows Alertmanager's inhibit/inhibit.go: a rule mutes a target when the target matches
`target_*`, and some firing alert matches `source_*` with equal values (absent == "") for every
`equal` label. When the target itself also matches the source side, sources that match BOTH sides
are ignored, so two alerts matching both sides never mute each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from obsctl.alerts.matchers import Matcher, matches_all

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from obsctl.alerts.config import AlertmanagerConfig

__all__ = ["InhibitRule", "inhibiting_rule", "is_inhibited"]


@dataclass
class InhibitRule:
    """A compiled inhibit rule (deprecated source_match/_re and target_match/_re folded into matchers)."""

    index: int
    source_matchers: list[Matcher]
    target_matchers: list[Matcher]
    equal: list[str]
    name: str = ""
    line: int = 0
    uses_deprecated: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How reports name the rule: its `name`, or `inhibit_rules[i]`."""
        return self.name or f"inhibit_rules[{self.index}]"

    def describe(self) -> str:
        """One line: source -> target (equal: ...)."""
        src = ",".join(str(m) for m in self.source_matchers)
        tgt = ",".join(str(m) for m in self.target_matchers)
        eq = f" equal: {','.join(self.equal)}" if self.equal else ""
        return f"{{{src}}} inhibits {{{tgt}}}{eq}"

    def mutes(
        self, labels: Mapping[str, str], firing: Sequence[Mapping[str, str]]
    ) -> Mapping[str, str] | None:
        """The first firing alert through which this rule mutes `labels`, or None."""
        if not matches_all(self.target_matchers, labels):
            return None
        exclude_two_sided = matches_all(self.source_matchers, labels)
        for src in firing:
            if not matches_all(self.source_matchers, src):
                continue
            if any(src.get(n, "") != labels.get(n, "") for n in self.equal):
                continue
            if exclude_two_sided and matches_all(self.target_matchers, src):
                continue
            return src
        return None


def inhibiting_rule(
    config: AlertmanagerConfig, labels: Mapping[str, str], firing: Sequence[Mapping[str, str]]
) -> tuple[InhibitRule, Mapping[str, str]] | None:
    """The first rule (in config order) and source alert that mute `labels`, or None."""
    for rule in config.inhibit_rules:
        src = rule.mutes(labels, firing)
        if src is not None:
            return rule, src
    return None


def is_inhibited(
    config: AlertmanagerConfig, labels: Mapping[str, str], firing: Sequence[Mapping[str, str]]
) -> tuple[bool, InhibitRule | None]:
    """(True, rule) when an alert with `labels` would be inhibited given the `firing` alerts."""
    hit = inhibiting_rule(config, labels, firing)
    return (True, hit[0]) if hit else (False, None)
