"""Backend probes against real Prometheus, Alertmanager and blackbox exporter."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback
        return json.load(resp)


def _checks(doc: dict, name: str) -> dict[str, dict]:
    return {r["check"]: r for r in doc["results"] if r["name"] == name}


def test_no_config_probes_system_and_context_backends(run_cli, prometheus, alertmanager):
    import json

    env = {"OBSCTL_PROMETHEUS_URL": prometheus.url, "OBSCTL_ALERTMANAGER_URL": alertmanager.url}
    result = run_cli(["health", "-o", "json"], env=env)
    doc = json.loads(result.stdout)
    names = [r["name"] for r in doc["results"]]
    assert names[0] == "system"
    assert names[-5:] == ["prometheus"] * 3 + ["alertmanager"] * 2
    prom = _checks(doc, "prometheus")
    assert prom["ready"]["status"] == "pass"
    version = _get(f"{prometheus.url}/api/v1/status/buildinfo")["data"]["version"]
    assert version.startswith("2.42.")
    assert prom["build info"]["summary"] == f"version {version}"
    # The shared Prometheus has one target down: a warning under the default threshold.
    assert prom["targets"]["status"] == "warn"
    am = _checks(doc, "alertmanager")
    assert am["ready"]["status"] == "pass"
    am_version = _get(f"{alertmanager.url}/api/v2/status")["versionInfo"]["version"]
    assert am["cluster"]["summary"] == f"clustering disabled, version {am_version}"
    expected_exit = 1 if any(r["status"] == "fail" for r in doc["results"]) else 0
    assert result.exit_code == expected_exit


def test_prometheus_target_down_warns(run_cli, prometheus):
    import json

    result = run_cli(
        ["health", "--skip", "system", "-o", "json"], env={"OBSCTL_PROMETHEUS_URL": prometheus.url}
    )
    doc = json.loads(result.stdout)
    targets = _checks(doc, "prometheus")["targets"]
    assert targets["status"] == "warn"
    dead = prometheus.extra["dead"]
    assert targets["summary"].startswith(
        f"targets down: expected below warn 1, observed 1 of 3 down: exporter/{dead} ("
    )
    assert result.exit_code == 0
    strict = run_cli(
        ["health", "--skip", "system", "--strict"], env={"OBSCTL_PROMETHEUS_URL": prometheus.url}
    )
    assert strict.exit_code == 1
    assert (
        strict.stderr.strip().splitlines()[-1]
        == "obsctl: error: 1 check warned and --strict is set: prometheus"
    )


def test_backend_probe_from_file_with_threshold(run_health, prometheus):
    result, doc = run_health(
        [{"name": "prom", "backend": {"name": "prometheus", "targets_down": {"warn": 5, "fail": 1}}}],
        env={"OBSCTL_PROMETHEUS_URL": prometheus.url},
    )
    assert result.exit_code == 2  # warn above fail is rejected before anything runs
    assert "targets_down: warn (5) is beyond fail (1)" in result.stderr
    result, doc = run_health(
        [{"name": "prom", "backend": {"name": "prometheus", "targets_down": {"fail": 1}}}],
        env={"OBSCTL_PROMETHEUS_URL": prometheus.url},
    )
    assert result.exit_code == 1
    assert _checks(doc, "prom")["targets"]["status"] == "fail"
    result, doc = run_health(
        [{"name": "prom", "backend": {"name": "prometheus", "targets_down": {"warn": 2}}}],
        env={"OBSCTL_PROMETHEUS_URL": prometheus.url},
    )
    assert result.exit_code == 0
    targets = _checks(doc, "prom")["targets"]
    assert (targets["status"], targets["summary"]) == ("pass", "3 active, 1 down")


def test_unreachable_backend_reports_once_and_fails(run_cli):
    import json

    from tests.integration.servers import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli(["health", "--only", "prometheus", "-o", "json"], env={"OBSCTL_PROMETHEUS_URL": url})
    doc = json.loads(result.stdout)
    assert result.exit_code == 1
    assert len(doc["results"]) == 1
    r = doc["results"][0]
    assert (r["check"], r["status"]) == ("ready", "fail")
    assert r["summary"] == f"cannot reach prometheus at {url}: connection refused"


def test_backend_probe_without_url_is_a_usage_error(run_health):
    result, _doc = run_health([{"name": "am", "backend": "alertmanager"}])
    assert result.exit_code == 2
    assert "probes[0] (am).backend.name: no alertmanager URL configured" in result.stderr


def test_blackbox_exporter_checked_with_http_probes(run_health, blackbox, redis):
    probe_url = f"{blackbox.url}/probe?module=tcp_connect&target=127.0.0.1:{redis.port}"
    result, doc = run_health(
        [
            {"name": "bb-healthy", "http": {"url": f"{blackbox.url}/-/healthy"}},
            {"name": "bb-redis", "http": {"url": probe_url, "expect_body": "(?m)^probe_success 1$"}},
        ]
    )
    assert result.exit_code == 0, result.stdout
    assert [r["status"] for r in doc["results"]] == ["pass", "pass"]


def test_prometheus_output_passes_promtool(run_health, target, prometheus, tls_targets, certs, redis):
    # Issue 9.8: every probe kind's metrics, a TLS probe's certificate expiry included.
    tls_url = tls_targets["valid"].url("/ok")
    result, _ = run_health(
        [
            {"name": "ok", "http": {"url": target.url("/ok")}},
            {"name": "bad", "http": {"url": target.url("/status/500")}},
            {"name": "tls", "http": {"url": tls_url, "ca_file": str(certs.ca_file), "cert_days": 1}},
            {"name": "port", "tcp": {"address": f"127.0.0.1:{target.port}"}},
            {"name": "lookup", "dns": {"query": "localhost"}},
            {"name": "cache", "redis": {"address": f"127.0.0.1:{redis.port}"}},
            {"name": "db", "postgres": {"dsn": "host=127.0.0.1 port=1 user=app"}},
            {"name": "machine", "system": {"memory": True, "load": {"warn": 1000, "fail": 2000}}},
            {"name": "me", "process": {"name": "python*", "min": 0}},
            {"name": "cmd", "command": "true"},
            {"name": "prom", "backend": "prometheus"},
        ],
        env={"OBSCTL_PROMETHEUS_URL": prometheus.url},
        fmt="prometheus",
    )
    assert result.exit_code == 1
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=result.stdout, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    lines = result.stdout.splitlines()
    assert f'obsctl_probe_success{{probe="ok",check="GET {target.url("/ok")}",kind="http"}} 1' in lines
    assert (
        f'obsctl_probe_http_status_code{{probe="bad",check="GET {target.url("/status/500")}",kind="http"}} 500'
        in lines
    )
    assert 'obsctl_probe_success{probe="prom",check="ready",kind="backend"} 1' in lines
    assert "obsctl_health_success 0" in lines
    assert 'obsctl_health_checks{status="fail"} 2' in lines  # bad, and db (no server / no driver)
    kinds = {
        line.split('kind="')[1].split('"')[0] for line in lines if line.startswith("obsctl_probe_success{")
    }
    assert kinds == {"http", "tcp", "dns", "redis", "postgres", "system", "process", "command", "backend"}
    expiry = [line for line in lines if line.startswith("obsctl_probe_tls_cert_expiry_timestamp_seconds{")]
    assert len(expiry) == 1 and 'probe="tls"' in expiry[0]
    assert float(expiry[0].rsplit(" ", 1)[1]) > time.time()
