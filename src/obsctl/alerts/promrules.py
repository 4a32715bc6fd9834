"""Prometheus alerting rules as label sets, from rule files or a running Prometheus.

`alerts coverage` routes every alerting rule (alertname + its static labels) through the
Alertmanager tree. Rule files are checked for the shape Prometheus requires (groups with names,
rules with exactly one of alert/record and an expr, string labels), and every problem names the file,
line, group and rule, so a bad file is exit 2 with a pointer rather than a traceback.
Kubernetes `PrometheusRule` objects (`spec.groups`) are accepted too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from obsctl.core.errors import BackendError, UsageError

__all__ = [
    "AlertRule",
    "PrometheusRulesApi",
    "external_labels",
    "load_rule_files",
    "parse_rule_text",
    "rules_from_api",
    "rules_from_prometheus",
]


class _ApiResult(Protocol):
    @property
    def data(self) -> Any: ...


class PrometheusRulesApi(Protocol):
    """What coverage needs from a Prometheus client (`obsctl.metrics.client.PromClient` fits).

    A Protocol so that alerts/ does not depend on metrics/: the command wires the real client.
    """

    def rules(self, kind: str | None = None) -> _ApiResult: ...

    def call(self, path: str) -> _ApiResult: ...


_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*\Z")
_RULE_KEYS = {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
_GROUP_KEYS = {"name", "interval", "rules", "limit", "query_offset", "labels"}


@dataclass(frozen=True)
class AlertRule:
    """One alerting rule: its name, static labels and where it came from.

    `templated` names labels whose values are templates (`{{ $labels.x }}`): their real value is only
    known when the alert fires, so coverage routes without them and says so.
    """

    name: str
    labels: dict[str, str]
    source: str
    group: str
    templated: tuple[str, ...] = field(default=())

    def label_set(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The labels Alertmanager would see from the rule alone: extra (external) labels, the
        rule's static labels, then alertname (Prometheus sets it last, so it always wins)."""
        out = dict(extra or {})
        out.update({k: v for k, v in self.labels.items() if k not in self.templated})
        out["alertname"] = self.name
        return out


def _is_template(value: str) -> bool:
    return "{{" in value


def _problem(source: str, node: Any, message: str) -> UsageError:
    line = getattr(getattr(node, "start_mark", None), "line", None)
    where = f"{source}:{line + 1}" if line is not None else source
    return UsageError(
        f"{where}: {message}",
        hint="rule files look like: groups: [{name: g, rules: [{alert: Name, expr: ..., labels: {...}}]}]",
    )


def _scalar(node: Any) -> str | None:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return None


def _mapping(node: Any) -> dict[str, tuple[Any, Any]] | None:
    """A mapping node as {key: (key_node, value_node)}; None if not a mapping."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    out: dict[str, tuple[Any, Any]] = {}
    for k, v in node.value:
        key = _scalar(k)
        if key is not None:
            out[key] = (k, v)
    return out


def parse_rule_text(text: str, source: str) -> list[AlertRule]:
    """Alerting rules from one rule file's text; recording rules are skipped."""
    import yaml

    from obsctl.core.yamlio import YAMLError, safe_loader

    try:
        root = yaml.compose(text, Loader=safe_loader())
    except yaml.YAMLError as exc:
        err = YAMLError.from_pyyaml(exc, text)
        where = f"{source}:{err.line}" if err.line is not None else source
        raise UsageError(f"{where}: invalid YAML: {err.problem}") from None
    if root is None:
        return []
    top = _mapping(root)
    if top is None:
        raise _problem(source, root, "a rule file must be a mapping with `groups:`")
    if "groups" not in top and "spec" in top:  # PrometheusRule custom resource
        spec = _mapping(top["spec"][1])
        if spec is None or "groups" not in spec:
            raise _problem(source, top["spec"][1], "PrometheusRule `spec` has no `groups:`")
        top = spec
    if "groups" not in top:
        raise _problem(source, root, "no `groups:` key")
    import yaml as _yaml

    groups_node = top["groups"][1]
    if _scalar(groups_node) in ("", "null", "~"):
        return []
    if not isinstance(groups_node, _yaml.SequenceNode):
        raise _problem(source, groups_node, "`groups` must be a list")
    rules: list[AlertRule] = []
    seen_groups: set[str] = set()
    for gi, gnode in enumerate(groups_node.value):
        group = _mapping(gnode)
        if group is None:
            raise _problem(source, gnode, f"groups[{gi}] must be a mapping with `name` and `rules`")
        unknown = sorted(set(group) - _GROUP_KEYS)
        if unknown:
            raise _problem(source, group[unknown[0]][0], f"groups[{gi}]: unknown field {unknown[0]!r}")
        name = _scalar(group["name"][1]) if "name" in group else None
        if not name:
            raise _problem(source, gnode, f"groups[{gi}] has no name")
        if name in seen_groups:
            raise _problem(source, group["name"][1], f"group {name!r} is defined twice")
        seen_groups.add(name)
        if "rules" not in group:
            continue
        rules_node = group["rules"][1]
        if _scalar(rules_node) in ("", "null", "~"):
            continue
        if not isinstance(rules_node, _yaml.SequenceNode):
            raise _problem(source, rules_node, f"group {name!r}: `rules` must be a list")
        for ri, rnode in enumerate(rules_node.value):
            rule = _parse_rule(source, name, ri, rnode)
            if rule is not None:
                rules.append(rule)
    return rules


def _parse_rule(source: str, group: str, index: int, node: Any) -> AlertRule | None:
    where = f"group {group!r} rule {index + 1}"
    rule = _mapping(node)
    if rule is None:
        raise _problem(source, node, f"{where} must be a mapping")
    alert = _scalar(rule["alert"][1]) if "alert" in rule else None
    if alert is not None:
        where = f"group {group!r} rule {index + 1} (alert {alert!r})"
    unknown = sorted(set(rule) - _RULE_KEYS)
    if unknown:
        raise _problem(source, rule[unknown[0]][0], f"{where}: unknown field {unknown[0]!r}")
    if ("alert" in rule) == ("record" in rule):
        raise _problem(source, node, f"{where}: give exactly one of `alert` or `record`")
    if "expr" not in rule or not (_scalar(rule["expr"][1]) or "").strip():
        raise _problem(source, node, f"{where}: `expr` is missing or empty")
    if "record" in rule:
        return None
    if not alert:
        raise _problem(source, rule["alert"][1], f"{where}: `alert` must be a non-empty name")
    labels: dict[str, str] = {}
    templated: list[str] = []
    if "labels" in rule and _scalar(rule["labels"][1]) not in ("", "null", "~"):
        lab = _mapping(rule["labels"][1])
        if lab is None:
            raise _problem(source, rule["labels"][1], f"{where}: `labels` must be a mapping")
        for key, (knode, vnode) in lab.items():
            if not _LABEL_NAME.match(key):
                raise _problem(source, knode, f"{where}: invalid label name {key!r}")
            value = _scalar(vnode)
            if value is None:
                raise _problem(source, vnode, f"{where}: label {key!r} must be a string")
            labels[key] = value
            if _is_template(value):
                templated.append(key)
    line = node.start_mark.line + 1
    return AlertRule(alert, labels, f"{source}:{line}", group, tuple(templated))


def load_rule_files(paths: Sequence[str | Path]) -> list[AlertRule]:
    """Alerting rules from Prometheus rule files, in file and rule order."""
    out: list[AlertRule] = []
    for path in paths:
        from obsctl.alerts.files import read_text

        text = read_text(path, "rule file", UsageError)
        out.extend(parse_rule_text(text, str(path)))
    return out


def rules_from_api(body: Any) -> list[AlertRule]:
    """Alerting rules from Prometheus `GET /api/v1/rules?type=alert`."""
    data = body.get("data") if isinstance(body, Mapping) else None
    groups = data.get("groups") if isinstance(data, Mapping) else None
    if not isinstance(groups, list):
        raise BackendError("prometheus /api/v1/rules returned a malformed response: no data.groups")
    out: list[AlertRule] = []
    for g in groups:
        if not isinstance(g, Mapping):
            continue
        gname = str(g.get("name", ""))
        gfile = str(g.get("file", ""))
        for r in g.get("rules") or []:
            if not isinstance(r, Mapping) or r.get("type") != "alerting":
                continue
            labels = {str(k): str(v) for k, v in (r.get("labels") or {}).items()}
            templated = tuple(k for k, v in labels.items() if _is_template(v))
            source = f"{gfile}:{gname}" if gfile else gname
            out.append(AlertRule(str(r.get("name", "")), labels, source, gname, templated))
    return out


def rules_from_prometheus(api: PrometheusRulesApi) -> tuple[list[AlertRule], dict[str, str]]:
    """The alerting rules a running Prometheus evaluates, and its external labels.

    `GET /api/v1/rules?type=alert` and `GET /api/v1/status/config`, through the Prometheus client
    (its error handling, auth and --debug log apply).
    """
    rules = rules_from_api({"data": api.rules("alert").data})
    status = api.call("/status/config").data
    yaml_text = status.get("yaml", "") if isinstance(status, Mapping) else ""
    return rules, external_labels(yaml_text if isinstance(yaml_text, str) else "")


def external_labels(config_yaml: str) -> dict[str, str]:
    """`global.external_labels` of a Prometheus config (from `/api/v1/status/config`): Prometheus
    adds them to every alert it sends, so they take part in routing."""
    from obsctl.core.yamlio import YAMLError, load

    try:
        doc = load(config_yaml)
    except YAMLError:
        return {}
    glob = doc.get("global") if isinstance(doc, Mapping) else None
    labels = glob.get("external_labels") if isinstance(glob, Mapping) else None
    if not isinstance(labels, Mapping):
        return {}
    return {str(k): str(v) for k, v in labels.items()}
