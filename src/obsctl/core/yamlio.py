"""One way to read YAML: libyaml's C loader wherever PyYAML was built with it.

PyYAML's pure-Python loader is 5-10x slower than the libyaml-backed `CSafeLoader`; every YAML the
tool reads (contexts, probes, alertmanager.yml, case files, rule files) goes through here so none
falls back to the slow path by accident. PyYAML itself is imported on first use, not at start-up.
"""

from __future__ import annotations

from typing import Any

__all__ = ["YAMLError", "load", "safe_loader"]


class YAMLError(ValueError):
    """Raised by `load` for text that is not valid YAML; the message keeps PyYAML's line/column."""


def safe_loader() -> Any:
    """The fastest safe Loader class PyYAML offers here (`CSafeLoader`, else `SafeLoader`)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str | bytes) -> Any:
    """Parse one YAML document safely (no arbitrary tags) with libyaml when available."""
    import yaml

    try:
        return yaml.load(text, Loader=safe_loader())  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise YAMLError(str(exc)) from exc
