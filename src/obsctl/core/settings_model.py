"""What contexts resolve to (the frozen settings types) and the shared auth/headers/TLS blocks.

Split from core/settings.py (which loads and merges) so each stays readable; import these names
from either module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from obsctl.core.backends import AUTH_KINDS as _AUTH_KINDS
from obsctl.core.backends import TLS_KEYS as _TLS_KEYS
from obsctl.core.errors import ConfigError

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 2


@dataclass(frozen=True)
class SecretRef:
    """A secret given inline, by file (re-read on every request, for rotation) or by env var."""

    value: str | None = None
    file: str | None = None
    env: str | None = None

    def is_set(self) -> bool:
        return bool(self.value or self.file or self.env)


@dataclass(frozen=True)
class AuthSettings:
    """How to authenticate to one backend; `kind` is none, basic, bearer or api_key."""

    kind: str = "none"
    username: str | None = None
    secret: SecretRef = field(default_factory=SecretRef)


@dataclass(frozen=True)
class TLSSettings:
    """TLS options; verification stays on unless `insecure_skip_verify` is set."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure_skip_verify: bool = False
    server_name: str | None = None


@dataclass(frozen=True)
class HeaderValue:
    """An extra header; values read from a file or env var are secrets and always redacted."""

    value: str | None = None
    file: str | None = None
    env: str | None = None

    @property
    def secret(self) -> bool:
        return self.file is not None or self.env is not None


@dataclass(frozen=True)
class BackendSettings:
    """Everything needed to build a client for one backend."""

    name: str
    url: str
    auth: AuthSettings = field(default_factory=AuthSettings)
    headers: Mapping[str, HeaderValue] = field(default_factory=dict)
    tls: TLSSettings = field(default_factory=TLSSettings)
    proxy_url: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float | None = None
    retries: int = DEFAULT_RETRIES
    options: Mapping[str, Any] = field(default_factory=dict)
    source: str = "default"  # where the URL came from: flag, env, context or default
    url_where: str | None = None  # how hints name that place: `--url`, `OBSCTL_PROMETHEUS_URL`, a key path


@dataclass(frozen=True)
class Settings:
    """The resolved settings for one invocation."""

    context: str | None
    backends: Mapping[str, BackendSettings]
    health: Mapping[str, Any] | None = None
    config_paths: tuple[Path, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def backend(self, name: str) -> BackendSettings | None:
        return self.backends.get(name)

    def section(self, name: str) -> Mapping[str, Any] | None:
        """A non-backend context section (see core/backends.SECTION_TABLE), as written."""
        return self.sections.get(name)


@dataclass
class ConfigDoc:
    """The merged contexts document, and where each part came from (for writing back)."""

    paths: tuple[Path, ...]
    current_context: str | None
    contexts: dict[str, dict[str, Any]]
    context_origin: dict[str, Path]
    raw_per_file: list[dict[str, Any]]


def parse_auth(block: Any, where: str) -> AuthSettings:
    if block in (None, {}):
        return AuthSettings()
    if not isinstance(block, dict) or len(block) != 1:
        raise ConfigError(f"{where}: expected exactly one of {', '.join(_AUTH_KINDS)}")
    kind, body = next(iter(block.items()))
    if kind not in _AUTH_KINDS:
        raise ConfigError(f"{where}.{kind}: unknown auth kind", hint=f"known kinds: {', '.join(_AUTH_KINDS)}")
    if not isinstance(body, dict):
        raise ConfigError(f"{where}.{kind}: must be a mapping")
    unknown = set(body) - set(_AUTH_KINDS[kind])
    if unknown:
        raise ConfigError(
            f"{where}.{kind}.{sorted(unknown)[0]}: unknown key",
            hint=f"known keys: {', '.join(_AUTH_KINDS[kind])}",
        )
    field_name = {"basic": "password", "bearer": "token", "api_key": "key"}[kind]
    secret = SecretRef(
        value=_str_or_none(body.get(field_name)),
        file=_str_or_none(body.get(f"{field_name}_file")),
        env=_str_or_none(body.get(f"{field_name}_env")),
    )
    if sum(x is not None for x in (secret.value, secret.file, secret.env)) > 1:
        raise ConfigError(
            f"{where}.{kind}: set only one of {field_name}, {field_name}_file, {field_name}_env"
        )
    if kind == "basic" and not body.get("username"):
        raise ConfigError(f"{where}.basic.username: required")
    if kind != "basic" and not secret.is_set():
        raise ConfigError(f"{where}.{kind}: needs {field_name}, {field_name}_file or {field_name}_env")
    return AuthSettings(kind=kind, username=_str_or_none(body.get("username")), secret=secret)


def parse_headers(block: Any, where: str) -> dict[str, HeaderValue]:
    if block in (None, {}):
        return {}
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: must be a mapping of header name to value")
    out: dict[str, HeaderValue] = {}
    for name, value in block.items():
        if isinstance(value, dict):
            unknown = set(value) - {"value", "file", "env"}
            if unknown or len(value) != 1:
                raise ConfigError(f"{where}.{name}: expected a string or one of value/file/env")
            out[str(name)] = HeaderValue(
                value=_str_or_none(value.get("value")),
                file=_str_or_none(value.get("file")),
                env=_str_or_none(value.get("env")),
            )
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            out[str(name)] = HeaderValue(value=str(value))
        else:
            raise ConfigError(f"{where}.{name}: expected a string, got {type(value).__name__}")
    return out


def parse_tls(block: Any, where: str) -> TLSSettings:
    if block in (None, {}):
        return TLSSettings()
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: must be a mapping")
    unknown = set(block) - set(_TLS_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}.{sorted(unknown)[0]}: unknown key", hint=f"known keys: {', '.join(_TLS_KEYS)}"
        )
    skip = block.get("insecure_skip_verify", False)
    if not isinstance(skip, bool):
        raise ConfigError(f"{where}.insecure_skip_verify: expected true or false, got {skip!r}")
    if bool(block.get("cert_file")) != bool(block.get("key_file")):
        raise ConfigError(f"{where}: cert_file and key_file go together")
    return TLSSettings(
        ca_file=_str_or_none(block.get("ca_file")),
        cert_file=_str_or_none(block.get("cert_file")),
        key_file=_str_or_none(block.get("key_file")),
        insecure_skip_verify=skip,
        server_name=_str_or_none(block.get("server_name")),
    )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
