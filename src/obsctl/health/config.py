"""Probes as code: parse and validate a probes file (or a context's `health:` section).

Everything is checked before any probe runs, so a typo exits 2 with a message that names the
probe (by index and name) and the field, e.g.
`probes.yaml: probes[2] (api).http.expect_status: 'abc' is not a status code or class like 2xx`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obsctl.core.errors import ConfigError

# The kind configs and parsers live in kinds.py, values.py and kind_parsers.py; importers keep
# using this module's names.
from obsctl.health.kind_parsers import PARSERS as _PARSERS
from obsctl.health.kind_parsers import _parse_backend
from obsctl.health.kinds import (  # noqa: F401 - re-exported
    BACKEND_NAMES,
    COMMON_KEYS,
    DEFAULT_DISK,
    DEFAULT_FRESHNESS,
    DEFAULT_INODES,
    DEFAULT_LOAD,
    DEFAULT_MEMORY,
    DEFAULT_OPEN_FILES,
    DEFAULT_SWAP,
    DEFAULT_TARGETS_DOWN,
    DEFAULT_TIMEOUT,
    SYSTEM_CHECKS,
    BackendConfig,
    CommandConfig,
    DiskCheck,
    DnsConfig,
    HttpConfig,
    PostgresConfig,
    ProcessConfig,
    RedisConfig,
    Secret,
    SystemConfig,
    TcpConfig,
)
from obsctl.health.model import KINDS, ProbeSpec
from obsctl.health.values import (
    _count,
    _seconds,
    _tags,
)

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
        raw = sys.stdin.buffer.read()
        source = "<stdin>"
    else:
        p = Path(path).expanduser()
        source = str(path)
        try:
            raw = p.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such probes file", hint="pass an existing file to -f") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read probes file: {exc.strerror}") from None
    data = load_file(raw, source, "probes file")  # ConfigError (exit 2) naming the file, whatever it holds
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
