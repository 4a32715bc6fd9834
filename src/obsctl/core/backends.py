"""The backend table: every backend and every context section obsctl knows, declared once.

Adding a backend is one `BackendSpec` entry; adding a context section (like `health:`) is one
`SectionSpec` entry. core/settings.py validates contexts files and OBSCTL_* variables from this table
alone, so nothing else in core needs editing. Option values are checked by their `kind` and
normalised (durations become float seconds), and every error names the key path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from obsctl.core.errors import ConfigError


@dataclass(frozen=True)
class OptionSpec:
    """A backend-specific key and how its value is checked.

    `kind`: str (optionally one of `choices`), duration (checked by core's one duration rule and
    kept as canonical text such as `30s`), roles (a role -> field-name map, roles from `roles`) or
    section (a nested mapping whose keys are `children`) or path (a URL path: no control
    characters, `?` or `#`, which httpx refuses or which would move the API path into the query).
    """

    key: str
    kind: str = "str"
    help: str = ""
    roles: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    children: tuple[OptionSpec, ...] = ()


@dataclass(frozen=True)
class BackendSpec:
    """One backend: its context key, what it is, and the keys its block may carry beyond the shared ones."""

    name: str
    label: str  # how messages and help name it: "Prometheus"
    title: str
    example_url: str
    options: tuple[OptionSpec, ...] = ()

    @property
    def env_prefix(self) -> str:
        """`OBSCTL_<BACKEND>_`: the prefix of this backend's environment variables."""
        return f"OBSCTL_{self.name.upper()}_"

    def option(self, key: str) -> OptionSpec | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class SectionSpec:
    """A context key that is not a backend (e.g. `health:`); kept as a raw mapping for its signal."""

    name: str
    help: str
    example: str


# Roles a logs index's fields can be mapped to (`fields: {trace_id: traceId, timestamp: ts}`).
LOG_FIELD_ROLES = (
    "timestamp", "message", "level", "service", "trace_id", "span_id", "host", "logger", "ingested"
)  # fmt: skip

# `elasticsearch.logs:` — what `obsctl logs` (and `traces get --logs`) search.
LOGS_SECTION = OptionSpec(
    "logs",
    "section",
    "what `obsctl logs` searches",
    children=(
        OptionSpec("index", help="index pattern, e.g. logs-*"),
        OptionSpec("fields", "roles", "which field plays each role", roles=LOG_FIELD_ROLES),
        OptionSpec("lag", "duration", "ingestion delay; `logs tail -f` re-reads this window"),
    ),
)

BACKEND_TABLE: tuple[BackendSpec, ...] = (
    BackendSpec(
        "prometheus",
        "Prometheus",
        "Prometheus HTTP API v1 (Prometheus, Thanos, Mimir, VictoriaMetrics)",
        "http://127.0.0.1:9090",
        (OptionSpec("path_prefix", "path", "API mount point, e.g. /prometheus for Mimir"),),
    ),
    BackendSpec(
        "alertmanager",
        "Alertmanager",
        "Alertmanager API v2",
        "http://127.0.0.1:9093",
        (OptionSpec("path_prefix", "path", "API mount point behind a proxy"),),
    ),
    BackendSpec(
        "elasticsearch",
        "Elasticsearch",
        "Elasticsearch or OpenSearch (logs)",
        "http://127.0.0.1:9200",
        (
            LOGS_SECTION,
            OptionSpec("index", help="index pattern (older files; same as logs.index)"),
            OptionSpec("timestamp_field", help="same as logs.fields.timestamp (older files)"),
            OptionSpec("trace_id_field", help="same as logs.fields.trace_id (older files)"),
        ),
    ),
    BackendSpec(
        "jaeger",
        "Jaeger",
        "Jaeger query (api_v3, falling back to the v1 HTTP API)",
        "http://127.0.0.1:16686",
        (OptionSpec("api", help="force the query API: v3 or v1", choices=("v3", "v1")),),
    ),
)

SECTION_TABLE: tuple[SectionSpec, ...] = (
    SectionSpec("health", "checks as code for `obsctl health` in this context", "probes: [...]"),
)

# Keys every backend block may carry; auth kinds and TLS keys are shared too.
SHARED_KEYS = ("url", "auth", "headers", "tls", "proxy_url", "timeout", "connect_timeout", "retries")
AUTH_KINDS: dict[str, tuple[str, ...]] = {
    "basic": ("username", "password", "password_file", "password_env"),
    "bearer": ("token", "token_file", "token_env"),
    "api_key": ("key", "key_file", "key_env"),
}
TLS_KEYS = ("ca_file", "cert_file", "key_file", "insecure_skip_verify", "server_name")


def backend_names() -> tuple[str, ...]:
    """Every backend name, in table order (the order `config get-contexts` lists them)."""
    return tuple(b.name for b in BACKEND_TABLE)


def backend_spec(name: str) -> BackendSpec:
    """The table entry for a backend; KeyError for an unknown name (a programming error)."""
    for spec in BACKEND_TABLE:
        if spec.name == name:
            return spec
    raise KeyError(name)


def context_keys() -> tuple[str, ...]:
    """Every key a context may hold: the backends, then the sections."""
    return (*backend_names(), *(s.name for s in SECTION_TABLE))


def allowed_keys(spec: BackendSpec) -> tuple[str, ...]:
    """The keys a block for this backend may carry, sorted for error hints."""
    return tuple(sorted({*SHARED_KEYS, *(o.key for o in spec.options)}))


def parse_options(
    spec: BackendSpec, block: Mapping[str, Any], where: str, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Check and normalise the backend-specific keys present in `block` (only those present).

    `names` maps a key to the place its value came from (an environment variable) for messages.
    """
    return _parse_keys(spec.options, block, where, names or {})


def _parse_keys(
    options: tuple[OptionSpec, ...],
    block: Mapping[str, Any],
    where: str,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for opt in options:
        if opt.key in block:
            out[opt.key] = _parse_value(opt, block[opt.key], (names or {}).get(opt.key, f"{where}.{opt.key}"))
    return out


def _parse_value(opt: OptionSpec, value: Any, where: str) -> Any:
    if opt.kind == "duration":
        return _duration(value, where)
    if opt.kind == "roles":
        return _roles(value, where, opt.roles)
    if opt.kind == "section":
        known = tuple(c.key for c in opt.children)
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: must be a mapping with {', '.join(known)}")
        unknown = sorted(str(k) for k in value if k not in known)
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown key", hint=f"known keys: {', '.join(known)}")
        return _parse_keys(opt.children, value, where)
    if opt.kind == "path":
        return _path(value, where)
    return _string(value, where, opt.choices)


def _path(value: Any, where: str) -> str:
    """A URL path prefix httpx can send: checked here (exit 2), as httpx.InvalidURL would be exit 70."""
    import re

    text = _string(value, where, ())
    bad = re.search(r"[\x00-\x1f\x7f?#]", text)
    if bad:
        what = repr(bad.group()) if bad.group() in "?#" else "a control character"
        raise ConfigError(
            f"{where}: {what} at position {bad.start() + 1}; a path prefix is a URL path",
            hint="e.g. /prometheus; put query parameters in the URL itself",
        )
    return text


def _string(value: Any, where: str, choices: tuple[str, ...]) -> str:
    if isinstance(value, (dict, list, bool)) or value is None:
        raise ConfigError(f"{where}: expected a string, got {_kind(value)}")
    text = str(value)
    if choices and text not in choices:
        raise ConfigError(f"{where}: must be one of {', '.join(choices)}, got {text!r}")
    return text


def _roles(value: Any, where: str, roles: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"{where}: must be a mapping of role to field name",
            hint=f"e.g. {{trace_id: traceId, timestamp: '@timestamp'}}; roles: {', '.join(roles)}",
        )
    out: dict[str, str] = {}
    for role, name in value.items():
        if str(role) not in roles:
            raise ConfigError(f"{where}.{role}: unknown role", hint=f"known roles: {', '.join(roles)}")
        out[str(role)] = _string(name, f"{where}.{role}", ())
    return out


def _duration(value: Any, where: str) -> str:
    """Canonical duration text (`30s`, `1m30s`, `0s`): checked once here, `parse_duration` where used."""
    from obsctl.core.timeparse import duration_seconds, format_duration

    try:
        return format_duration(duration_seconds(value, where, allow_zero=True))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )
