"""Credentials in one place: secrets resolved from inline values, files (re-read on every request,
so rotated tokens are picked up) or env vars, and the headers that carry them."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Generator, Mapping
from typing import Any, Protocol

import httpx

from obsctl.core.errors import ConfigError
from obsctl.core.settings import BackendSettings, SecretRef


class SecretSource(Protocol):
    """Anything naming a secret inline, by file or by env var (SecretRef, health's Secret)."""

    @property
    def value(self) -> str | None: ...
    @property
    def file(self) -> str | None: ...
    @property
    def env(self) -> str | None: ...


def read_secret(ref: SecretSource, env: Mapping[str, str], where: str) -> str:
    """Resolve a secret now; files are re-read on every call so rotated tokens are picked up."""
    if ref.value is not None:
        return ref.value
    if ref.file is not None:
        try:
            with open(os.path.expanduser(ref.file), encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read secret file {ref.file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{where}: secret file {ref.file} is not UTF-8 text") from None
    if ref.env is not None:
        value = env.get(ref.env)
        if value is None:
            raise ConfigError(f"{where}: environment variable {ref.env} is not set")
        return value
    return ""


# What an HTTP/1.1 header value may hold as httpx sends it: visible ASCII, space and tab.
_BAD_HEADER_CHAR = re.compile(r"[^\t\x20-\x7e]")


def header_value(value: str, where: str) -> str:
    """`value` if HTTP can carry it as a header, else ConfigError (exit 2) naming `where`.

    httpx encodes header values as ASCII (UnicodeEncodeError otherwise) and a line break would
    split the request; the message gives the position only, as the value may be a secret.
    """
    bad = _BAD_HEADER_CHAR.search(value)
    if bad is None:
        return value
    if ord(bad.group()) > 0x7F:
        what, hint = "a non-ASCII character", None
    else:
        what, hint = (
            "a line break or control character",
            "a token file holds the token alone (end blanks are trimmed)",
        )
    raise ConfigError(
        f"{where}: {what} at position {bad.start() + 1}; HTTP header values must be ASCII text on one line",
        hint=hint,
    )


def static_headers(settings: BackendSettings) -> dict[str, str]:
    """Configured headers whose values are plain text (no file or env secret)."""
    return {
        n: header_value(h.value, f"{settings.name}.headers.{n}")
        for n, h in settings.headers.items()
        if not h.secret and h.value is not None
    }


def _origin(ref: Any, where: str) -> str:
    """Name a secret by where its text came from: the environment variable when it is one."""
    return str(ref.env) if getattr(ref, "env", None) else where


def auth_headers(settings: BackendSettings, env: Mapping[str, str], where: str) -> dict[str, str]:
    """Authorization (basic, bearer, api_key) and file/env-sourced headers, resolved now.

    httpx clients apply it per request (so rotated files are picked up); `metrics export` sets it on
    its requests session.
    """
    out: dict[str, str] = {}
    auth = settings.auth
    if auth.kind == "basic":
        password = read_secret(auth.secret, env, f"{where}.auth.basic")
        pair = f"{auth.username or ''}:{password}".encode()
        out["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    elif auth.kind == "bearer":
        token = read_secret(auth.secret, env, f"{where}.auth.bearer")
        out["Authorization"] = "Bearer " + header_value(token, _origin(auth.secret, f"{where}.auth.bearer"))
    elif auth.kind == "api_key":
        key = read_secret(auth.secret, env, f"{where}.auth.api_key")
        out["Authorization"] = "ApiKey " + header_value(key, _origin(auth.secret, f"{where}.auth.api_key"))
    for name, header in settings.headers.items():
        if header.secret:
            value = read_secret(SecretRef(file=header.file, env=header.env), env, f"{where}.headers.{name}")
            out[name] = header_value(value, _origin(header, f"{where}.headers.{name}"))
    return out


class SettingsAuth(httpx.Auth):
    """Applies the configured auth and secret headers per request (files re-read each time)."""

    def __init__(self, settings: BackendSettings, env: Mapping[str, str], where: str) -> None:
        self.settings = settings
        self.env = env
        self.where = where

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(auth_headers(self.settings, self.env, self.where))
        yield request
