"""One parser per probe kind: a kind's mapping (or shorthand) -> its frozen config, validated.

`PARSERS` is the table config.parse_probe dispatches on; adding a kind is a parser and an entry.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from obsctl.core.errors import ConfigError
from obsctl.health.kind_http import parse_http as _parse_http
from obsctl.health.kinds import (
    BACKEND_NAMES,
    DEFAULT_DISK,
    DEFAULT_INODES,
    DEFAULT_LOAD,
    DEFAULT_MEMORY,
    DEFAULT_OPEN_FILES,
    DEFAULT_SWAP,
    DEFAULT_TARGETS_DOWN,
    SYSTEM_CHECKS,
    BackendConfig,
    CommandConfig,
    DiskCheck,
    DnsConfig,
    PostgresConfig,
    ProcessConfig,
    RedisConfig,
    Secret,
    SystemConfig,
    TcpConfig,
)
from obsctl.health.model import Threshold
from obsctl.health.values import (
    _address,
    _bool,
    _check_keys,
    _count,
    _mapping,
    _opt_str,
    _regex,
    _secret,
    _shorthand,
    _str,
    _threshold,
)


def _parse_tcp(body: Any, where: str) -> TcpConfig:
    body = _shorthand(body, where, "address", "{address: 127.0.0.1:6379}")
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
    body = _shorthand(body, where, "query", "{query: example.com, type: A, expect: [93.184.215.14]}")
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
    body = _shorthand(body, where, "address", "{address: 127.0.0.1:6379, password_env: REDIS_PASSWORD}")
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
    body = _shorthand(
        body, where, "dsn", "{dsn: 'host=127.0.0.1 dbname=app user=app', password_env: PGPASSWORD}"
    )
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
    body = _shorthand(body, where, "name", "{name: redis-server}")
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
    body = _shorthand(body, where, "name", "{name: prometheus}")
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


PARSERS: dict[str, Any] = {
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
