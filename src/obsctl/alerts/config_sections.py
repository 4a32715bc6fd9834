"""Decoders for the sections of alertmanager.yml: route tree, receivers, inhibit rules, time intervals."""

from __future__ import annotations

from obsctl.alerts.config_decode import (
    _INHIBIT_KEYS,
    _ROUTE_KEYS,
    _TI_KEYS,
    INTEGRATIONS,
    _check_url,
    _Decoder,
    _eq_matchers,
    _matchers_from,
    _present,
    _re_matchers,
    _Stop,
)
from obsctl.alerts.config_model import Receiver, Route, parse_model_duration
from obsctl.alerts.matchers import Matcher, MatcherError, is_valid_label_name

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from typing import Any

    from obsctl.alerts.inhibit import InhibitRule
    from obsctl.alerts.timeintervals import TimeIntervalSpec

# Per integration: (its own fields, `global` fields that stand in for them, the error when none is
# set), as Alertmanager's UnmarshalYAML and global defaults check them.
_Rule = tuple[tuple[str, ...], tuple[str, ...], str]
INTEGRATION_RULES: dict[str, tuple[_Rule, ...]] = {
    "webhook_configs": ((("url", "url_file"), (), "one of url or url_file must be configured"),),
    "email_configs": (
        (("to",), (), "missing to address in email config"),
        (("smarthost",), ("smtp_smarthost",), "no global SMTP smarthost set"),
        (("from",), ("smtp_from",), "no global SMTP from set"),
    ),
    "slack_configs": (
        (
            ("api_url", "api_url_file"),
            ("slack_api_url", "slack_api_url_file"),
            "no global Slack API URL set either inline or in a file",
        ),
    ),
    "pagerduty_configs": (
        (
            ("routing_key", "service_key", "routing_key_file", "service_key_file"),
            (),
            "missing service or routing key in PagerDuty config",
        ),
    ),
    "opsgenie_configs": (
        (
            ("api_key", "api_key_file"),
            ("opsgenie_api_key", "opsgenie_api_key_file"),
            "no global OpsGenie API Key set either inline or in a file",
        ),
    ),
    "wechat_configs": (
        (("api_secret",), ("wechat_api_secret",), "no global Wechat ApiSecret set"),
        (("corp_id",), ("wechat_api_corp_id",), "no global Wechat CorpID set"),
    ),
    "victorops_configs": (
        (
            ("api_key", "api_key_file"),
            ("victorops_api_key", "victorops_api_key_file"),
            "no global VictorOps API Key set",
        ),
        (("routing_key",), (), "missing Routing key in VictorOps config"),
    ),
    "pushover_configs": (
        (("user_key", "user_key_file"), (), "missing user key in Pushover config"),
        (("token", "token_file"), (), "missing token in Pushover config"),
    ),
    "telegram_configs": (
        (("bot_token", "bot_token_file"), (), "missing bot_token on telegram_config"),
        (("chat_id",), (), "missing chat_id on telegram_config"),
    ),
    "sns_configs": (
        (
            ("target_arn", "topic_arn", "phone_number"),
            (),
            "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config",
        ),
    ),
    **{
        key: (
            (
                ("webhook_url", "webhook_url_file"),
                (),
                f"no {key.split('_')[0]} webhook URL or URLFile provided",
            ),
        )
        for key in ("discord_configs", "msteams_configs", "msteamsv2_configs")
    },
    "webex_configs": ((("room_id",), (), "missing room_id on webex_config"),),
}
# Fields of which at most one may be set.
INTEGRATION_EXCLUSIVE: dict[str, tuple[tuple[str, str], ...]] = {"webhook_configs": (("url", "url_file"),)}


def _check_integration(
    dec: _Decoder, key: str, cfg: dict[str, Any], node: Any, path: str, glob: dict[str, Any]
) -> None:
    """The required-field checks Alertmanager makes per integration (UnmarshalYAML + global defaults)."""
    for url_key in ("url", "api_url", "webhook_url"):
        _check_url(dec, cfg, url_key, path)
    for own, from_global, message in INTEGRATION_RULES.get(key, ()):
        if not any(_present(cfg, k) for k in own) and not any(_present(glob, k) for k in from_global):
            dec.error(node, path, message, "integration")
    for a, b in INTEGRATION_EXCLUSIVE.get(key, ()):
        if _present(cfg, a) and _present(cfg, b):
            dec.error(node, path, f"at most one of {a} & {b} must be configured", "integration")


def _group_by(dec: _Decoder, route: Route, vnode: Any, p: str) -> None:
    group_by: list[str] = []
    for lbl in dec.string_list(vnode, p):
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
            vnode, p, "cannot have wildcard group_by (`...`) and other labels at the same time", "group-by"
        )
    route.group_by = group_by or None  # yaml.v2 leaves an empty list nil: it inherits


def _route_key(dec: _Decoder, route: Route, key: str, vnode: Any, p: str) -> None:
    """Decode one key of a route node into `route` (raises _Stop after recording an error)."""
    if key == "receiver":
        route.receiver = dec.string(vnode, p) or None
    elif key == "group_by":
        _group_by(dec, route, vnode, p)
    elif key in ("match", "match_re"):
        if key == "match":
            route.match = _eq_matchers(dec, vnode, p)
        else:
            route.match_re = _re_matchers(dec, vnode, p)
        dec.warn(vnode, p, f"`{key}` is deprecated: use `matchers`", "deprecated-match")
    elif key == "matchers":
        route.matchers, route.matcher_lines, _ = _matchers_from(dec, vnode, p)
    elif key in ("mute_time_intervals", "active_time_intervals"):
        setattr(route, key, dec.string_list(vnode, p))
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


def _decode_route(dec: _Decoder, node: Any, path: str) -> Route:
    route = Route(path=path, line=node.start_mark.line + 1 if node is not None else 0)
    for key, vnode in dec.mapping(node, path, _ROUTE_KEYS, "route").items():
        try:
            _route_key(dec, route, key, vnode, f"{path}.{key}")
        except _Stop:
            continue
    compiled: list[Matcher] = [Matcher(k, "=", v) for k, v in route.match.items()]
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


def _decode_inhibit(dec: _Decoder, node: Any, path: str, index: int) -> InhibitRule | None:
    from obsctl.alerts.inhibit import InhibitRule

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
