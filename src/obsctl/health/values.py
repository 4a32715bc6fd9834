"""Value readers for probes files: each names the field it read in its error (exit 2)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from obsctl.core.errors import ConfigError
from obsctl.health.kinds import Secret
from obsctl.health.model import Threshold


def _mapping(body: Any, where: str, example: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ConfigError(f"{where}: must be a mapping like {example}")
    return body


def _shorthand(body: Any, where: str, key: str, example: str) -> dict[str, Any]:
    """A kind's settings: a mapping, or a lone string that stands for its main key (`http: URL`)."""
    if isinstance(body, str):
        body = {key: body}
    return _mapping(body, where, example)


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


def _opt_str(value: Any, where: str) -> str | None:
    return None if value is None else _str(value, where)
