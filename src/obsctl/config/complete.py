"""Context names for TAB (`--context <TAB>`, `config use-context <TAB>`), cheap enough for every press.

Reads the same files as `obsctl.core.settings.config_paths` (kept in step by a test) with os.path
and PyYAML's C loader only; any problem with the files completes nothing rather than failing.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing itself is not imported on the TAB path
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def _default_path(env: Mapping[str, str]) -> str:
    if env.get("XDG_CONFIG_HOME"):
        return os.path.join(env["XDG_CONFIG_HOME"], "obsctl", "config.yaml")
    if sys.platform == "win32" and env.get("APPDATA"):
        return os.path.join(env["APPDATA"], "obsctl", "config.yaml")
    home = env.get("HOME") or os.path.expanduser("~")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Application Support", "obsctl", "config.yaml")
    return os.path.join(home, ".config", "obsctl", "config.yaml")


def contexts_files(env: Mapping[str, str], flag: str | None) -> list[str]:
    """--config, else OBSCTL_CONFIG (several joined by os.pathsep), else the platform default."""
    spec = flag or env.get("OBSCTL_CONFIG")
    if spec:
        return [os.path.expanduser(p) for p in spec.split(os.pathsep) if p]
    return [_default_path(env)]


def context_names(env: Mapping[str, str], flag: str | None, incomplete: str) -> list[str]:
    """Sorted context names starting with `incomplete`, from every contexts file that parses."""
    names: set[str] = set()
    for path in contexts_files(env, flag):
        try:
            with open(path, "rb") as fh:
                raw = fh.read(4 * 1024 * 1024)
        except OSError:
            continue
        data = _load(raw)
        contexts = data.get("contexts") if isinstance(data, dict) else None
        if isinstance(contexts, dict):
            names.update(str(name) for name in contexts)
    return sorted(n for n in names if n.startswith(incomplete))


def _load(raw: bytes) -> Any:
    """The file's document, or None when it is unreadable: TAB offers nothing rather than failing."""
    from obsctl.core.yamlio import YAMLError, load

    try:
        return load(raw.decode("utf-8"))
    except (UnicodeDecodeError, YAMLError):
        return None


def complete_context(ctx: object, incomplete: str) -> list[str]:
    """typer `autocompletion=` for context names; the TAB table marks options that use it.

    (Annotations here are evaluated by typer at build time: only builtins.)
    """
    find_root = getattr(ctx, "find_root", None)
    params = getattr(find_root(), "params", {}) if find_root is not None else {}
    flag = params.get("config")
    return context_names(os.environ, flag if isinstance(flag, str) else None, incomplete)
