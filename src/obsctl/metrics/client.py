"""Prometheus HTTP API v1 over the shared client layer (auth, TLS, tenant headers, retries).

Every call returns the `data` of the `{"status","data","warnings","infos"}` envelope together with
the server's warnings and infos, so commands can show them instead of dropping them as promtool
does. Error envelopes become ObsctlError kinds: `bad_data` (a PromQL syntax error, a bad step) is
the user's input, so it exits 2 with the server's message and position; everything else is a
backend error (exit 3) carrying the server's own words.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from obsctl.core.errors import BackendError, UsageError

if TYPE_CHECKING:
    from obsctl.core.http import ApiClient, Response

API = "/api/v1"
# Bodies above this are decoded with the cyclic GC off (research/dependencies.md s7: ~35-45 % faster).
_BIG_BODY = 256 * 1024
_POSITION = re.compile(r"(?:^|\s)(\d+):(\d+):\s")
_PARAM_PREFIX = re.compile(r'^invalid parameter "[^"]+":\s*')


@dataclass(frozen=True)
class ApiResult:
    """One successful answer: the envelope's `data` plus what the server wanted us to know."""

    data: Any
    warnings: tuple[str, ...] = ()
    infos: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueryParams:
    """Optional knobs shared by the query endpoints."""

    timeout: str | None = None
    limit: int | None = None
    stats: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)

    def as_form(self) -> dict[str, str]:
        form: dict[str, str] = {}
        if self.timeout:
            form["timeout"] = self.timeout
        if self.limit:
            form["limit"] = str(self.limit)
        if self.stats:
            form["stats"] = "all"
        form.update(self.extra)
        return form


def loads(raw: bytes) -> Any:
    """Decode a JSON body fast: orjson when installed, the GC off for large bodies."""
    big = len(raw) > _BIG_BODY
    was_enabled = gc.isenabled()
    if big and was_enabled:
        gc.disable()
    try:
        try:
            import orjson
        except ImportError:  # pragma: no cover - orjson is optional
            import json

            return json.loads(raw)
        return orjson.loads(raw)
    finally:
        if big and was_enabled:
            gc.enable()


class PromClient:
    """A Prometheus-compatible server (Prometheus, Thanos, Mimir with `path_prefix`, VictoriaMetrics)."""

    def __init__(self, api: ApiClient, *, timeout: float | None = None) -> None:
        self.api = api
        self.timeout = timeout  # per request; None keeps the context's (health passes its probe's)

    # --- transport ------------------------------------------------------------------------
    def call(
        self,
        path: str,
        form: Sequence[tuple[str, str]] | Mapping[str, str] | None = None,
        *,
        post: bool = False,
        expr: str | None = None,
    ) -> ApiResult:
        """One API call; with `post`, a form POST (long PromQL fits) falling back to GET on 405."""
        pairs = list(form.items()) if isinstance(form, Mapping) else list(form or [])
        if post:
            response = self.api.request(
                "POST", API + path, data=_form(pairs), check=False, idempotent=True, timeout=self.timeout
            )
            if response.status_code in (405, 501):
                response = self.api.request(
                    "GET", API + path, params=pairs, check=False, timeout=self.timeout
                )
        else:
            response = self.api.request(
                "GET", API + path, params=pairs or None, check=False, timeout=self.timeout
            )
        return self._envelope(response, expr)

    def _envelope(self, response: Response, expr: str | None) -> ApiResult:
        status = response.status_code
        body: Any = None
        try:
            body = loads(response.content) if response.content else None
        except ValueError:
            body = None
        if status >= 400 or not isinstance(body, dict) or body.get("status") != "success":
            if isinstance(body, dict) and body.get("status") == "error" and status not in (401, 403):
                raise self._api_error(response, body, expr)
            # Auth, proxies' HTML pages, empty bodies: the shared mapping (exit 3/4) names the URL.
            self.api.raise_for_status(response)
            self.api.decode_json(response)  # raises on a body that is not JSON at all
            raise BackendError(
                f"prometheus at {_where(response)} returned an unexpected body (no success envelope)",
                status=status,
            )
        return ApiResult(
            body.get("data"),
            tuple(str(w) for w in body.get("warnings") or ()),
            tuple(str(i) for i in body.get("infos") or ()),
        )

    def _api_error(self, response: Response, body: Mapping[str, Any], expr: str | None) -> Exception:
        kind = str(body.get("errorType") or "error")
        message = _PARAM_PREFIX.sub("", str(body.get("error") or "").strip())
        if kind == "bad_data":
            return UsageError(promql_error_message(message, expr), hint=_bad_data_hint(message))
        ctx = f" (context {self.api.context})" if self.api.context else ""
        return BackendError(
            f"prometheus at {_where(response)}{ctx} answered {response.status_code} {kind}: {message}",
            hint=_backend_hint(kind),
            status=response.status_code,
            body=response.text[:2000],
        )

    # --- endpoints --------------------------------------------------------------------------
    def query(self, expr: str, time: float | None, params: QueryParams | None = None) -> ApiResult:
        form: dict[str, str] = {"query": expr}
        if time is not None:
            form["time"] = _num(time)
        form.update((params or QueryParams()).as_form())
        return self.call("/query", form, post=True, expr=expr)

    def query_range(
        self, expr: str, start: float, end: float, step: float, params: QueryParams | None = None
    ) -> ApiResult:
        form = {"query": expr, "start": _num(start), "end": _num(end), "step": _num(step)}
        form.update((params or QueryParams()).as_form())
        return self.call("/query_range", form, post=True, expr=expr)

    def series(
        self, matchers: Sequence[str], start: float | None, end: float | None, limit: int | None = None
    ) -> ApiResult:
        form = [("match[]", m) for m in matchers] + _window(start, end)
        if limit:
            form.append(("limit", str(limit)))
        return self.call("/series", form, post=True, expr=matchers[0] if len(matchers) == 1 else None)

    def labels(self, matchers: Sequence[str], start: float | None, end: float | None) -> ApiResult:
        form = [("match[]", m) for m in matchers] + _window(start, end)
        return self.call("/labels", form, post=True, expr=matchers[0] if len(matchers) == 1 else None)

    def label_values(
        self, name: str, matchers: Sequence[str], start: float | None, end: float | None
    ) -> ApiResult:
        from urllib.parse import quote

        form = [("match[]", m) for m in matchers] + _window(start, end)
        return self.call(
            f"/label/{quote(name, safe='')}/values", form, expr=matchers[0] if len(matchers) == 1 else None
        )

    def metadata(self, metric: str | None = None, limit: int | None = None) -> ApiResult:
        form: dict[str, str] = {}
        if metric:
            form["metric"] = metric
        if limit:
            form["limit"] = str(limit)
        return self.call("/metadata", form)

    def targets(self, state: str = "active", pool: str | None = None) -> ApiResult:
        form = {"state": state}
        if pool:
            form["scrapePool"] = pool
        return self.call("/targets", form)

    def rules(self, kind: str | None = None) -> ApiResult:
        return self.call("/rules", {"type": kind} if kind else None)

    def alerts(self) -> ApiResult:
        return self.call("/alerts")

    def exemplars(self, expr: str, start: float, end: float) -> ApiResult:
        form = {"query": expr, "start": _num(start), "end": _num(end)}
        return self.call("/query_exemplars", form, post=True, expr=expr)

    def buildinfo(self) -> ApiResult:
        return self.call("/status/buildinfo")


def _form(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields for httpx; repeated keys (`match[]`) become lists, order kept."""
    form: dict[str, list[str]] = {}
    for key, value in pairs:
        form.setdefault(key, []).append(value)
    return form


def _window(start: float | None, end: float | None) -> list[tuple[str, str]]:
    out = []
    if start is not None:
        out.append(("start", _num(start)))
    if end is not None:
        out.append(("end", _num(end)))
    return out


def _num(value: float) -> str:
    """Unix seconds as Prometheus reads them: integers without `.0`, else millisecond precision."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _where(response: Response) -> str:
    from obsctl.core.http import redact_url

    return redact_url(response.request.url.copy_with(query=None))


def promql_error_message(message: str, expr: str | None) -> str:
    """`bad PromQL: 1:5: parse error: ...` plus the expression line with a caret under the position."""
    match = _POSITION.search(" " + message)
    if not expr or "parse error" not in message or not match:
        return f"invalid input: {message}" if "parse error" not in message else f"bad PromQL: {message}"
    line_no, col = int(match.group(1)), int(match.group(2))
    lines = expr.splitlines() or [expr]
    if not 1 <= line_no <= len(lines):
        return f"bad PromQL: {message}"
    line = lines[line_no - 1]
    caret = " " * (min(max(col, 1), len(line) + 1) - 1) + "^"
    return f"bad PromQL: {message}\n  {line}\n  {caret}"


def _bad_data_hint(message: str) -> str | None:
    if "11,000 points" in message or "11000" in message:
        return "use a larger --step or a shorter window"
    if "parse error" in message:
        return "check the expression; `promtool promql format` or the Prometheus UI show its structure"
    return None


def _backend_hint(kind: str) -> str | None:
    return {
        "timeout": "the query took too long: narrow the selector, shorten the window or pass --timeout",
        "execution": "the expression parsed but could not be evaluated on this data",
        "unavailable": "the server is starting or overloaded; retry shortly",
    }.get(kind)
