"""The observability stack's own health, each backend through its proper endpoints and the shared
client layer (auth, TLS, retries and error messages from core.http):

- prometheus: `/-/ready`, then build info and active targets through metrics' PromClient
- alertmanager: `/-/ready`, then the status (cluster state, peers, version) through alerts' client
- elasticsearch: `/_cluster/health`, age of the newest document in the logs index (data freshness)
- jaeger: services through obsctl.traces.client (api_v3, falling back to the v1 API)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from obsctl.core.errors import BackendError, ObsctlError
from obsctl.core.timeparse import to_rfc3339
from obsctl.health.config import BackendConfig
from obsctl.health.model import FAIL, PASS, WARN, Assertion, CheckResult, ProbeSpec
from obsctl.health.probes import ProbeEnv, elapsed_ms, error_result, excerpt, make_result

DEFAULT_LOGS_INDEX = "logs-*"
DEFAULT_TIMESTAMP_FIELD = "@timestamp"


class _Stop(Exception):
    """The backend is unreachable: later checks would only repeat the same error."""


def run_backend(spec: ProbeSpec, penv: ProbeEnv, timeout: float) -> list[CheckResult]:
    cfg: BackendConfig = spec.config
    client = penv.clients.get(cfg.backend)
    if client is None:
        return [error_result(spec, f"{cfg.backend}", f"no {cfg.backend} URL configured")]
    checks = _CHECKS[cfg.backend]
    out: list[CheckResult] = []
    for check in checks:
        started = time.perf_counter()
        try:
            result = check(spec, cfg, client, timeout, penv)
        except _Stop as exc:
            out.append(
                error_result(
                    spec,
                    str(exc.args[0]),
                    str(exc.args[1]),
                    target=client.base_url,
                    duration_ms=elapsed_ms(started),
                )
            )
            break
        out.append(_timed(result, started))
    return out


def _timed(result: CheckResult, started: float) -> CheckResult:
    from dataclasses import replace

    return replace(result, duration_ms=elapsed_ms(started))


def _get(client: Any, path: str, timeout: float, check: str, params: Any = None) -> Any:
    """GET with the shared client; unreachable or auth errors stop the backend's checks."""
    from obsctl.core.errors import AuthError, UnreachableError

    try:
        return client.request("GET", path, params=params, timeout=timeout, check=False)
    except (UnreachableError, AuthError) as exc:
        raise _Stop(check, exc.message) from None


def _ready(spec: ProbeSpec, cfg: BackendConfig, client: Any, timeout: float, penv: ProbeEnv) -> CheckResult:
    check = "ready"
    resp = _get(client, "/-/ready", timeout, check)
    if resp.status_code == 200:
        return make_result(
            spec,
            check,
            [Assertion(check, PASS, observed="200")],
            target=f"{client.base_url}/-/ready",
            ok_summary="ready",
        )
    if resp.status_code in (401, 403):
        raise _Stop(check, f"HTTP {resp.status_code}: check the credentials of {cfg.backend} in this context")
    text = excerpt(resp.text, 120) or resp.reason_phrase
    return make_result(
        spec,
        check,
        [Assertion(check, FAIL, expected="200", observed=f"{resp.status_code} {text}")],
        target=f"{client.base_url}/-/ready",
    )


def _json(client: Any, resp: Any, check: str) -> Any:
    from obsctl.core.errors import AuthError

    try:
        client.raise_for_status(resp)
        return client.decode_json(resp)
    except AuthError as exc:
        # Refused credentials fail every later check the same way: report once and stop.
        raise _Stop(check, exc.message) from None
    except ObsctlError as exc:
        raise _Soft(check, exc.message) from None


class _Soft(Exception):
    """This check failed, the next ones may still work."""


def _soft(fn: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    def wrapped(
        spec: ProbeSpec, cfg: BackendConfig, client: Any, timeout: float, penv: ProbeEnv
    ) -> CheckResult:
        try:
            return fn(spec, cfg, client, timeout, penv)
        except _Soft as exc:
            check, message = exc.args
            return error_result(spec, str(check), str(message), target=client.base_url)

    wrapped.__name__ = fn.__name__
    return wrapped


def _api(check: str, call: Callable[[], Any]) -> Any:
    """One typed-client call: unreachable or refused credentials stop the backend's checks,
    any other error fails only this check."""
    from obsctl.core.errors import AuthError, UnreachableError

    try:
        return call()
    except (UnreachableError, AuthError) as exc:
        raise _Stop(check, exc.message) from None
    except ObsctlError as exc:
        if isinstance(exc, BackendError) and exc.status == 404 and check == "build info":
            return None  # not served: a Prometheus-compatible server without the endpoint
        raise _Soft(check, exc.message) from None


def _prom(client: Any, timeout: float) -> Any:
    from obsctl.metrics.client import PromClient

    return PromClient(client, timeout=timeout)


@_soft
def _build_info(
    spec: ProbeSpec, cfg: BackendConfig, client: Any, timeout: float, penv: ProbeEnv
) -> CheckResult:
    res = _api("build info", _prom(client, timeout).buildinfo)
    if res is None:
        a = Assertion("build info", WARN, observed="not served (a Prometheus-compatible server?)")
        return make_result(spec, "build info", [a], target=client.base_url)
    data = res.data if isinstance(res.data, dict) else {}
    version = data.get("version", "unknown")
    a = Assertion("build info", PASS, observed=str(version))
    return make_result(
        spec,
        "build info",
        [a],
        target=client.base_url,
        ok_summary=f"version {version}",
        observed={"version": version, "revision": data.get("revision")},
    )


@_soft
def _targets(spec: ProbeSpec, cfg: BackendConfig, client: Any, timeout: float, penv: ProbeEnv) -> CheckResult:
    res = _api("targets", lambda: _prom(client, timeout).targets("active"))
    data = res.data if isinstance(res.data, dict) else {}
    active = data.get("activeTargets") or []
    down = [t for t in active if t.get("health") == "down"]
    status = cfg.targets_down.evaluate(len(down))
    names = [
        f"{t.get('labels', {}).get('job', '?')}/{t.get('labels', {}).get('instance', t.get('scrapeUrl', '?'))}"
        + (f" ({excerpt(t['lastError'], 60)})" if t.get("lastError") else "")
        for t in down
    ]
    observed = f"{len(down)} of {len(active)} down" + (": " + "; ".join(names[:3]) if names else "")
    a = Assertion("targets down", status, expected=f"below {cfg.targets_down.describe()}", observed=observed)
    return make_result(
        spec,
        "targets",
        [a],
        target=client.base_url,
        ok_summary=f"{len(active)} active, {len(down)} down",
        observed={"active": len(active), "down": len(down), "down_targets": names},
    )


@_soft
def _am_status(
    spec: ProbeSpec, cfg: BackendConfig, client: Any, timeout: float, penv: ProbeEnv
) -> CheckResult:
    from obsctl.alerts.client import AlertmanagerClient

    # The Alertmanager client has no per-call timeout; the runner still cuts the probe at its deadline.
    data = _api("cluster", AlertmanagerClient(client).status)
    cluster = data.get("cluster") or {}
    state = cluster.get("status", "unknown")
    peers = cluster.get("peers") or []
    version = (data.get("versionInfo") or {}).get("version")
    status = {"ready": PASS, "disabled": PASS, "settling": WARN}.get(state, FAIL)
    detail = "clustering disabled" if state == "disabled" else f"cluster {state}, {len(peers)} peer(s)"
    a = Assertion("cluster", status, expected="ready or disabled", observed=state)
    return make_result(
        spec,
        "cluster",
        [a],
        target=client.base_url,
        ok_summary=f"{detail}, version {version}",
        observed={"cluster_status": state, "peers": len(peers), "version": version},
    )


@_soft
def _es_health(
    spec: ProbeSpec, cfg: BackendConfig, client: Any, timeout: float, penv: ProbeEnv
) -> CheckResult:
    from obsctl.core.errors import AuthError, UnreachableError
    from obsctl.logs.client import cluster_health

    try:
        data = cluster_health(client, timeout)
    except (UnreachableError, AuthError) as exc:
        raise _Stop("cluster health", exc.message) from None
    except ObsctlError as exc:
        raise _Soft("cluster health", exc.message) from None
    color = data.get("status", "unknown")
    status = {"green": PASS, "yellow": WARN}.get(color, FAIL)
    detail = f"{color}, {data.get('number_of_nodes', '?')} node(s), {data.get('unassigned_shards', '?')} unassigned shard(s)"
    a = Assertion("cluster health", status, expected="green", observed=detail)
    return make_result(
        spec,
        "cluster health",
        [a],
        target=client.base_url,
        ok_summary=detail,
        observed={
            "cluster_status": color,
            "cluster_name": data.get("cluster_name"),
            "nodes": data.get("number_of_nodes"),
            "unassigned_shards": data.get("unassigned_shards"),
        },
    )


@_soft
def _es_freshness(
    spec: ProbeSpec, cfg: BackendConfig, client: Any, timeout: float, penv: ProbeEnv
) -> CheckResult:
    from obsctl.core.timeparse import format_duration

    options = client.settings.options
    index = cfg.index or options.get("index") or DEFAULT_LOGS_INDEX
    field = cfg.timestamp_field or options.get("timestamp_field") or DEFAULT_TIMESTAMP_FIELD
    check = f"freshness {index}"
    from obsctl.core.errors import AuthError, UnreachableError
    from obsctl.logs.client import newest_document

    try:
        newest = newest_document(client, index, field, timeout)
    except (UnreachableError, AuthError) as exc:
        raise _Stop(check, exc.message) from None
    except ObsctlError as exc:
        raise _Soft(check, exc.message) from None
    except LookupError:
        a = Assertion("newest document", WARN, expected=f"a document in {index}", observed="no documents")
        return make_result(spec, check, [a], target=f"{client.base_url}/{index}")
    if newest is None:
        a = Assertion(
            "newest document",
            WARN,
            expected=f"a {field} timestamp",
            observed="no timestamp in the newest document",
        )
        return make_result(spec, check, [a], target=f"{client.base_url}/{index}")
    age_ms = max(0.0, (penv.now() - newest).total_seconds() * 1000)
    status = cfg.freshness.evaluate(age_ms)
    age = format_duration(float(round(age_ms / 1000)))
    limits = f"warn {format_duration((cfg.freshness.warn or 0) / 1000)}, fail {format_duration((cfg.freshness.fail or 0) / 1000)}"
    a = Assertion("newest document", status, expected=f"younger than {limits}", observed=f"{age} old")
    return make_result(
        spec,
        check,
        [a],
        target=f"{client.base_url}/{index}",
        ok_summary=f"newest document {age} old",
        observed={
            "newest": to_rfc3339(newest),
            "age_seconds": round(age_ms / 1000, 3),
            "index": index,
            "timestamp_field": field,
        },
    )


@_soft
def _jaeger_services(
    spec: ProbeSpec, cfg: BackendConfig, client: Any, timeout: float, penv: ProbeEnv
) -> CheckResult:
    from obsctl.core.errors import AuthError, UnreachableError
    from obsctl.traces.client import JaegerClient

    try:
        services, api = JaegerClient(client, timeout=timeout).list_services()
    except (UnreachableError, AuthError) as exc:
        raise _Stop("services", exc.message) from None
    except ObsctlError as exc:
        raise _Soft("services", exc.message) from None
    status = PASS if services else WARN
    a = Assertion("services", status, expected="at least one service", observed=str(len(services)))
    shown = ", ".join(services[:5]) + ("…" if len(services) > 5 else "")
    return make_result(
        spec,
        "services",
        [a],
        target=client.base_url,
        ok_summary=f"{len(services)} service(s): {shown}" if services else "",
        observed={"services": services, "api": api},
    )


_CHECKS: dict[str, list[Callable[..., CheckResult]]] = {
    "prometheus": [_ready, _build_info, _targets],
    "alertmanager": [_ready, _am_status],
    "elasticsearch": [_es_health, _es_freshness],
    "jaeger": [_jaeger_services],
}
