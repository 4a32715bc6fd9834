"""The `http` probe kind's parser: the kind with the most keys, so it has a module of its own."""

from __future__ import annotations

import re
from typing import Any

from obsctl.core.auth import header_value
from obsctl.core.errors import ConfigError
from obsctl.health.jsoncond import Condition, ConditionError
from obsctl.health.jsoncond import parse as parse_condition
from obsctl.health.kinds import HttpConfig, Secret
from obsctl.health.model import Threshold
from obsctl.health.values import (
    _bool,
    _check_keys,
    _count,
    _opt_str,
    _regex,
    _shorthand,
    _str,
    _threshold,
)

_STATUS = re.compile(r"^[1-5](\d\d|xx)$")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")


def parse_http(body: Any, where: str) -> HttpConfig:
    body = _shorthand(body, where, "url", "{url: http://127.0.0.1:8000/health}")
    _check_keys(
        body,
        (
            "url",
            "method",
            "headers",
            "body",
            "expect_status",
            "expect_body",
            "expect_body_not",
            "expect_json",
            "max_latency",
            "cert_days",
            "follow_redirects",
            "max_redirects",
            "insecure",
            "ca_file",
            "cert_file",
            "key_file",
            "proxy_url",
            "max_body_bytes",
        ),
        where,
    )
    if "url" not in body:
        raise ConfigError(f"{where}.url: required")
    from obsctl.core.urls import PROXY_SCHEMES, validate_url

    url = validate_url(
        _str(body["url"], f"{where}.url"), f"{where}.url", example="http://127.0.0.1:8000/health"
    )
    if body.get("proxy_url") is not None:
        validate_url(
            _str(body["proxy_url"], f"{where}.proxy_url"),
            f"{where}.proxy_url",
            schemes=PROXY_SCHEMES,
            example="http://proxy:3128",
        )
    method = _str(body.get("method", "GET"), f"{where}.method").upper()
    if not re.fullmatch(r"[A-Z]+", method):
        raise ConfigError(f"{where}.method: not an HTTP method: {method!r}")
    headers = _headers(body.get("headers") or {}, where)
    expect_status = _statuses(body.get("expect_status", ["2xx"]), where)
    parsed = _conditions(body.get("expect_json"), where)
    max_latency = None
    if body.get("max_latency") is not None:
        max_latency, _ = _threshold(
            body["max_latency"], f"{where}.max_latency", Threshold(unit="ms"), duration=True
        )
    cert_days = None
    if body.get("cert_days") is not None:
        cert_days, _ = _threshold(
            body["cert_days"],
            f"{where}.cert_days",
            Threshold(None, None, higher_is_worse=False, unit=" day"),
        )
    req_body = _request_body(body.get("body"), f"{where}.body")
    if body.get("cert_file") and not body.get("key_file"):
        raise ConfigError(f"{where}.key_file: required with cert_file")
    return HttpConfig(
        url=url,
        method=method,
        headers=tuple(headers),
        body=req_body,
        expect_status=tuple(expect_status),
        expect_body=_regex(body.get("expect_body"), f"{where}.expect_body"),
        expect_body_not=_regex(body.get("expect_body_not"), f"{where}.expect_body_not"),
        expect_json=tuple(parsed),
        max_latency=max_latency,
        cert_days=cert_days,
        follow_redirects=_bool(body.get("follow_redirects", True), f"{where}.follow_redirects"),
        max_redirects=_count(body.get("max_redirects", 10), f"{where}.max_redirects"),
        insecure=_bool(body.get("insecure", False), f"{where}.insecure"),
        ca_file=_opt_str(body.get("ca_file"), f"{where}.ca_file"),
        cert_file=_opt_str(body.get("cert_file"), f"{where}.cert_file"),
        key_file=_opt_str(body.get("key_file"), f"{where}.key_file"),
        proxy_url=_opt_str(body.get("proxy_url"), f"{where}.proxy_url"),
        max_body_bytes=_count(body.get("max_body_bytes", 1024 * 1024), f"{where}.max_body_bytes"),
    )


def _request_body(value: Any, where: str) -> str | bytes | None:
    """`body:` text or `!!binary` bytes are sent as-is; a mapping or list is sent as JSON.

    Values YAML gives that JSON cannot carry (bytes or dates inside a mapping) exit 2 here rather
    than at run time.
    """
    if value is None or isinstance(value, (str, bytes)):
        return value
    import json

    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: cannot be sent as JSON ({exc})",
            hint="write the body as a string, or as !!binary for raw bytes",
        ) from None


def _header_name(name: Any, where: str) -> str:
    """A header name httpx can send: an HTTP token (letters, digits and !#$%&'*+-.^_`|~)."""
    text = str(name)
    if not _TOKEN.match(text):
        raise ConfigError(
            f"{where}.headers: {text!r} is not a valid HTTP header name",
            hint="header names are ASCII letters, digits and - (e.g. X-Api-Key)",
        )
    return text


def _headers(raw_headers: Any, where: str) -> list[tuple[str, Secret]]:
    """`headers:` name -> value, or {env: VAR} / {file: PATH} for a secret read at run time."""
    headers: list[tuple[str, Secret]] = []
    if not isinstance(raw_headers, dict):
        raise ConfigError(
            f"{where}.headers: must be a mapping of header name to value or {{env: VAR}}/{{file: PATH}}"
        )
    for raw_name, hvalue in raw_headers.items():
        hname = _header_name(raw_name, where)
        hwhere = f"{where}.headers.{hname}"
        if isinstance(hvalue, dict):
            _check_keys(hvalue, ("env", "file"), hwhere)
            if len(hvalue) != 1:
                raise ConfigError(f"{hwhere}: set exactly one of env, file")
            headers.append(
                (
                    hname,
                    Secret(
                        env=_opt_str(hvalue.get("env"), hwhere), file=_opt_str(hvalue.get("file"), hwhere)
                    ),
                )
            )
        else:
            # Checked now (exit 2), naming the header but never echoing its value.
            headers.append((hname, Secret(value=header_value(_str(hvalue, hwhere), hwhere))))
    return headers


def _statuses(statuses: Any, where: str) -> list[str]:
    """`expect_status:` codes (200) or classes (2xx), one or a list."""
    if not isinstance(statuses, list):
        statuses = [statuses]
    expect_status = []
    for s in statuses:
        text = str(s).lower()
        if isinstance(s, bool) or not _STATUS.match(text):
            raise ConfigError(
                f"{where}.expect_status: {s!r} is not a status code or class like 2xx",
                hint="e.g. expect_status: [200, 204] or [2xx, 301]",
            )
        expect_status.append(text)
    return expect_status


def _conditions(conditions: Any, where: str) -> list[Condition]:
    """`expect_json:` one condition or a list, each parsed now so a typo exits 2 with its position."""
    if conditions is None:
        cond_list: list[Any] = []
    elif isinstance(conditions, list):
        cond_list = conditions
    else:
        cond_list = [conditions]
    parsed = []
    for i, text in enumerate(cond_list):
        cwhere = f"{where}.expect_json" + (f"[{i}]" if isinstance(conditions, list) else "")
        if not isinstance(text, str):
            raise ConfigError(f"{cwhere}: expected a condition string such as '$.status == \"ok\"'")
        try:
            parsed.append(parse_condition(text))
        except ConditionError as exc:
            raise ConfigError(f"{cwhere}: {exc}", hint="see `JSON conditions` in docs/health.md") from None
    return parsed
