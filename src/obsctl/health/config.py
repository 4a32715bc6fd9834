"""Probes as code: parse and validate a probes file (or a context's `health:` section).

Everything is checked before any probe runs, so a typo exits 2 with a message that names the
probe (by index and name) and the field, e.g.
`probes.yaml: probes[2] (api).http.expect_status: 'abc' is not a status code or class like 2xx`.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from obsctl.core.errors import ConfigError
from obsctl.health.jsoncond import Condition, ConditionError
from obsctl.health.jsoncond import parse as parse_condition
from obsctl.health.model import KINDS, ProbeSpec, Threshold

DEFAULT_TIMEOUT = 5.0
COMMON_KEYS = ("name", "timeout", "retries", "retry_timeout", "retry_interval", "tags")
BACKEND_NAMES = ("prometheus", "alertmanager", "elasticsearch", "jaeger")

# Defaults for the machine checks: the seed's HealthChecker failed memory and disk at 90%.
DEFAULT_MEMORY = Threshold(80.0, 90.0, unit="%")
DEFAULT_SWAP = Threshold(80.0, 95.0, unit="%")
DEFAULT_DISK = Threshold(80.0, 90.0, unit="%")
DEFAULT_INODES = Threshold(80.0, 90.0, unit="%")
DEFAULT_LOAD = Threshold(1.5, 3.0)
DEFAULT_OPEN_FILES = Threshold(80.0, 90.0, unit="%")
DEFAULT_TARGETS_DOWN = Threshold(1, None)
DEFAULT_FRESHNESS = Threshold(300_000.0, 3_600_000.0, unit="ms")  # newest log younger than 5m / 1h
SYSTEM_CHECKS = ("memory", "swap", "disk", "inodes", "load", "open_files")


# --- kind configs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """A value given inline, or read at run time from an env var or a file (then always redacted)."""

    value: str | None = None
    env: str | None = None
    file: str | None = None

    @property
    def is_set(self) -> bool:
        return self.value is not None or self.env is not None or self.file is not None

    @property
    def secret(self) -> bool:
        return self.env is not None or self.file is not None


@dataclass(frozen=True)
class HttpConfig:
    url: str
    method: str = "GET"
    headers: tuple[tuple[str, Secret], ...] = ()
    body: str | None = None
    expect_status: tuple[str, ...] = ("2xx",)
    expect_body: re.Pattern[str] | None = None
    expect_body_not: re.Pattern[str] | None = None
    expect_json: tuple[Condition, ...] = ()
    max_latency: Threshold | None = None
    cert_days: Threshold | None = None
    follow_redirects: bool = True
    max_redirects: int = 10
    insecure: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    proxy_url: str | None = None
    max_body_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class TcpConfig:
    host: str
    port: int
    send: str | None = None
    expect: re.Pattern[str] | None = None
    tls: bool = False
    insecure: bool = False
    max_latency: Threshold | None = None


@dataclass(frozen=True)
class DnsConfig:
    query: str
    record: str = "A"
    expect: tuple[str, ...] = ()
    max_latency: Threshold | None = None


@dataclass(frozen=True)
class RedisConfig:
    host: str
    port: int
    username: str | None = None
    password: Secret = field(default_factory=Secret)


@dataclass(frozen=True)
class PostgresConfig:
    conninfo: str
    password: Secret = field(default_factory=Secret)
    query: str = "SELECT 1"


@dataclass(frozen=True)
class DiskCheck:
    path: str | None  # None: every real mounted filesystem
    threshold: Threshold


@dataclass(frozen=True)
class SystemConfig:
    memory: Threshold | None = DEFAULT_MEMORY
    swap: Threshold | None = DEFAULT_SWAP
    disk: tuple[DiskCheck, ...] = (DiskCheck(None, DEFAULT_DISK),)
    inodes: tuple[DiskCheck, ...] = (DiskCheck(None, DEFAULT_INODES),)
    load: Threshold | None = DEFAULT_LOAD
    open_files: Threshold | None = DEFAULT_OPEN_FILES
    include_tmpfs: bool = False


@dataclass(frozen=True)
class ProcessConfig:
    name: str | None
    cmdline: re.Pattern[str] | None = None
    min: int = 1
    max: int | None = None


@dataclass(frozen=True)
class CommandConfig:
    argv: tuple[str, ...]
    shell: bool = False
    expect_exit: tuple[int, ...] = (0,)
    expect_output: re.Pattern[str] | None = None
    cwd: str | None = None


@dataclass(frozen=True)
class BackendConfig:
    backend: str
    targets_down: Threshold = DEFAULT_TARGETS_DOWN
    freshness: Threshold = DEFAULT_FRESHNESS
    index: str | None = None
    timestamp_field: str | None = None


# --- the document ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbesFile:
    """The validated probes of one file or context section."""

    probes: tuple[ProbeSpec, ...]
    source: str


def load_probes_file(path: str) -> ProbesFile:
    """Read and validate a probes YAML file ("-" reads stdin)."""
    import sys

    from obsctl.core.yamlio import load_file

    if path == "-":
        text = sys.stdin.read()
        source = "<stdin>"
    else:
        p = Path(path).expanduser()
        source = str(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such probes file", hint="pass an existing file to -f") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read probes file: {exc.strerror}") from None
    data = load_file(text, source)  # ConfigError (exit 2) naming the file, whatever the text holds
    return parse_document(data, source)


def parse_document(data: Any, source: str) -> ProbesFile:
    """Validate a parsed document: `{defaults: {...}, probes: [...]}` or a bare list of probes."""
    if isinstance(data, list):
        data = {"probes": data}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with `probes:` (a list of probes)")
    unknown = set(data) - {"probes", "defaults"}
    if unknown:
        raise ConfigError(f"{source}: {sorted(unknown)[0]}: unknown key", hint="known keys: probes, defaults")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ConfigError(f"{source}: defaults: must be a mapping (timeout, retries, retry_timeout, ...)")
    bad = set(defaults) - set(COMMON_KEYS[1:])
    if bad:
        raise ConfigError(
            f"{source}: defaults.{sorted(bad)[0]}: unknown key",
            hint=f"known keys: {', '.join(COMMON_KEYS[1:])}",
        )
    raw = data.get("probes")
    if raw is None:
        raise ConfigError(f"{source}: probes: missing", hint="add `probes:` with a list of probes")
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: probes: must be a list of probes")
    probes: list[ProbeSpec] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        spec = parse_probe(item, i, source, defaults)
        if spec.name in seen:
            raise ConfigError(
                f"{source}: probes[{i}] ({spec.name}).name: duplicate name (also probes[{seen[spec.name]}])",
                hint="give every probe its own name",
            )
        seen[spec.name] = i
        probes.append(spec)
    return ProbesFile(tuple(probes), source)


def parse_probe(item: Any, index: int, source: str, defaults: Mapping[str, Any] | None = None) -> ProbeSpec:
    """Validate one probe entry; errors name `probes[i] (name).field`."""
    label = f"{source}: probes[{index}]"
    if not isinstance(item, dict):
        raise ConfigError(f"{label}: must be a mapping like {{name: api, http: {{url: ...}}}}")
    name_value = item.get("name")
    if name_value is not None and not isinstance(name_value, (str, int)):
        raise ConfigError(f"{label}.name: must be a string")
    kind_keys = [k for k in item if k not in COMMON_KEYS]
    if not kind_keys:
        raise ConfigError(
            f"{label}{_named(name_value)}: no probe kind", hint=f"add one of: {', '.join(KINDS)}"
        )
    unknown = [k for k in kind_keys if k not in KINDS]
    if unknown:
        key = str(unknown[0])
        close = difflib.get_close_matches(key, KINDS + COMMON_KEYS, n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(
            f"{label}{_named(name_value)}: unknown probe kind {key!r}{suggestion}",
            hint=f"known kinds: {', '.join(KINDS)}; common keys: {', '.join(COMMON_KEYS)}",
        )
    if len(kind_keys) > 1:
        raise ConfigError(
            f"{label}{_named(name_value)}: more than one probe kind ({', '.join(map(str, kind_keys))})",
            hint="split them into separate probes",
        )
    kind = str(kind_keys[0])
    body = item[kind]
    name = str(name_value) if name_value is not None else _default_name(kind, body, index)
    where = f"{label} ({name})"
    merged = dict(defaults or {})
    merged.update({k: v for k, v in item.items() if k in COMMON_KEYS})
    timeout = _seconds(merged.get("timeout", DEFAULT_TIMEOUT), f"{where}.timeout")
    retries = _count(merged.get("retries", 0), f"{where}.retries")
    retry_timeout = (
        None
        if merged.get("retry_timeout") is None
        else _seconds(merged["retry_timeout"], f"{where}.retry_timeout")
    )
    retry_interval = _seconds(merged.get("retry_interval", 1), f"{where}.retry_interval", allow_zero=True)
    tags = _tags(merged.get("tags"), f"{where}.tags")
    parser = _PARSERS[kind]
    config = parser(body, f"{where}.{kind}")
    return ProbeSpec(
        name=name,
        kind=kind,
        config=config,
        timeout=timeout,
        retries=retries,
        retry_timeout=retry_timeout,
        retry_interval=retry_interval,
        tags=tags,
        index=index,
    )


def _named(name: Any) -> str:
    return f" ({name})" if name is not None else ""


def _default_name(kind: str, body: Any, index: int) -> str:
    if kind == "backend":
        if isinstance(body, str):
            return body
        if isinstance(body, dict) and isinstance(body.get("name"), str):
            return str(body["name"])
    if kind == "system":
        return "system"
    return f"{kind}-{index}"


# --- value helpers --------------------------------------------------------------------------------


def _mapping(body: Any, where: str, example: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ConfigError(f"{where}: must be a mapping like {example}")
    return body


def _check_keys(body: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = [k for k in body if k not in allowed]
    if unknown:
        key = str(unknown[0])
        close = difflib.get_close_matches(key, allowed, n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"{where}.{key}: unknown key{suggestion}", hint=f"known keys: {', '.join(allowed)}")


def _seconds(value: Any, where: str, allow_zero: bool = False) -> float:
    from obsctl.core.timeparse import duration_seconds

    try:
        return duration_seconds(value, where, allow_zero=allow_zero)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{where}: expected a whole number >= 0, got {value!r}")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or str(value) == "":
        raise ConfigError(f"{where}: expected a non-empty string, got {value!r}")
    return str(value)


def _tags(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    if not isinstance(value, list) or not all(isinstance(t, (str, int)) for t in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return tuple(str(t) for t in value)


def _regex(value: Any, where: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a regular expression string")
    try:
        return re.compile(value)
    except re.error as exc:
        raise ConfigError(f"{where}: invalid regular expression {value!r}: {exc}") from None


def _number(value: Any, where: str, percent: bool) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            if not percent:
                raise ConfigError(f"{where}: a percentage is not allowed here, got {value!r}")
            text = text[:-1]
        try:
            number = float(text)
        except ValueError:
            raise ConfigError(
                f"{where}: expected a number{' or percentage like 80%' if percent else ''}, got {value!r}"
            ) from None
    else:
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if percent and not 0 <= number <= 100:
        raise ConfigError(f"{where}: a percentage must be between 0 and 100, got {value!r}")
    return number


def _threshold(
    value: Any,
    where: str,
    default: Threshold,
    *,
    percent: bool = False,
    duration: bool = False,
    extra_keys: tuple[str, ...] = (),
) -> tuple[Threshold, dict[str, Any]]:
    """`{warn: 80%, fail: 90%}`, a scalar (the fail limit) or true (the defaults)."""
    if value is True or value is None:
        return default, {}
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        limit = _seconds(value, where) * 1000 if duration else _number(value, where, percent)
        return Threshold(None, limit, default.higher_is_worse, default.unit), {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected {{warn: ..., fail: ...}} or a single fail limit")
    _check_keys(value, ("warn", "fail", *extra_keys), where)

    def conv(v: Any, key: str) -> float | None:
        if v is None:
            return None
        return _seconds(v, f"{where}.{key}") * 1000 if duration else _number(v, f"{where}.{key}", percent)

    warn = conv(value.get("warn"), "warn") if "warn" in value else default.warn
    fail = conv(value.get("fail"), "fail") if "fail" in value else default.fail
    if warn is not None and fail is not None:
        wrong = warn > fail if default.higher_is_worse else warn < fail
        if wrong:
            raise ConfigError(f"{where}: warn ({value.get('warn')}) is beyond fail ({value.get('fail')})")
    return Threshold(warn, fail, default.higher_is_worse, default.unit), {
        k: value[k] for k in extra_keys if k in value
    }


def _secret(body: Mapping[str, Any], key: str, where: str) -> Secret:
    inline = body.get(key)
    env = body.get(f"{key}_env")
    file = body.get(f"{key}_file")
    given = [x for x in (inline, env, file) if x is not None]
    if len(given) > 1:
        raise ConfigError(f"{where}: set only one of {key}, {key}_env, {key}_file")
    return Secret(
        value=None if inline is None else _str(inline, f"{where}.{key}"),
        env=None if env is None else _str(env, f"{where}.{key}_env"),
        file=None if file is None else _str(file, f"{where}.{key}_file"),
    )


def _address(value: Any, where: str, default_port: int | None = None) -> tuple[str, int]:
    text = _str(value, where)
    text = re.sub(r"^[a-z]+://", "", text).rstrip("/")
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.lstrip(":")
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""
    if not port_text:
        if default_port is None:
            raise ConfigError(f"{where}: expected host:port, got {value!r}")
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"{where}: invalid port in {value!r}")
    return host, int(port_text)


# --- per-kind parsers -----------------------------------------------------------------------------

_STATUS = re.compile(r"^[1-5](\d\d|xx)$")


def _parse_http(body: Any, where: str) -> HttpConfig:
    if isinstance(body, str):
        body = {"url": body}
    body = _mapping(body, where, "{url: http://127.0.0.1:8000/health}")
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
    headers: list[tuple[str, Secret]] = []
    raw_headers = body.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise ConfigError(
            f"{where}.headers: must be a mapping of header name to value or {{env: VAR}}/{{file: PATH}}"
        )
    for hname, hvalue in raw_headers.items():
        hwhere = f"{where}.headers.{hname}"
        if isinstance(hvalue, dict):
            _check_keys(hvalue, ("env", "file"), hwhere)
            if len(hvalue) != 1:
                raise ConfigError(f"{hwhere}: set exactly one of env, file")
            headers.append(
                (
                    str(hname),
                    Secret(
                        env=_opt_str(hvalue.get("env"), hwhere), file=_opt_str(hvalue.get("file"), hwhere)
                    ),
                )
            )
        else:
            headers.append((str(hname), Secret(value=_str(hvalue, hwhere))))
    statuses = body.get("expect_status", ["2xx"])
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
    conditions = body.get("expect_json")
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
    req_body = body.get("body")
    if req_body is not None and not isinstance(req_body, str):
        import json

        req_body = json.dumps(req_body)
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


def _opt_str(value: Any, where: str) -> str | None:
    return None if value is None else _str(value, where)


def _parse_tcp(body: Any, where: str) -> TcpConfig:
    if isinstance(body, str):
        body = {"address": body}
    body = _mapping(body, where, "{address: 127.0.0.1:6379}")
    _check_keys(body, ("address", "send", "expect", "tls", "insecure", "max_latency"), where)
    if "address" not in body:
        raise ConfigError(f"{where}.address: required (host:port)")
    host, port = _address(body["address"], f"{where}.address")
    send = body.get("send")
    if send is not None and not isinstance(send, str):
        raise ConfigError(f"{where}.send: expected a string")
    max_latency = None
    if body.get("max_latency") is not None:
        max_latency, _ = _threshold(
            body["max_latency"], f"{where}.max_latency", Threshold(unit="ms"), duration=True
        )
    return TcpConfig(
        host=host,
        port=port,
        send=send,
        expect=_regex(body.get("expect"), f"{where}.expect"),
        tls=_bool(body.get("tls", False), f"{where}.tls"),
        insecure=_bool(body.get("insecure", False), f"{where}.insecure"),
        max_latency=max_latency,
    )


def _parse_dns(body: Any, where: str) -> DnsConfig:
    if isinstance(body, str):
        body = {"query": body}
    body = _mapping(body, where, "{query: example.com, type: A, expect: [93.184.215.14]}")
    _check_keys(body, ("query", "type", "expect", "max_latency"), where)
    if "query" not in body:
        raise ConfigError(f"{where}.query: required (the name to resolve)")
    record = _str(body.get("type", "A"), f"{where}.type").upper()
    if record not in ("A", "AAAA", "ANY"):
        raise ConfigError(
            f"{where}.type: {record!r} is not supported",
            hint="use A, AAAA or ANY (the system resolver answers these)",
        )
    expect = body.get("expect") or []
    if isinstance(expect, str):
        expect = [expect]
    if not isinstance(expect, list):
        raise ConfigError(f"{where}.expect: expected a list of addresses")
    import ipaddress

    answers = []
    for a in expect:
        try:
            answers.append(str(ipaddress.ip_address(str(a))))
        except ValueError:
            raise ConfigError(f"{where}.expect: {a!r} is not an IP address") from None
    max_latency = None
    if body.get("max_latency") is not None:
        max_latency, _ = _threshold(
            body["max_latency"], f"{where}.max_latency", Threshold(unit="ms"), duration=True
        )
    return DnsConfig(
        query=_str(body["query"], f"{where}.query"),
        record=record,
        expect=tuple(answers),
        max_latency=max_latency,
    )


def _parse_redis(body: Any, where: str) -> RedisConfig:
    if isinstance(body, str):
        body = {"address": body}
    body = _mapping(body, where, "{address: 127.0.0.1:6379, password_env: REDIS_PASSWORD}")
    _check_keys(body, ("address", "username", "password", "password_env", "password_file"), where)
    address = body.get("address", "127.0.0.1:6379")
    host, port = _address(address, f"{where}.address", default_port=6379)
    password = _secret(body, "password", where)
    url_password = re.match(r"^[a-z]+://(?:[^:@/]*):([^@/]+)@", str(address))
    if url_password and not password.is_set:
        password = Secret(value=url_password.group(1))
    return RedisConfig(
        host=host, port=port, username=_opt_str(body.get("username"), f"{where}.username"), password=password
    )


def _parse_postgres(body: Any, where: str) -> PostgresConfig:
    if isinstance(body, str):
        body = {"dsn": body}
    body = _mapping(body, where, "{dsn: 'host=127.0.0.1 dbname=app user=app', password_env: PGPASSWORD}")
    _check_keys(
        body,
        (
            "dsn",
            "host",
            "port",
            "user",
            "dbname",
            "sslmode",
            "password",
            "password_env",
            "password_file",
            "query",
        ),
        where,
    )
    if body.get("dsn"):
        conninfo = _str(body["dsn"], f"{where}.dsn")
    else:
        parts = []
        for key in ("host", "port", "user", "dbname", "sslmode"):
            if body.get(key) is not None:
                parts.append(f"{key}={shlex.quote(str(body[key]))}")
        if not parts:
            raise ConfigError(f"{where}: set dsn, or host/port/user/dbname")
        conninfo = " ".join(parts)
    return PostgresConfig(
        conninfo=conninfo,
        password=_secret(body, "password", where),
        query=_str(body.get("query", "SELECT 1"), f"{where}.query"),
    )


def _parse_system(body: Any, where: str) -> SystemConfig:
    if body is None or body is True or body == {}:
        return SystemConfig()
    body = _mapping(body, where, "{disk: {path: /, warn: 80%, fail: 90%}}")
    _check_keys(body, (*SYSTEM_CHECKS, "include_tmpfs"), where)
    named = [k for k in SYSTEM_CHECKS if k in body]
    values: dict[str, Any] = {}
    for key in SYSTEM_CHECKS:
        if key not in body and named:
            values[key] = () if key in ("disk", "inodes") else None
            continue
        raw = body.get(key, True)
        if raw is False:
            values[key] = () if key in ("disk", "inodes") else None
            continue
        default = {
            "memory": DEFAULT_MEMORY,
            "swap": DEFAULT_SWAP,
            "disk": DEFAULT_DISK,
            "inodes": DEFAULT_INODES,
            "load": DEFAULT_LOAD,
            "open_files": DEFAULT_OPEN_FILES,
        }[key]
        percent = key != "load"
        if key in ("disk", "inodes"):
            items = raw if isinstance(raw, list) else [raw]
            checks = []
            for i, entry in enumerate(items):
                ewhere = f"{where}.{key}" + (f"[{i}]" if isinstance(raw, list) else "")
                threshold, extra = _threshold(entry, ewhere, default, percent=True, extra_keys=("path",))
                path = extra.get("path")
                checks.append(DiskCheck(None if path is None else _str(path, f"{ewhere}.path"), threshold))
            values[key] = tuple(checks)
        else:
            values[key], _ = _threshold(raw, f"{where}.{key}", default, percent=percent)
    return SystemConfig(
        include_tmpfs=_bool(body.get("include_tmpfs", False), f"{where}.include_tmpfs"), **values
    )


def _parse_process(body: Any, where: str) -> ProcessConfig:
    if isinstance(body, str):
        body = {"name": body}
    body = _mapping(body, where, "{name: redis-server}")
    _check_keys(body, ("name", "cmdline", "min", "max"), where)
    if body.get("name") is None and body.get("cmdline") is None:
        raise ConfigError(f"{where}.name: required (or cmdline: a regular expression)")
    minimum = _count(body.get("min", 1), f"{where}.min")
    maximum = None if body.get("max") is None else _count(body["max"], f"{where}.max")
    if maximum is not None and maximum < minimum:
        raise ConfigError(f"{where}.max: must be >= min ({minimum})")
    return ProcessConfig(
        name=_opt_str(body.get("name"), f"{where}.name"),
        cmdline=_regex(body.get("cmdline"), f"{where}.cmdline"),
        min=minimum,
        max=maximum,
    )


def _parse_command(body: Any, where: str) -> CommandConfig:
    if isinstance(body, (str, list)):
        body = {"run": body}
    body = _mapping(body, where, "{run: 'pg_isready -q', expect_exit: 0}")
    _check_keys(body, ("run", "shell", "expect_exit", "expect_output", "cwd"), where)
    run = body.get("run")
    shell = _bool(body.get("shell", False), f"{where}.shell")
    if isinstance(run, str) and run.strip():
        try:
            argv = (run,) if shell else tuple(shlex.split(run))
        except ValueError as exc:
            raise ConfigError(f"{where}.run: cannot split {run!r}: {exc}") from None
    elif isinstance(run, list) and run and all(isinstance(a, (str, int, float)) for a in run):
        if shell:
            raise ConfigError(f"{where}.shell: give run as one string when shell is true")
        argv = tuple(str(a) for a in run)
    else:
        raise ConfigError(f"{where}.run: required: a command line or a list of arguments")
    codes = body.get("expect_exit", 0)
    if not isinstance(codes, list):
        codes = [codes]
    for c in codes:
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c <= 255:
            raise ConfigError(f"{where}.expect_exit: {c!r} is not an exit code (0-255)")
    return CommandConfig(
        argv=argv,
        shell=shell,
        expect_exit=tuple(codes),
        expect_output=_regex(body.get("expect_output"), f"{where}.expect_output"),
        cwd=_opt_str(body.get("cwd"), f"{where}.cwd"),
    )


def _parse_backend(body: Any, where: str) -> BackendConfig:
    if isinstance(body, str):
        body = {"name": body}
    body = _mapping(body, where, "{name: prometheus}")
    _check_keys(body, ("name", "targets_down", "freshness", "index", "timestamp_field"), where)
    name = body.get("name")
    if name not in BACKEND_NAMES:
        raise ConfigError(
            f"{where}.name: {name!r} is not a backend", hint=f"known backends: {', '.join(BACKEND_NAMES)}"
        )
    targets_down, _ = _threshold(body.get("targets_down"), f"{where}.targets_down", DEFAULT_TARGETS_DOWN)
    freshness, _ = _threshold(
        body.get("freshness"),
        f"{where}.freshness",
        Threshold(300_000.0, 3_600_000.0, unit="ms"),
        duration=True,
    )
    return BackendConfig(
        backend=str(name),
        targets_down=targets_down,
        freshness=freshness,
        index=_opt_str(body.get("index"), f"{where}.index"),
        timestamp_field=_opt_str(body.get("timestamp_field"), f"{where}.timestamp_field"),
    )


_PARSERS: dict[str, Any] = {
    "http": _parse_http,
    "tcp": _parse_tcp,
    "dns": _parse_dns,
    "redis": _parse_redis,
    "postgres": _parse_postgres,
    "system": _parse_system,
    "process": _parse_process,
    "command": _parse_command,
    "backend": _parse_backend,
}


def default_probes(backends: list[str]) -> tuple[ProbeSpec, ...]:
    """No configuration: this machine, and each backend the context names."""
    probes = [
        ProbeSpec(name="system", kind="system", config=SystemConfig(), timeout=DEFAULT_TIMEOUT, index=0)
    ]
    for i, name in enumerate(backends, start=1):
        probes.append(
            ProbeSpec(name=name, kind="backend", config=_parse_backend(name, name), timeout=10.0, index=i)
        )
    return tuple(probes)
