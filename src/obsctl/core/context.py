"""AppContext: what a command reaches for (settings, output, clients), built once per run.

Everything nondeterministic comes in through Seams, so tests pass their own env, streams, clock and
HTTP transport: `CliRunner().invoke(app, args, obj=Seams(...))`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from obsctl.core.errors import UsageError
from obsctl.core.output import Output

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from typing import IO, Any

    import httpx
    import typer

    from obsctl.core.http import ApiClient
    from obsctl.core.settings import BackendSettings, Settings


def _utcnow() -> datetime:
    """timeparse.utcnow, imported on first use (most runs never ask for the time)."""
    from obsctl.core.timeparse import utcnow

    return utcnow()


@dataclass
class Seams:
    """The outside world, replaceable in tests."""

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    stdout: IO[str] | None = None
    stderr: IO[str] | None = None
    stdout_isatty: bool | None = None
    transport: httpx.BaseTransport | None = None
    now: Callable[[], datetime] = _utcnow
    sleep: Callable[[float], None] = time.sleep


class AppContext:
    """Per-invocation state shared by every command; clients are built lazily and cached."""

    def __init__(
        self,
        seams: Seams,
        *,
        context: str | None = None,
        config: str | None = None,
        no_color: bool = False,
        debug: bool = False,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.seams = seams
        self.env = seams.env
        self.context_flag = context
        self.config_flag = config
        self.debug = debug
        self.overrides: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (overrides or {}).items()}
        self.out = Output(
            seams.stdout,
            seams.stderr,
            is_tty=seams.stdout_isatty,
            color=False if no_color else None,
            env=seams.env,
        )
        self._settings: Settings | None = None
        self._clients: dict[str, ApiClient] = {}

    @staticmethod
    def of(ctx: typer.Context) -> AppContext:
        """The AppContext of this run (set by the root callback), found from any sub-command."""
        root = ctx.find_root()
        obj = root.obj
        if isinstance(obj, AppContext):
            return obj
        # Called without the root callback (e.g. a sub-app invoked alone in a test).
        actx = AppContext(obj if isinstance(obj, Seams) else Seams())
        root.obj = actx
        return actx

    @staticmethod
    def with_url(ctx: typer.Context, backend: str, url: str | None) -> AppContext:
        """The AppContext of this run with a command's `--url` applied to `backend` before settings
        are read, so every signal's `--url` overrides the same way.

        The flag's own callback (core/params.url_option) has already rejected a bad URL with exit 2,
        and load_settings checks it again under the flag's name, so nothing is checked here.
        """
        actx = AppContext.of(ctx)
        if url:
            actx.override(backend, url=url)
        return actx

    def now(self) -> datetime:
        return self.seams.now()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from obsctl.core.settings import load_settings

            self._settings = load_settings(
                self.env,
                config_flag=self.config_flag,
                context_flag=self.context_flag,
                overrides=self.overrides,
            )
        return self._settings

    def override(self, backend: str, *, url_flag: str = "--url", **values: Any) -> None:
        """Apply per-command flags (e.g. --url) before settings are first read; `url_flag` is the
        flag a `url` came from, so messages about that URL name what the user typed."""
        clean = {k: v for k, v in values.items() if v is not None}
        if not clean:
            return
        if "url" in clean:
            clean["url_flag"] = url_flag
        self.overrides.setdefault(backend, {}).update(clean)
        self._settings = None
        self._clients.pop(backend, None)

    def backend_settings(self, backend: str) -> BackendSettings | None:
        return self.settings.backend(backend)

    def client(self, backend: str) -> ApiClient:
        """The configured client for a backend; a clear usage error if none is configured."""
        if backend in self._clients:
            return self._clients[backend]
        settings = self.backend_settings(backend)
        if settings is None:
            ctx = self.settings.context
            where = f"context {ctx!r}" if ctx else "no context is selected"
            raise UsageError(
                f"no {backend} URL configured ({where})",
                hint=(
                    f"set OBSCTL_{backend.upper()}_URL, pass --url, or run "
                    f"`obsctl config set-context NAME --{backend}-url URL`"
                ),
            )
        from obsctl.core.http import build_client

        client = build_client(
            settings,
            context=self.settings.context,
            env=self.env,
            debug=self.debug,
            stderr=self.out.stderr,
            transport=self.seams.transport,
            sleep=self.seams.sleep,
        )
        self._clients[backend] = client
        return client

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
