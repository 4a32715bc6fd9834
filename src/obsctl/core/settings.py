"""Contexts, kubectl-style: one YAML file names backends per environment, flags and env override.

Precedence for every value: flag > `OBSCTL_*` environment > context in the config file > default.
`load_settings` is pure (env and paths are parameters) so it is tested without touching $HOME.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from obsctl.core.backends import (
    SECTION_TABLE,
    allowed_keys,
    backend_names,
    backend_spec,
    context_keys,
    parse_options,
)
from obsctl.core.errors import ConfigError
from obsctl.core.settings_model import DEFAULT_RETRIES as DEFAULT_RETRIES
from obsctl.core.settings_model import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from obsctl.core.settings_model import AuthSettings as AuthSettings
from obsctl.core.settings_model import BackendSettings as BackendSettings
from obsctl.core.settings_model import ConfigDoc as ConfigDoc
from obsctl.core.settings_model import HeaderValue as HeaderValue
from obsctl.core.settings_model import SecretRef as SecretRef
from obsctl.core.settings_model import Settings as Settings
from obsctl.core.settings_model import TLSSettings as TLSSettings
from obsctl.core.settings_model import parse_auth, parse_headers, parse_tls

# Backend names in table order; the table itself (keys, options, sections) is core/backends.py.
BACKENDS = backend_names()


def default_config_path(env: Mapping[str, str]) -> Path:
    """The platform's user config location for obsctl."""
    if env.get("XDG_CONFIG_HOME"):
        return Path(env["XDG_CONFIG_HOME"]) / "obsctl" / "config.yaml"
    if sys.platform == "win32" and env.get("APPDATA"):
        return Path(env["APPDATA"]) / "obsctl" / "config.yaml"
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "obsctl" / "config.yaml"
    return home / ".config" / "obsctl" / "config.yaml"


def config_paths(env: Mapping[str, str], flag: str | None = None) -> tuple[Path, ...]:
    """Files to read: --config, else OBSCTL_CONFIG (several joined by os.pathsep), else the default."""
    spec = flag or env.get("OBSCTL_CONFIG")
    if spec:
        return tuple(Path(p).expanduser() for p in spec.split(os.pathsep) if p)
    return (default_config_path(env),)


def read_config(paths: Sequence[Path]) -> ConfigDoc:
    """Read and merge the contexts files; the first file that sets a key wins."""
    from obsctl.core.yamlio import load_file

    current: str | None = None
    contexts: dict[str, dict[str, Any]] = {}
    origin: dict[str, Path] = {}
    raws: list[dict[str, Any]] = []
    for path in paths:
        if not path.exists():
            raws.append({})
            continue
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from exc
        data = load_file(raw, path, "contexts file") or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: top level must be a mapping with `contexts:`")
        unknown = set(data) - {"current-context", "contexts", "apiVersion", "kind"}
        if unknown & {"route", "receivers", "inhibit_rules"}:
            raise ConfigError(
                f"{path}: this is an Alertmanager config, not an obsctl contexts file",
                hint="pass alertmanager.yml with --am-config FILE; --config names the contexts file",
            )
        if unknown:
            raise ConfigError(
                f"{path}: {sorted(unknown)[0]}: unknown key",
                hint="known top-level keys: current-context, contexts",
            )
        raws.append(data)
        if current is None and data.get("current-context") is not None:
            current = str(data["current-context"])
        ctxs = data.get("contexts") or {}
        if not isinstance(ctxs, dict):
            raise ConfigError(f"{path}: contexts: must be a mapping of context name to backends")
        for name, body in ctxs.items():
            if str(name) in contexts:
                continue
            if body is None:
                body = {}
            if not isinstance(body, dict):
                raise ConfigError(f"{path}: contexts.{name}: must be a mapping of backend name to settings")
            contexts[str(name)] = body
            origin[str(name)] = path
    return ConfigDoc(tuple(paths), current, contexts, origin, raws)


def load_settings(
    env: Mapping[str, str],
    *,
    config_flag: str | None = None,
    context_flag: str | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Resolve the settings for one run: file contexts, then OBSCTL_* env, then flags."""
    paths = config_paths(env, config_flag)
    missing = [p for p in paths if config_flag and not p.exists()]
    if missing:  # a file named on the command line must exist (the default one may be absent)
        raise ConfigError(f"--config: {missing[0]}: no such file", hint="fix the path, or leave --config out")
    doc = read_config(paths)
    context = context_flag or env.get("OBSCTL_CONTEXT") or doc.current_context
    body: dict[str, Any] = {}
    if context is not None:
        if context not in doc.contexts:
            if context_flag or env.get("OBSCTL_CONTEXT") or doc.contexts:
                known = ", ".join(sorted(doc.contexts)) or "none defined"
                raise ConfigError(
                    f"context {context!r} not found in {', '.join(map(str, paths))}",
                    hint=f"known contexts: {known}; create one with `obsctl config set-context {context} ...`",
                )
        else:
            body = doc.contexts[context]
    prefix = f"contexts.{context}" if context else "contexts"
    unknown = set(body) - set(context_keys())
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(
            f"{_origin(doc, context)}{prefix}.{key}: unknown backend",
            hint=f"known keys: {', '.join(context_keys())}",
        )
    backends: dict[str, BackendSettings] = {}
    for name in BACKENDS:
        block = body.get(name)
        if block is not None and not isinstance(block, dict):
            raise ConfigError(
                f"{_origin(doc, context)}{prefix}.{name}: must be a mapping with at least `url`"
            )
        merged = dict(block or {})
        source = "context" if merged.get("url") else "default"
        env_over = _env_overrides(env, name)
        if env_over.get("url"):
            source = "env"
        merged.update(env_over)
        flag_over = dict((overrides or {}).get(name) or {})
        url_flag = str(flag_over.pop("url_flag", None) or "--url")  # the command's flag for the URL
        if flag_over.get("url"):
            source = "flag"
        flag_set = {k: v for k, v in flag_over.items() if v is not None}
        merged.update(flag_set)
        if not merged.get("url"):
            continue
        where = f"{_origin(doc, context)}{prefix}.{name}"
        url_where = {"env": f"OBSCTL_{name.upper()}_URL", "flag": url_flag}.get(source, f"{where}.url")
        # Plain values taken from OBSCTL_<BACKEND>_<KEY> are named by that variable in messages.
        names = {
            k: f"OBSCTL_{name.upper()}_{k.upper()}"
            for k in env_over
            if k not in ("url", "auth", "tls", "headers") and k not in flag_set
        }
        backends[name] = _parse_backend(name, merged, where, source, url_where, names)
    sections: dict[str, dict[str, Any]] = {}
    for section in SECTION_TABLE:
        value = body.get(section.name)
        if value is not None and not isinstance(value, dict):
            raise ConfigError(
                f"{_origin(doc, context)}{prefix}.{section.name}: must be a mapping with `{section.example}`"
            )
        if value is not None:
            sections[section.name] = value
    return Settings(
        context=context,
        backends=backends,
        health=sections.get("health"),
        config_paths=paths,
        env=dict(env),
        sections=sections,
    )


def _origin(doc: ConfigDoc, context: str | None) -> str:
    path = doc.context_origin.get(context or "")
    return f"{path}: " if path else ""


def _env_overrides(env: Mapping[str, str], backend: str) -> dict[str, Any]:
    """OBSCTL_<BACKEND>_URL / _TOKEN / _USERNAME / _PASSWORD / _API_KEY / _TIMEOUT / _INSECURE / _CA_FILE."""
    p = f"OBSCTL_{backend.upper()}_"
    out: dict[str, Any] = {}
    if env.get(p + "URL"):
        out["url"] = env[p + "URL"]
    if env.get(p + "TIMEOUT"):
        out["timeout"] = env[p + "TIMEOUT"]
    if env.get(p + "RETRIES"):
        out["retries"] = env[p + "RETRIES"]
    if env.get(p + "TOKEN"):
        out["auth"] = {"bearer": {"token_env": p + "TOKEN"}}
    elif env.get(p + "API_KEY"):
        out["auth"] = {"api_key": {"key_env": p + "API_KEY"}}
    elif env.get(p + "USERNAME"):
        out["auth"] = {"basic": {"username": env[p + "USERNAME"], "password_env": p + "PASSWORD"}}
    tls: dict[str, Any] = {}
    if env.get(p + "CA_FILE"):
        tls["ca_file"] = env[p + "CA_FILE"]
    if env.get(p + "INSECURE_SKIP_VERIFY", "").lower() in ("1", "true", "yes"):
        tls["insecure_skip_verify"] = True
    if tls:
        out["tls"] = tls
    if env.get(p + "TENANT"):
        from obsctl.core.auth import header_value

        out["headers"] = {"X-Scope-OrgID": header_value(env[p + "TENANT"], p + "TENANT")}
    for opt in backend_spec(backend).options:
        # Plain options come from OBSCTL_<BACKEND>_<KEY> too (e.g. OBSCTL_ELASTICSEARCH_INDEX).
        if opt.kind not in ("roles", "section") and env.get(p + opt.key.upper()):
            out[opt.key] = env[p + opt.key.upper()]
    return out


def _parse_backend(
    name: str,
    block: Mapping[str, Any],
    where: str,
    source: str,
    url_where: str | None = None,
    names: Mapping[str, str] | None = None,
) -> BackendSettings:
    spec = backend_spec(name)
    names = names or {}
    allowed = allowed_keys(spec)
    unknown = set(block) - set(allowed)
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"{where}.{key}: unknown key", hint=f"known keys: {', '.join(allowed)}")
    url = str(block["url"]).strip()
    check_url(url, url_where or f"{where}.url")
    auth = parse_auth(block.get("auth"), f"{where}.auth")
    parts = urlsplit(url)
    if parts.username is not None:
        # user:password@ in the URL becomes basic auth, so it never appears in messages or logs.
        from urllib.parse import unquote

        if auth.kind == "none":
            auth = AuthSettings(
                kind="basic",
                username=unquote(parts.username),
                secret=SecretRef(value=unquote(parts.password or "")),
            )
        host = parts.netloc.rsplit("@", 1)[1]
        url = parts._replace(netloc=host).geturl()
    return BackendSettings(
        name=name,
        url=url.rstrip("/"),
        auth=auth,
        headers=parse_headers(block.get("headers"), f"{where}.headers"),
        tls=parse_tls(block.get("tls"), f"{where}.tls"),
        proxy_url=_opt_url(block.get("proxy_url"), f"{where}.proxy_url"),
        timeout=_seconds(block.get("timeout", DEFAULT_TIMEOUT), names.get("timeout", f"{where}.timeout")),
        connect_timeout=(
            None
            if block.get("connect_timeout") is None
            else _seconds(block["connect_timeout"], f"{where}.connect_timeout")
        ),
        retries=_int(block.get("retries", DEFAULT_RETRIES), names.get("retries", f"{where}.retries")),
        options=parse_options(spec, block, where, names),
        source=source,
        url_where=url_where,
    )


def check_url(url: str, where: str) -> None:
    """Raise ConfigError (exit 2) unless `url` is an absolute http(s) URL with a host and valid port."""
    from obsctl.core.urls import validate_url

    validate_url(url, where)


def _opt_url(value: Any, where: str) -> str | None:
    if value in (None, ""):
        return None
    from obsctl.core.urls import PROXY_SCHEMES, validate_url

    return validate_url(str(value), where, schemes=PROXY_SCHEMES, example="http://proxy:3128")


def _seconds(value: Any, where: str) -> float:
    from obsctl.core.timeparse import duration_seconds

    try:
        return duration_seconds(value, where)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _int(value: Any, where: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: expected a whole number, got {value!r}") from None
    if number < 0 or isinstance(value, bool):
        raise ConfigError(f"{where}: expected a whole number >= 0, got {value!r}")
    return number


def write_config_atomic(path: Path, data: Mapping[str, Any]) -> Path | None:
    """Write the contexts file atomically (temp file + rename), mode 0600.

    YAML round-trips drop comments, so when the old file had any we keep it as `<name>.bak` and
    return that path for the caller to mention: nothing the user wrote is lost silently.
    """
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    backup: Path | None = None
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if any(line.lstrip().startswith("#") for line in old.splitlines()):
            backup = path.with_name(path.name + ".bak")
            backup.write_text(old, encoding="utf-8")
    text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, default_flow_style=False)
    fd, tmp = tempfile.mkstemp(prefix=".obsctl-", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return backup
