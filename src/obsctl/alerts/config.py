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

from obsctl.alerts.config_model import (
    DEFAULT_GROUP_INTERVAL,
    DEFAULT_GROUP_WAIT,
    DEFAULT_REPEAT_INTERVAL,
    AlertmanagerConfig,
    Finding,
    Receiver,
    Route,
    parse_model_duration,
)
from obsctl.core.errors import ConfigError

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from obsctl.alerts.config_decode import _Decoder
    from obsctl.alerts.inhibit import InhibitRule
    from obsctl.alerts.timeintervals import TimeIntervalSpec

__all__ = [
    "DEFAULT_GROUP_INTERVAL",
    "DEFAULT_GROUP_WAIT",
    "DEFAULT_REPEAT_INTERVAL",
    "AlertmanagerConfig",
    "ConfigError",
    "Finding",
    "Receiver",
    "Route",
    "analyze_config_text",
    "load_config_file",
    "load_config_text",
    "parse_model_duration",
]

_GLOBAL_URLS = (
    "slack_api_url",
    "pagerduty_url",
    "opsgenie_api_url",
    "wechat_api_url",
    "victorops_api_url",
    "telegram_api_url",
    "webex_api_url",
)
_GLOBAL_EXCLUSIVE = (
    ("slack_api_url", "slack_api_url_file"),
    ("opsgenie_api_key", "opsgenie_api_key_file"),
    ("victorops_api_key", "victorops_api_key_file"),
    ("smtp_auth_password", "smtp_auth_password_file"),
)


def _compose(text: str, source: str) -> tuple[Any, list[Finding]]:
    """YAML text -> root node with libyaml (C) where PyYAML has it, or the one finding saying why not."""
    import yaml

    from obsctl.core.yamlio import node_children, safe_loader, shape_problem

    try:
        root = yaml.compose(text, Loader=safe_loader())
    except RecursionError:  # PyYAML's pure-Python composer recurses per level; libyaml stops at 1000
        return None, [Finding("error", "yaml", "invalid YAML: nested too deeply", source)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = ", ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        column = f" (column {mark.column + 1})" if mark is not None else ""
        return None, [Finding("error", "yaml", f"invalid YAML: {problem}{column}", source, line)]
    except yaml.YAMLError as exc:
        from obsctl.core.yamlio import YAMLError

        err = YAMLError.from_pyyaml(exc, text)
        return None, [Finding("error", "yaml", f"invalid YAML: {err.problem}", source, err.line)]
    # Every walk below recurses over the node tree: refuse cycles (`x: &a [*a]`) and absurd depth.
    shape = shape_problem(root, children=node_children) if root is not None else None
    if shape is not None:
        problem, node = shape
        return None, [Finding("error", "yaml", f"invalid YAML: {problem}", source, node.start_mark.line + 1)]
    return root, []


def _decode_global(dec: _Decoder, top: dict[str, Any]) -> dict[str, Any]:
    from obsctl.alerts.config_decode import _GLOBAL_KEYS, _check_url, _present

    if "global" not in top:
        return {}
    glob: dict[str, Any] = (
        dec.guarded(dec.mapping, top["global"], "global", _GLOBAL_KEYS, "global config") or {}
    )
    if "resolve_timeout" in glob:
        dec.guarded(dec.duration, glob["resolve_timeout"], "global.resolve_timeout")
    for key in _GLOBAL_URLS:
        _check_url(dec, glob, key, "global")
    for a, b in _GLOBAL_EXCLUSIVE:
        if _present(glob, a) and _present(glob, b):
            dec.error(glob[a], f"global.{a}", f"at most one of {a} & {b} must be configured", "global")
    return glob


def _decode_receivers(dec: _Decoder, top: dict[str, Any], glob: dict[str, Any]) -> list[Receiver]:
    from obsctl.alerts.config_sections import _decode_receiver

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
    return receivers


def _decode_all_time_intervals(
    dec: _Decoder, top: dict[str, Any]
) -> tuple[dict[str, list[TimeIntervalSpec]], dict[str, int]]:
    from obsctl.alerts.config_sections import _decode_time_intervals

    time_intervals: dict[str, list[TimeIntervalSpec]] = {}
    ti_lines: dict[str, int] = {}
    if "mute_time_intervals" in top:
        node = top["mute_time_intervals"]
        _decode_time_intervals(
            dec, node, "mute_time_intervals", "mute time interval", time_intervals, ti_lines
        )
        if not dec.is_null(node):
            dec.warn(
                node,
                "mute_time_intervals",
                "top-level `mute_time_intervals` is deprecated: use `time_intervals`",
                "deprecated-mute-time-intervals",
            )
    if "time_intervals" in top:
        _decode_time_intervals(
            dec, top["time_intervals"], "time_intervals", "time interval", time_intervals, ti_lines
        )
    return time_intervals, ti_lines


def _decode_inhibits(dec: _Decoder, top: dict[str, Any]) -> list[InhibitRule]:
    from obsctl.alerts.config_sections import _decode_inhibit

    rules: list[InhibitRule] = []
    for i, inode in enumerate(
        dec.guarded(dec.seq, top.get("inhibit_rules"), "inhibit_rules", "[]config.InhibitRule") or []
    ):
        rule = dec.guarded(_decode_inhibit, dec, inode, f"inhibit_rules[{i}]", i)
        if rule is not None:
            rules.append(rule)
    return rules


def _check_root_route(dec: _Decoder, route: Route, rnode: Any) -> None:
    """What Alertmanager refuses on the root route."""
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


def _check_references(dec: _Decoder, route: Route, names: set[str], time_intervals: dict[str, Any]) -> None:
    """Every receiver and time interval a route names must be defined."""
    for r in route.walk():
        if r.receiver and r.receiver not in names:
            dec.error(None, r.path, f'undefined receiver "{r.receiver}" used in route', "undefined-receiver")
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


def analyze_config_text(text: str, source: str) -> tuple[AlertmanagerConfig | None, list[Finding]]:
    """Decode and validate; return the config (None when there are errors) and every finding."""
    from obsctl.alerts.config_decode import _TOP_KEYS, _Decoder, _Stop
    from obsctl.alerts.config_sections import _decode_route

    root, problems = _compose(text, source)
    if problems:
        return None, problems
    dec = _Decoder(source)
    if dec.is_null(root):
        return None, [Finding("error", "no-route", "no route provided in config", source)]
    try:
        top = dec.mapping(root, "", _TOP_KEYS, "config")
    except _Stop:
        return None, dec.findings
    dec.scan_placeholders(root, "")

    glob = _decode_global(dec, top)
    receivers = _decode_receivers(dec, top, glob)
    time_intervals, ti_lines = _decode_all_time_intervals(dec, top)
    inhibit_rules = _decode_inhibits(dec, top)
    templates = dec.guarded(dec.string_list, top.get("templates"), "templates") or []

    route: Route | None = None
    if "route" in top and not dec.is_null(top["route"]):
        route = dec.guarded(_decode_route, dec, top["route"], "route")
        if route is not None:
            _check_root_route(dec, route, top["route"])
            _check_references(dec, route, {r.name for r in receivers}, time_intervals)
    else:
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
    from obsctl.alerts.files import read_text

    return load_config_text(read_text(path), str(path))
