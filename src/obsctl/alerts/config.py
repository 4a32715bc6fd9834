"""Load and validate alertmanager.yml the way Alertmanager 0.25 does, with file:line in every error.

Alertmanager decodes with yaml.v2 `UnmarshalStrict` and then runs its own checks
(config/config.go). We walk the composed YAML nodes against a schema instead of building dicts, so
that every problem carries the line it came from, unknown and duplicate keys are caught as strictly
as Go does, and any scalar decodes into a string with its original text (yaml.v2 turns `code: 500`
into "500", not 500).

Public API (stable, used by the live half of `obsctl alerts`):
    load_config_file(path) -> AlertmanagerConfig      raises ConfigError (exit 2) "file:line: problem"
    load_config_text(text, source) -> AlertmanagerConfig
    analyze_config_text(text, source) -> (config | None, findings)   all errors, for `alerts check`
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from obsctl.core.errors import ConfigError

if TYPE_CHECKING:
    from obsctl.alerts.inhibit import InhibitRule
    from obsctl.alerts.matchers import Matcher
    from obsctl.alerts.timeintervals import TimeIntervalSpec

__all__ = [
    "AlertmanagerConfig",
    "Finding",
    "Receiver",
    "Route",
    "analyze_config_text",
    "load_config_file",
    "load_config_text",
    "parse_model_duration",
]

T_NULL = "tag:yaml.org,2002:null"
T_BOOL = "tag:yaml.org,2002:bool"
T_MERGE = "tag:yaml.org,2002:merge"

DEFAULT_GROUP_WAIT = "30s"
DEFAULT_GROUP_INTERVAL = "5m"
DEFAULT_REPEAT_INTERVAL = "4h"

_DURATION_RE = re.compile(
    r"^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?\Z"
)
_DURATION_UNITS = (
    (2, 365 * 86400.0),
    (4, 7 * 86400.0),
    (6, 86400.0),
    (8, 3600.0),
    (10, 60.0),
    (12, 1.0),
    (14, 0.001),
)
_ENV_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Z_][A-Z0-9_]{2,}")


def parse_model_duration(text: str) -> float:
    """model.ParseDuration (`1h30m`, `1d`, `500ms`, `0`) -> seconds; ValueError with Prometheus' wording."""
    if text == "0":
        return 0.0
    if text == "":
        raise ValueError("empty duration string")
    m = _DURATION_RE.match(text)
    if m is None:
        raise ValueError(f'not a valid duration string: "{text}"')
    total = 0.0
    for group, mult in _DURATION_UNITS:
        if m.group(group):
            total += int(m.group(group)) * mult
    if total > 292 * 365 * 86400:  # Go's time.Duration is int64 nanoseconds
        raise ValueError(f'duration out of range: "{text}"')
    return total


@dataclass
class Finding:
    """One problem or warning about a config: where (file, line, key path) and what."""

    severity: str  # "error" | "warning"
    code: str  # short stable id, e.g. "undefined-receiver"
    message: str
    source: str
    line: int | None = None
    path: str = ""

    def location(self) -> str:
        """`file:line` (or just `file`)."""
        return f"{self.source}:{self.line}" if self.line else self.source

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.location()}: {self.message}{where}"

    def to_json(self) -> dict[str, Any]:
        """Stable keys for `alerts check -o json`."""
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.source,
            "line": self.line,
            "path": self.path,
        }


@dataclass
class Route:
    """One node of the routing tree, as written (inheritance is resolved in routing.py)."""

    path: str
    line: int
    receiver: str | None = None
    group_by: list[str] | None = None  # None: inherit; group_by: [] also inherits, as in Alertmanager
    group_by_all: bool = False
    match: dict[str, str] = field(default_factory=dict)
    match_re: dict[str, str] = field(default_factory=dict)
    matchers: list[Matcher] = field(default_factory=list)  # from `matchers:` only
    matcher_lines: list[str] = field(default_factory=list)  # `matchers:` entries as written
    mute_time_intervals: list[str] = field(default_factory=list)
    active_time_intervals: list[str] = field(default_factory=list)
    continue_: bool = False
    routes: list[Route] = field(default_factory=list)
    group_wait: str | None = None
    group_interval: str | None = None
    repeat_interval: str | None = None
    compiled: list[Matcher] = field(default_factory=list)  # match + match_re + matchers, sorted

    def walk(self) -> Iterator[Route]:
        """This node and all descendants, depth first."""
        yield self
        for child in self.routes:
            yield from child.walk()


@dataclass
class Receiver:
    """A receiver and how many integrations of each kind it has."""

    name: str
    line: int
    integrations: dict[str, int] = field(default_factory=dict)


@dataclass
class AlertmanagerConfig:
    """A loaded, validated Alertmanager configuration."""

    source: str
    text: str
    route: Route
    receivers: list[Receiver]
    inhibit_rules: list[InhibitRule]
    time_intervals: dict[str, list[TimeIntervalSpec]]
    templates: list[str] = field(default_factory=list)
    time_interval_lines: dict[str, int] = field(default_factory=dict)
    deprecated_mute_time_intervals: bool = False
    findings: list[Finding] = field(default_factory=list)  # warnings noticed while loading
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def receiver_names(self) -> list[str]:
        """Receiver names in file order."""
        return [r.name for r in self.receivers]


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
    def scan_placeholders(self, node: Any, path: str) -> None:
        """Alertmanager never expands ${VAR}; flag strings that look like they expect it."""
        import yaml

        if isinstance(node, yaml.ScalarNode):
            if isinstance(node.value, str) and _ENV_PLACEHOLDER.search(node.value):
                self.warn(
                    node,
                    path,
                    f"{node.value!r} looks like an environment variable, but Alertmanager does not expand "
                    "them: the literal text is used",
                    "env-placeholder",
                )
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                self.scan_placeholders(v, f"{path}.{getattr(k, 'value', '?')}" if path else str(k.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                self.scan_placeholders(v, f"{path}[{i}]")


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


# --- sections -------------------------------------------------------------------------------------


def _decode_route(dec: _Decoder, node: Any, path: str) -> Route:
    from obsctl.alerts.matchers import Matcher, MatcherError, is_valid_label_name

    route = Route(path=path, line=node.start_mark.line + 1 if node is not None else 0)
    items = dec.mapping(node, path, _ROUTE_KEYS, "route")
    for key, vnode in items.items():
        p = f"{path}.{key}"
        try:
            if key == "receiver":
                route.receiver = dec.string(vnode, p) or None
            elif key == "group_by":
                labels = dec.string_list(vnode, p)
                group_by: list[str] = []
                for lbl in labels:
                    if lbl == "...":
                        route.group_by_all = True
                    elif not is_valid_label_name(lbl):
                        dec.error(vnode, p, f'invalid label name "{lbl}" in group_by list', "label-name")
                    elif lbl in group_by:
                        dec.error(vnode, p, f'duplicated label "{lbl}" in group_by', "group-by")
                    else:
                        group_by.append(lbl)
                if group_by and route.group_by_all:
                    dec.error(
                        vnode,
                        p,
                        "cannot have wildcard group_by (`...`) and other labels at the same time",
                        "group-by",
                    )
                route.group_by = group_by or None  # yaml.v2 leaves an empty list nil: it inherits
            elif key == "match":
                route.match = _eq_matchers(dec, vnode, p)
                dec.warn(vnode, p, "`match` is deprecated: use `matchers`", "deprecated-match")
            elif key == "match_re":
                route.match_re = _re_matchers(dec, vnode, p)
                dec.warn(vnode, p, "`match_re` is deprecated: use `matchers`", "deprecated-match")
            elif key == "matchers":
                route.matchers, route.matcher_lines, _ = _matchers_from(dec, vnode, p)
            elif key == "mute_time_intervals":
                route.mute_time_intervals = dec.string_list(vnode, p)
            elif key == "active_time_intervals":
                route.active_time_intervals = dec.string_list(vnode, p)
            elif key == "continue":
                route.continue_ = dec.boolean(vnode, p)
            elif key == "routes":
                for i, child in enumerate(dec.seq(vnode, p, "[]*config.Route")):
                    sub = dec.guarded(_decode_route, dec, child, f"{p}[{i}]")
                    if sub is not None:
                        route.routes.append(sub)
            elif key in ("group_wait", "group_interval", "repeat_interval"):
                value = dec.duration(vnode, p)
                if key != "group_wait" and parse_model_duration(value) == 0:
                    dec.error(vnode, p, f"{key} cannot be zero", "duration")
                setattr(route, key, value)
        except _Stop:
            continue
    compiled: list[Matcher] = []
    for k, v in route.match.items():
        compiled.append(Matcher(k, "=", v))
    for k, v in route.match_re.items():
        try:
            compiled.append(Matcher(k, "=~", v))
        except MatcherError:  # already reported
            pass
    compiled.extend(route.matchers)
    compiled.sort(key=Matcher.sort_key)
    route.compiled = compiled
    return route


def _decode_receiver(dec: _Decoder, node: Any, path: str, glob: dict[str, Any]) -> Receiver | None:
    allowed = {"name", *INTEGRATIONS}
    items = dec.mapping(node, path, allowed, "receiver")
    name = dec.guarded(dec.string, items.get("name"), f"{path}.name") or ""
    if not name:
        dec.error(node, path, "missing name in receiver", "receiver")
        return None
    recv = Receiver(name=name, line=node.start_mark.line + 1)
    for key in INTEGRATIONS:
        if key not in items:
            continue
        entries = dec.guarded(dec.seq, items[key], f"{path}.{key}", f"[]*config.{key}")
        if entries is None:
            continue
        recv.integrations[key] = len(entries)
        for i, entry in enumerate(entries):
            p = f"{path}.{key}[{i}]"
            cfg = dec.guarded(dec.mapping, entry, p, None, key[:-1])
            if cfg is None:
                continue
            _check_integration(dec, key, cfg, entry, p, glob)
    return recv


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


def _check_integration(
    dec: _Decoder, key: str, cfg: dict[str, Any], node: Any, path: str, glob: dict[str, Any]
) -> None:
    """The required-field checks Alertmanager makes per integration (UnmarshalYAML + global defaults)."""

    def need(cond: bool, message: str) -> None:
        if not cond:
            dec.error(node, path, message, "integration")

    def g(name: str) -> bool:
        return _present(glob, name)

    for url_key in ("url", "api_url", "webhook_url"):
        _check_url(dec, cfg, url_key, path)
    if key == "webhook_configs":
        need(_present(cfg, "url") or _present(cfg, "url_file"), "one of url or url_file must be configured")
        need(
            not (_present(cfg, "url") and _present(cfg, "url_file")),
            "at most one of url & url_file must be configured",
        )
    elif key == "email_configs":
        need(_present(cfg, "to"), "missing to address in email config")
        need(_present(cfg, "smarthost") or g("smtp_smarthost"), "no global SMTP smarthost set")
        need(_present(cfg, "from") or g("smtp_from"), "no global SMTP from set")
    elif key == "slack_configs":
        need(
            _present(cfg, "api_url")
            or _present(cfg, "api_url_file")
            or g("slack_api_url")
            or g("slack_api_url_file"),
            "no global Slack API URL set either inline or in a file",
        )
    elif key == "pagerduty_configs":
        need(
            any(
                _present(cfg, k)
                for k in ("routing_key", "service_key", "routing_key_file", "service_key_file")
            ),
            "missing service or routing key in PagerDuty config",
        )
    elif key == "opsgenie_configs":
        need(
            _present(cfg, "api_key")
            or _present(cfg, "api_key_file")
            or g("opsgenie_api_key")
            or g("opsgenie_api_key_file"),
            "no global OpsGenie API Key set either inline or in a file",
        )
    elif key == "wechat_configs":
        need(_present(cfg, "api_secret") or g("wechat_api_secret"), "no global Wechat ApiSecret set")
        need(_present(cfg, "corp_id") or g("wechat_api_corp_id"), "no global Wechat CorpID set")
    elif key == "victorops_configs":
        need(
            _present(cfg, "api_key")
            or _present(cfg, "api_key_file")
            or g("victorops_api_key")
            or g("victorops_api_key_file"),
            "no global VictorOps API Key set",
        )
        need(_present(cfg, "routing_key"), "missing Routing key in VictorOps config")
    elif key == "pushover_configs":
        need(
            _present(cfg, "user_key") or _present(cfg, "user_key_file"), "missing user key in Pushover config"
        )
        need(_present(cfg, "token") or _present(cfg, "token_file"), "missing token in Pushover config")
    elif key == "telegram_configs":
        need(
            _present(cfg, "bot_token") or _present(cfg, "bot_token_file"),
            "missing bot_token on telegram_config",
        )
        need(_present(cfg, "chat_id"), "missing chat_id on telegram_config")
    elif key == "sns_configs":
        need(
            any(_present(cfg, k) for k in ("target_arn", "topic_arn", "phone_number")),
            "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config",
        )
    elif key in ("discord_configs", "msteams_configs", "msteamsv2_configs"):
        kind = key.split("_")[0]
        need(
            _present(cfg, "webhook_url") or _present(cfg, "webhook_url_file"),
            f"no {kind} webhook URL or URLFile provided",
        )
    elif key == "webex_configs":
        need(_present(cfg, "room_id"), "missing room_id on webex_config")


def _decode_inhibit(dec: _Decoder, node: Any, path: str, index: int) -> InhibitRule | None:
    from obsctl.alerts.inhibit import InhibitRule
    from obsctl.alerts.matchers import Matcher, is_valid_label_name

    items = dec.mapping(node, path, _INHIBIT_KEYS, "inhibit rule")
    sides: dict[str, list[Matcher]] = {"source": [], "target": []}
    deprecated: list[str] = []
    for side in ("source", "target"):
        for key, vnode in items.items():
            p = f"{path}.{key}"
            try:
                if key == f"{side}_match":
                    for k, v in _eq_matchers(dec, vnode, p).items():
                        sides[side].append(Matcher(k, "=", v))
                    deprecated.append(key)
                elif key == f"{side}_match_re":
                    for k, v in _re_matchers(dec, vnode, p).items():
                        sides[side].append(Matcher(k, "=~", v))
                    deprecated.append(key)
            except _Stop:
                continue
        key = f"{side}_matchers"
        if key in items:
            parsed = dec.guarded(_matchers_from, dec, items[key], f"{path}.{key}")
            if parsed is not None:
                sides[side].extend(parsed[0])
    for key in deprecated:
        dec.warn(
            items[key],
            f"{path}.{key}",
            f"`{key}` is deprecated: use `{key.split('_')[0]}_matchers`",
            "deprecated-match",
        )
    equal = dec.guarded(dec.string_list, items.get("equal"), f"{path}.equal") or []
    for lbl in equal:
        if not is_valid_label_name(lbl):
            dec.error(
                items.get("equal"), f"{path}.equal", f'invalid label name "{lbl}" in equal list', "label-name"
            )
    name = dec.guarded(dec.string, items.get("name"), f"{path}.name") or ""
    return InhibitRule(
        index=index,
        source_matchers=sides["source"],
        target_matchers=sides["target"],
        equal=equal,
        name=name,
        line=node.start_mark.line + 1,
        uses_deprecated=deprecated,
    )


def _decode_time_intervals(
    dec: _Decoder,
    node: Any,
    path: str,
    kind: str,
    out: dict[str, list[TimeIntervalSpec]],
    lines: dict[str, int],
) -> None:
    from obsctl.alerts import timeintervals as ti

    for i, entry in enumerate(dec.guarded(dec.seq, node, path, "[]config.TimeInterval") or []):
        p = f"{path}[{i}]"
        items = dec.guarded(dec.mapping, entry, p, {"name", "time_intervals"}, kind)
        if items is None:
            continue
        name = dec.guarded(dec.string, items.get("name"), f"{p}.name") or ""
        if not name:
            dec.error(entry, p, f"missing name in {kind}", "time-interval")
            continue
        specs: list[TimeIntervalSpec] = []
        for j, spec_node in enumerate(
            dec.guarded(
                dec.seq, items.get("time_intervals"), f"{p}.time_intervals", "[]timeinterval.TimeInterval"
            )
            or []
        ):
            sp = f"{p}.time_intervals[{j}]"
            raw_items = dec.guarded(dec.mapping, spec_node, sp, _TI_KEYS, "timeinterval.TimeInterval")
            if raw_items is None:
                continue
            raw: dict[str, Any] = {}
            try:
                for k, v in raw_items.items():
                    if k == "location":
                        raw[k] = dec.string(v, f"{sp}.{k}")
                    elif k == "times":
                        raw[k] = [
                            {
                                kk: dec.string(vv, f"{sp}.times[{n}].{kk}")
                                for kk, vv in dec.mapping(
                                    t,
                                    f"{sp}.times[{n}]",
                                    {"start_time", "end_time"},
                                    "timeinterval.yamlTimeRange",
                                ).items()
                            }
                            for n, t in enumerate(dec.seq(v, f"{sp}.{k}", "[]timeinterval.TimeRange"))
                        ]
                    else:
                        raw[k] = dec.string_list(v, f"{sp}.{k}")
                specs.append(ti.parse_time_interval(raw))
            except _Stop:
                continue
            except ti.TimeRangeError as exc:
                dec.error(spec_node, sp, str(exc), "time-interval")
        if name in out:
            label = "mute time interval" if kind == "mute time interval" else "time interval"
            dec.error(entry, p, f'{label} "{name}" is not unique', "time-interval")
            continue
        out[name] = specs
        lines[name] = entry.start_mark.line + 1


def analyze_config_text(text: str, source: str) -> tuple[AlertmanagerConfig | None, list[Finding]]:
    """Decode and validate; return the config (None when there are errors) and every finding."""
    import yaml

    dec = _Decoder(source)
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        root = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = ", ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        column = f" (column {mark.column + 1})" if mark is not None else ""
        return None, [Finding("error", "yaml", f"invalid YAML: {problem}{column}", source, line)]
    except yaml.YAMLError as exc:
        return None, [Finding("error", "yaml", f"invalid YAML: {exc}", source)]

    if dec.is_null(root):
        return None, [Finding("error", "no-route", "no route provided in config", source)]
    try:
        top = dec.mapping(root, "", _TOP_KEYS, "config")
    except _Stop:
        return None, dec.findings
    dec.scan_placeholders(root, "")

    glob: dict[str, Any] = {}
    if "global" in top:
        glob = dec.guarded(dec.mapping, top["global"], "global", _GLOBAL_KEYS, "global config") or {}
        for key in ("resolve_timeout",):
            if key in glob:
                dec.guarded(dec.duration, glob[key], f"global.{key}")
        for key in (
            "slack_api_url",
            "pagerduty_url",
            "opsgenie_api_url",
            "wechat_api_url",
            "victorops_api_url",
            "telegram_api_url",
            "webex_api_url",
        ):
            _check_url(dec, glob, key, "global")
        for a, b in (
            ("slack_api_url", "slack_api_url_file"),
            ("opsgenie_api_key", "opsgenie_api_key_file"),
            ("victorops_api_key", "victorops_api_key_file"),
            ("smtp_auth_password", "smtp_auth_password_file"),
        ):
            if _present(glob, a) and _present(glob, b):
                dec.error(glob[a], f"global.{a}", f"at most one of {a} & {b} must be configured", "global")

    receivers: list[Receiver] = []
    names: set[str] = set()
    for i, rnode in enumerate(
        dec.guarded(dec.seq, top.get("receivers"), "receivers", "[]config.Receiver") or []
    ):
        recv = dec.guarded(_decode_receiver, dec, rnode, f"receivers[{i}]", glob)
        if recv is None:
            continue
        if recv.name in names:
            dec.error(
                rnode,
                f"receivers[{i}]",
                f'notification config name "{recv.name}" is not unique',
                "duplicate-receiver",
            )
            continue
        names.add(recv.name)
        receivers.append(recv)

    time_intervals: dict[str, list[TimeIntervalSpec]] = {}
    ti_lines: dict[str, int] = {}
    if "mute_time_intervals" in top:
        _decode_time_intervals(
            dec,
            top["mute_time_intervals"],
            "mute_time_intervals",
            "mute time interval",
            time_intervals,
            ti_lines,
        )
        if not dec.is_null(top["mute_time_intervals"]):
            dec.warn(
                top["mute_time_intervals"],
                "mute_time_intervals",
                "top-level `mute_time_intervals` is deprecated: use `time_intervals`",
                "deprecated-mute-time-intervals",
            )
    if "time_intervals" in top:
        _decode_time_intervals(
            dec, top["time_intervals"], "time_intervals", "time interval", time_intervals, ti_lines
        )

    inhibit_rules: list[InhibitRule] = []
    for i, inode in enumerate(
        dec.guarded(dec.seq, top.get("inhibit_rules"), "inhibit_rules", "[]config.InhibitRule") or []
    ):
        rule = dec.guarded(_decode_inhibit, dec, inode, f"inhibit_rules[{i}]", i)
        if rule is not None:
            inhibit_rules.append(rule)

    templates = dec.guarded(dec.string_list, top.get("templates"), "templates") or []

    route: Route | None = None
    if "route" in top and not dec.is_null(top["route"]):
        route = dec.guarded(_decode_route, dec, top["route"], "route")
        if route is not None:
            rnode = top["route"]
            if not route.receiver:
                dec.error(rnode, "route", "root route must specify a default receiver", "root-route")
            if route.match or route.match_re or route.matchers:
                dec.error(rnode, "route", "root route must not have any matchers", "root-route")
            if route.mute_time_intervals:
                dec.error(rnode, "route", "root route must not have any mute time intervals", "root-route")
            if route.active_time_intervals:
                dec.error(rnode, "route", "root route must not have any active time intervals", "root-route")
            if route.continue_:
                dec.error(rnode, "route.continue", "cannot have continue in root route", "root-route")
            for r in route.walk():
                if r.receiver and r.receiver not in names:
                    dec.error(
                        None, r.path, f'undefined receiver "{r.receiver}" used in route', "undefined-receiver"
                    )
                    dec.findings[-1].line = r.line
                for ti_name in [*r.active_time_intervals, *r.mute_time_intervals]:
                    if ti_name not in time_intervals:
                        dec.error(
                            None,
                            r.path,
                            f'undefined time interval "{ti_name}" used in route',
                            "undefined-time-interval",
                        )
                        dec.findings[-1].line = r.line
    elif "route" not in top or dec.is_null(top.get("route")):
        dec.error(root, "route", "no route provided in config", "no-route")

    errors = [f for f in dec.findings if f.severity == "error"]
    if errors or route is None:
        return None, dec.findings
    cfg = AlertmanagerConfig(
        source=source,
        text=text,
        route=route,
        receivers=receivers,
        inhibit_rules=inhibit_rules,
        time_intervals=time_intervals,
        templates=templates,
        time_interval_lines=ti_lines,
        deprecated_mute_time_intervals="mute_time_intervals" in top,
        findings=dec.findings,
    )
    return cfg, dec.findings


def _raise_first(findings: list[Finding], source: str) -> None:
    errors = [f for f in findings if f.severity == "error"]
    if not errors:
        raise ConfigError(f"{source}: invalid Alertmanager config")
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    raise ConfigError(f"{errors[0]}{more}", hint=f"run `obsctl alerts check {source}` to list every problem")


def load_config_text(text: str, source: str) -> AlertmanagerConfig:
    """Parse alertmanager.yml text (e.g. /api/v2/status config.original); ConfigError (exit 2) if invalid."""
    cfg, findings = analyze_config_text(text, source)
    if cfg is None:
        _raise_first(findings, source)
    assert cfg is not None
    return cfg


def load_config_file(path: str | Path) -> AlertmanagerConfig:
    """Read and parse an alertmanager.yml; ConfigError (exit 2) with file:line and the problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return load_config_text(text, str(path))
