"""`obsctl metrics export`: long ranges in chunks, to CSV (always) or Parquet (the `export` extra).

CSV goes through the shared client layer. The window is cut into chunks whose length is a whole
number of steps, so every chunk evaluates on the same grid one long query would use, and no
sample is fetched twice. Samples are spooled to a temporary file while the label columns are
collected, so a month of data never has to fit in memory.

Parquet goes through prometheus-api-client (`pip install 'obsctl[export]'`): its requests session is
configured from the same context (URL, path prefix, headers, auth, TLS, retries) and its
MetricRangeDataFrame builds the data frame. It stays off the query path (research/dependencies.md).
"""

from __future__ import annotations

import math
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from obsctl.core.errors import AuthError, BackendError, UnreachableError, UsageError
from obsctl.metrics.query import _csv_row, _ts_text, label_names
from obsctl.metrics.window import MAX_POINTS

if TYPE_CHECKING:
    from obsctl.core.settings import BackendSettings
    from obsctl.metrics.client import PromClient

EXTRA_HINT = "pip install 'obsctl[export]'  (prometheus-api-client, pandas, pyarrow)"
DEFAULT_CHUNK = 86400.0
CHUNK_POINTS = 10_000

Progress = Callable[[int, int, int], None]  # chunks done, chunks total, samples so far


@dataclass(frozen=True)
class ExportPlan:
    """A validated export: [start, end] every `step` seconds, fetched `chunk` seconds at a time."""

    expr: str
    start: float
    end: float
    step: float
    chunk: float = DEFAULT_CHUNK

    def chunks(self) -> list[tuple[float, float]]:
        """Non-overlapping [from, to] pairs on the step grid that together cover the window."""
        per = max(1, min(math.floor(self.chunk / self.step), CHUNK_POINTS, MAX_POINTS))
        width = per * self.step
        out = []
        t = self.start
        while t <= self.end:
            last = min(t + (per - 1) * self.step, self.end)
            out.append((t, last))
            t += width
        return out


@dataclass
class ExportSummary:
    """What an export wrote, for the closing line on stderr and for tests."""

    series: int = 0
    samples: int = 0
    chunks: int = 0
    warnings: list[str] = field(default_factory=list)


def export_csv(
    prom: PromClient, plan: ExportPlan, sink: IO[str], progress: Progress | None = None
) -> ExportSummary:
    """Fetch every chunk through the shared layer and write one CSV row per sample."""
    summary = ExportSummary()
    index: dict[tuple[tuple[str, str], ...], int] = {}
    metrics: list[Mapping[str, str]] = []
    chunks = plan.chunks()
    with tempfile.TemporaryFile("w+", encoding="utf-8", prefix="obsctl-export-") as spool:
        for done, (a, b) in enumerate(chunks, 1):
            res = prom.query_range(plan.expr, a, b, plan.step)
            summary.warnings.extend(w for w in res.warnings if w not in summary.warnings)
            data = res.data if isinstance(res.data, dict) else {}
            if data.get("resultType") not in (None, "matrix"):
                raise UsageError(
                    f"export needs a range vector; the query returned a {data.get('resultType')}"
                )
            lines = []
            for entry in data.get("result") or ():
                metric = entry.get("metric") or {}
                key = tuple(sorted(metric.items()))
                sid = index.get(key)
                if sid is None:
                    sid = index[key] = len(metrics)
                    metrics.append(metric)
                for ts, value in entry.get("values") or ():
                    lines.append(f"{sid},{_ts_text(ts)},{value}\n")
            spool.write("".join(lines))
            summary.samples += len(lines)
            summary.chunks = done
            if progress:
                progress(done, len(chunks), summary.samples)
        summary.series = len(metrics)
        names = label_names({"metric": m} for m in metrics)
        sink.write(_csv_row([*names, "timestamp", "value"]))
        prefixes = [_csv_row([m.get(n, "") for n in names] + [""])[:-1] for m in metrics]
        spool.seek(0)
        buf: list[str] = []
        for line in spool:
            sid_text, rest = line.split(",", 1)
            buf.append(prefixes[int(sid_text)] + rest)
            if len(buf) >= 5000:
                sink.write("".join(buf))
                buf.clear()
        sink.write("".join(buf))
    sink.flush()
    return summary


# --- Parquet through prometheus-api-client (optional extra) -----------------------------------


def extra_available() -> bool:
    """True when prometheus-api-client, pandas and pyarrow are importable."""
    import importlib.util

    return all(
        importlib.util.find_spec(m) is not None for m in ("prometheus_api_client", "pandas", "pyarrow")
    )


def requests_options(settings: BackendSettings, env: Mapping[str, str]) -> dict[str, Any]:
    """URL, headers, auth and TLS for a requests session, from the same settings the shared layer uses."""
    from obsctl.core.http import USER_AGENT, auth_headers, static_headers
    from obsctl.core.urls import join_url, proxy_for

    headers = {
        "User-Agent": USER_AGENT,
        **static_headers(settings),
        **auth_headers(settings, env, settings.name),
    }
    tls = settings.tls
    verify: bool | str = True
    if tls.insecure_skip_verify:
        verify = False
    elif tls.ca_file:
        import os

        verify = os.path.expanduser(tls.ca_file)
    cert = (tls.cert_file, tls.key_file) if tls.cert_file and tls.key_file else None
    prefix = str(settings.options.get("path_prefix") or "").rstrip("/")
    # The library appends `/api/v1/...` to its URL: keep the base's query as session-wide params.
    base = urlsplit(join_url(settings.url, prefix or "/"))
    return {
        "url": base._replace(query="").geturl().rstrip("/"),
        "params": parse_qsl(base.query, keep_blank_values=True),
        "headers": headers,
        "auth": None,
        "verify": verify,
        "cert": cert,
        "timeout": settings.timeout,
        "retries": settings.retries,
        "proxy": proxy_for(settings.url, settings.proxy_url, env),
    }


def connect(
    settings: BackendSettings, env: Mapping[str, str], *, debug: bool = False, stderr: IO[str] | None = None
) -> Any:
    """A PrometheusConnect configured like the shared layer: visible retries, not a silent 6 s back-off,
    the same proxy rule and the same redacted `--debug` log."""
    import requests
    from prometheus_api_client import PrometheusConnect
    from urllib3.util.retry import Retry

    opts = requests_options(settings, env)
    session = requests.Session()
    session.trust_env = False  # proxies come from the shared rule (core.urls.proxy_for), as everywhere
    session.params = dict(opts["params"])
    if debug:
        _log_requests(session, stderr, [n for n, h in settings.headers.items() if h.secret])
    session.verify = opts["verify"]
    if opts["cert"]:
        session.cert = opts["cert"]
    retry = Retry(
        total=opts["retries"],
        backoff_factor=0.2,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    pc = PrometheusConnect(
        url=opts["url"],
        headers=opts["headers"],
        auth=opts["auth"],
        session=session,
        retry=retry,
        timeout=opts["timeout"],
        proxy={"http": opts["proxy"], "https": opts["proxy"]} if opts["proxy"] else None,
        method="POST",
    )
    pc.obsctl_proxy = opts["proxy"]  # for error wording: a refused proxy is named as such
    return pc


def _log_requests(session: Any, stderr: IO[str] | None, secret_headers: list[str]) -> None:
    """`--debug` lines for the requests session, in the shared layer's format (secrets redacted)."""
    from obsctl.core.http import DebugLog, redact_headers, redact_url

    log = DebugLog(stderr, secret_headers)

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        request = response.request
        log.note(f"> {request.method} {redact_url(request.url)}")
        for name, value in redact_headers(request.headers.items(), secret_headers):
            log.note(f">   {name}: {value}")
        ms = response.elapsed.total_seconds() * 1000
        log.note(f"< {response.status_code} {request.method} {redact_url(request.url)} in {ms:.0f} ms")

    session.hooks["response"].append(hook)


def fetch_frames(pc: Any, plan: ExportPlan, progress: Progress | None = None) -> Iterator[Any]:
    """Yield one MetricRangeDataFrame per chunk (errors mapped to obsctl's exit codes)."""
    from prometheus_api_client import MetricRangeDataFrame

    chunks = plan.chunks()
    total = 0
    for done, (a, b) in enumerate(chunks, 1):
        data = _call(
            pc.custom_query_range,
            pc.url,
            getattr(pc, "obsctl_proxy", None),
            plan.expr,
            start_time=datetime.fromtimestamp(a, tz=timezone.utc),
            end_time=datetime.fromtimestamp(b, tz=timezone.utc),
            step=_step_text(plan.step),
        )
        total += sum(len(e.get("values") or ()) for e in data)
        if progress:
            progress(done, len(chunks), total)
        if data:
            with warnings.catch_warnings():
                # pandas 3 deprecates the `inplace=` the library still uses; not the user's concern.
                warnings.filterwarnings("ignore", module=r"prometheus_api_client\..*")
                frame = MetricRangeDataFrame(data)
            yield frame


def plural(n: int, word: str) -> str:
    """`1 chunk`, `3 chunks`: closing lines read naturally (core's one plural rule)."""
    from obsctl.core.output import plural as core_plural

    return core_plural(n, word)


def _step_text(step: float) -> str:
    return str(int(step)) if float(step).is_integer() else repr(step)


def write_parquet(frames: Iterator[Any], path: str) -> int:
    """Concatenate the chunk frames and write them; returns the number of rows written."""
    import pandas as pd

    parts = list(frames)
    frame = pd.concat(parts) if parts else pd.DataFrame({"timestamp": [], "value": []}).set_index("timestamp")
    frame.to_parquet(path)
    return len(frame)


def _call(fn: Callable[..., Any], url: str, proxy: str | None, *args: Any, **kwargs: Any) -> Any:
    import requests
    from prometheus_api_client.exceptions import PrometheusApiClientException

    try:
        return fn(*args, **kwargs)
    except PrometheusApiClientException as exc:
        raise _library_error(str(exc), url) from None
    except requests.exceptions.RequestException as exc:
        from obsctl.core.http_errors import describe_error
        from obsctl.core.urls import redact_url

        info = describe_error(_root_cause(exc), proxy=proxy, url=url)
        raise UnreachableError(
            f"cannot reach prometheus at {redact_url(url)}: {info.reason}",
            hint=info.hint or "is prometheus running?",
        ) from None


def _root_cause(exc: BaseException) -> BaseException:
    """requests wraps urllib3 errors (MaxRetryError -> NewConnectionError -> OSError): the innermost
    one carries the words describe_error knows; a proxy failure stays a ProxyError."""
    seen = exc
    while True:
        if "ProxyError" in type(seen).__name__:
            return seen
        nxt = getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
        if not isinstance(nxt, BaseException) or nxt is seen:
            return seen
        seen = nxt


def _library_error(text: str, url: str) -> Exception:
    """prometheus-api-client only says `HTTP Status Code 400 (b'{...}')`: recover the server's words."""
    import ast
    import json
    import re

    match = re.match(r"HTTP Status Code (\d+) \((b'.*'|b\".*\")\)$", text, re.S)
    if not match:
        return BackendError(f"prometheus at {url}: {text}")
    status = int(match.group(1))
    try:
        body = json.loads(ast.literal_eval(match.group(2)))
    except (ValueError, SyntaxError):
        body = {}
    message = str(body.get("error") or "") if isinstance(body, dict) else ""
    kind = str(body.get("errorType") or "") if isinstance(body, dict) else ""
    if status in (401, 403):
        return AuthError(f"prometheus at {url} answered {status}", hint="check the context's auth settings")
    if kind == "bad_data":
        from obsctl.metrics.client import _PARAM_PREFIX

        return UsageError(f"bad PromQL: {_PARAM_PREFIX.sub('', message)}")
    return BackendError(f"prometheus at {url} answered {status}" + (f" {kind}: {message}" if message else ""))
