"""The schema walk under `analyze_config_text`: yaml.v2 decoding rules over composed YAML nodes.

`_Decoder` records a Finding (with the node's line) for each problem instead of stopping at the
first one; `_Stop` aborts just the subtree that failed. The per-integration required-field checks
are a table (`INTEGRATION_RULES`) rather than a chain of branches.
"""

from __future__ import annotations

import re

from obsctl.alerts.config_model import Finding, parse_model_duration

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from typing import Any

    from obsctl.alerts.matchers import Matcher

T_NULL = "tag:yaml.org,2002:null"
T_BOOL = "tag:yaml.org,2002:bool"
T_MERGE = "tag:yaml.org,2002:merge"
_ENV_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Z_][A-Z0-9_]{2,}")

# --- schema --------------------------------------------------------------------------------------

_GLOBAL_KEYS = {
    "resolve_timeout",
    "http_config",
    "smtp_from",
    "smtp_hello",
    "smtp_smarthost",
    "smtp_auth_username",
    "smtp_auth_password",
    "smtp_auth_password_file",
    "smtp_auth_secret",
    "smtp_auth_secret_file",
    "smtp_auth_identity",
    "smtp_require_tls",
    "smtp_tls_config",
    "slack_api_url",
    "slack_api_url_file",
    "pagerduty_url",
    "opsgenie_api_url",
    "opsgenie_api_key",
    "opsgenie_api_key_file",
    "wechat_api_url",
    "wechat_api_secret",
    "wechat_api_corp_id",
    "victorops_api_url",
    "victorops_api_key",
    "victorops_api_key_file",
    "telegram_api_url",
    "webex_api_url",
    "jira_api_url",
    "rocketchat_api_url",
    "rocketchat_token",
    "rocketchat_token_file",
    "rocketchat_token_id",
    "rocketchat_token_id_file",
}
_TOP_KEYS = {
    "global",
    "route",
    "inhibit_rules",
    "receivers",
    "templates",
    "mute_time_intervals",
    "time_intervals",
}
_ROUTE_KEYS = {
    "receiver",
    "group_by",
    "match",
    "match_re",
    "matchers",
    "mute_time_intervals",
    "active_time_intervals",
    "continue",
    "routes",
    "group_wait",
    "group_interval",
    "repeat_interval",
}
_INHIBIT_KEYS = {
    "name",
    "source_match",
    "source_match_re",
    "source_matchers",
    "target_match",
    "target_match_re",
    "target_matchers",
    "equal",
}
INTEGRATIONS = (
    "discord_configs",
    "email_configs",
    "incidentio_configs",
    "pagerduty_configs",
    "slack_configs",
    "webhook_configs",
    "opsgenie_configs",
    "wechat_configs",
    "pushover_configs",
    "victorops_configs",
    "sns_configs",
    "telegram_configs",
    "webex_configs",
    "msteams_configs",
    "msteamsv2_configs",
    "jira_configs",
    "rocketchat_configs",
    "mattermost_configs",
)
# Accepted with a warning: fields newer releases added that 0.25's strict decoder rejects.
_NEWER_KEYS = {"config": {"tracing"}, "route": {"labels"}}
_TOP_KEYS |= _NEWER_KEYS["config"]
_ROUTE_KEYS |= _NEWER_KEYS["route"]
_TI_KEYS = {"times", "weekdays", "days_of_month", "months", "years", "location"}


class _Stop(Exception):
    """Abort decoding of one subtree after an error was recorded."""


class _Decoder:
    """Schema walk over yaml nodes that records Findings instead of stopping at the first one."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.findings: list[Finding] = []
        self._flattener: Any = None

    # -- reporting
    def error(self, node: Any, path: str, message: str, code: str = "invalid") -> None:
        line = node.start_mark.line + 1 if node is not None and hasattr(node, "start_mark") else None
        self.findings.append(Finding("error", code, message, self.source, line, path))

    def warn(self, node: Any, path: str, message: str, code: str) -> None:
        line = node.start_mark.line + 1 if node is not None and hasattr(node, "start_mark") else None
        self.findings.append(Finding("warning", code, message, self.source, line, path))

    # -- node helpers (yaml.v2 semantics)
    @staticmethod
    def _kind(node: Any) -> str:
        import yaml

        if isinstance(node, yaml.MappingNode):
            return "!!map"
        if isinstance(node, yaml.SequenceNode):
            return "!!seq"
        return "!!" + node.tag.rsplit(":", 1)[-1]

    @staticmethod
    def is_null(node: Any) -> bool:
        import yaml

        return node is None or (isinstance(node, yaml.ScalarNode) and node.tag == T_NULL)

    def mapping(self, node: Any, path: str, allowed: set[str] | None, what: str) -> dict[str, Any]:
        """Mapping items with merge keys flattened; unknown/duplicate keys are errors."""
        import yaml

        if self.is_null(node):
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.error(node, path, f"cannot unmarshal {self._kind(node)} into {what}", "type")
            raise _Stop
        if any(k.tag == T_MERGE for k, _ in node.value):
            if self._flattener is None:
                self._flattener = yaml.SafeLoader("")
            try:
                self._flattener.flatten_mapping(node)
            except yaml.YAMLError as exc:
                self.error(node, path, f"bad merge key: {exc}", "yaml")
                raise _Stop from None
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                self.error(knode, path, f"cannot use {self._kind(knode)} as a key in {what}", "type")
                continue
            key = knode.value
            kpath = f"{path}.{key}" if path else key
            if key in out:
                self.error(knode, kpath, f'key "{key}" already set in map', "duplicate-key")
                continue
            if allowed is not None and key not in allowed:
                self.error(knode, kpath, f"field {key} not found in {what}", "unknown-field")
                continue
            if key in _NEWER_KEYS.get(what, ()):
                self.warn(
                    knode,
                    kpath,
                    f"`{key}` is only known to newer Alertmanager releases (0.25 and amtool 0.25 reject it)",
                    "newer-field",
                )
            out[key] = vnode
        return out

    def string(self, node: Any, path: str) -> str:
        import yaml

        if self.is_null(node):
            return ""
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, path, f"cannot unmarshal {self._kind(node)} into string", "type")
            raise _Stop
        return str(node.value)

    def boolean(self, node: Any, path: str) -> bool:
        import yaml

        if self.is_null(node):
            return False
        if isinstance(node, yaml.ScalarNode) and node.tag == T_BOOL:
            return node.value.lower() in ("true", "yes", "on", "y")
        shown = f" `{node.value}`" if isinstance(node, yaml.ScalarNode) else ""
        self.error(node, path, f"cannot unmarshal {self._kind(node)}{shown} into bool", "type")
        raise _Stop

    def seq(self, node: Any, path: str, what: str) -> list[Any]:
        import yaml

        if self.is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            shown = f" `{node.value}`" if isinstance(node, yaml.ScalarNode) else ""
            self.error(node, path, f"cannot unmarshal {self._kind(node)}{shown} into {what}", "type")
            raise _Stop
        return list(node.value)

    def string_list(self, node: Any, path: str) -> list[str]:
        return [self.string(item, f"{path}[{i}]") for i, item in enumerate(self.seq(node, path, "[]string"))]

    def string_map(self, node: Any, path: str) -> dict[str, tuple[str, Any]]:
        items = self.mapping(node, path, None, "map[string]string")
        return {k: (self.string(v, f"{path}.{k}"), v) for k, v in items.items()}

    def duration(self, node: Any, path: str) -> str:
        text = self.string(node, path)
        try:
            parse_model_duration(text)
        except ValueError as exc:
            self.error(node, path, str(exc), "duration")
            raise _Stop from None
        return text

    def guarded(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except _Stop:
            return None

    # -- placeholders
    def scan_placeholders(self, root: Any, path: str) -> None:
        """Alertmanager never expands ${VAR}; flag strings that look like they expect it.

        Each node is scanned once: an alias repeats its anchor's node, which is reported (and
        walked) where the anchor is. `_compose` has already refused cycles and absurd depth.
        """
        import yaml

        seen: set[int] = set()
        todo = [(root, path)]
        while todo:
            node, where = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.ScalarNode):
                if isinstance(node.value, str) and _ENV_PLACEHOLDER.search(node.value):
                    self.warn(
                        node,
                        where,
                        f"{node.value!r} looks like an environment variable, but Alertmanager does not "
                        "expand them: the literal text is used",
                        "env-placeholder",
                    )
            elif isinstance(node, yaml.MappingNode):
                todo.extend(
                    (v, f"{where}.{getattr(k, 'value', '?')}" if where else str(k.value))
                    for k, v in reversed(node.value)
                )
            elif isinstance(node, yaml.SequenceNode):
                todo.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(node.value))))


# --- matchers inside the config -------------------------------------------------------------------


def _matchers_from(dec: _Decoder, node: Any, path: str) -> tuple[list[Matcher], list[str], bool]:
    """`matchers:` lines (each may hold several comma-separated matchers)."""
    from obsctl.alerts.matchers import MatcherError, parse_matchers

    out: list[Matcher] = []
    lines: list[str] = []
    quoted = False
    for i, item in enumerate(dec.seq(node, path, "[]string")):
        line = dec.string(item, f"{path}[{i}]")
        lines.append(line)
        try:
            parsed = parse_matchers(line)
        except MatcherError as exc:
            dec.error(item, f"{path}[{i}]", f"{exc.message} (in matcher {line!r})", "matcher")
            continue
        for m in parsed:
            if m.quoted_name:
                quoted = True
                dec.warn(
                    item,
                    f"{path}[{i}]",
                    f"quoted label name in {line!r} needs Alertmanager >= 0.27 (0.25 and amtool 0.25 reject it)",
                    "utf8-matcher",
                )
        out.extend(parsed)
    return out, lines, quoted


def _eq_matchers(dec: _Decoder, node: Any, path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, (v, _vnode) in dec.string_map(node, path).items():
        out[k] = v
    for k in out:
        from obsctl.alerts.matchers import is_valid_label_name

        if not is_valid_label_name(k):
            dec.error(node, f"{path}.{k}", f'invalid label name "{k}"', "label-name")
    return out


def _re_matchers(dec: _Decoder, node: Any, path: str) -> dict[str, str]:
    from obsctl.alerts.matchers import MatcherError, compile_go_regex, is_valid_label_name

    out: dict[str, str] = {}
    for k, vnode in dec.mapping(node, path, None, "config.MatchRegexps").items():
        if not is_valid_label_name(k):
            dec.error(vnode, f"{path}.{k}", f'invalid label name "{k}"', "label-name")
            continue
        if dec.is_null(vnode):
            dec.error(vnode, f"{path}.{k}", f'invalid regexp value for "{k}"', "regex")
            continue
        value = dec.guarded(dec.string, vnode, f"{path}.{k}")
        if value is None:
            continue
        try:
            compile_go_regex(value)
        except MatcherError as exc:
            dec.error(vnode, f"{path}.{k}", exc.message, "regex")
            continue
        out[k] = value
    return out


def _present(cfg: dict[str, Any], key: str) -> bool:
    node = cfg.get(key)
    if node is None or _Decoder.is_null(node):
        return False
    return not (hasattr(node, "value") and node.value == "")


def _check_url(dec: _Decoder, cfg: dict[str, Any], key: str, path: str) -> None:
    import yaml

    node = cfg.get(key)
    if not _present(cfg, key) or not isinstance(node, yaml.ScalarNode) or node.value == "<secret>":
        return
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(node.value)
    except ValueError as exc:
        dec.error(node, f"{path}.{key}", f"invalid URL: {exc}", "url")
        return
    if parts.scheme not in ("http", "https"):
        dec.error(node, f"{path}.{key}", f'unsupported scheme "{parts.scheme}" for URL', "url")
    elif not parts.netloc:
        dec.error(node, f"{path}.{key}", "missing host for URL", "url")
