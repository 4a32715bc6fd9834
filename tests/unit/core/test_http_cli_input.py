"""Bad URLs and a missing --config file are usage errors (exit 2, one line naming the source)
before any request, from every place a URL can come from."""

from __future__ import annotations

import httpx
import pytest


def no_request(request: httpx.Request) -> httpx.Response:
    pytest.fail(f"no request may be sent, got {request.method} {request.url}")


NO_REQUESTS = httpx.MockTransport(no_request)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://[::1", "not a URL: 'http://[::1': unbalanced '[' or ']' around an IPv6 address"),
        ("http://127.0.0.1:99999", "not a URL: 'http://127.0.0.1:99999': port out of range (1-65535)"),
        ("127.0.0.1:9090", "not a URL: '127.0.0.1:9090'"),
    ],
)
def test_bad_backend_url_from_env_flag_and_context(run_cli, tmp_path, url, problem):
    env_run = run_cli(["metrics", "query", "up"], env={"OBSCTL_PROMETHEUS_URL": url}, transport=NO_REQUESTS)
    assert env_run.exit_code == 2, env_run.output
    assert env_run.stderr.splitlines()[0] == f"obsctl: error: OBSCTL_PROMETHEUS_URL: {problem}"

    flag_run = run_cli(["metrics", "query", "up", "--url", url], transport=NO_REQUESTS)
    assert flag_run.exit_code == 2, flag_run.output
    # a flag error is shown click-style, with usage, naming the flag once
    assert f"Error: Invalid value for '--url': {problem}" in flag_run.stderr
    assert flag_run.stderr.count("--url") == 1

    cfg = tmp_path / "contexts.yaml"
    cfg.write_text(f"current-context: p\ncontexts:\n  p:\n    prometheus: {{url: '{url}'}}\n")
    ctx_run = run_cli(["--config", str(cfg), "metrics", "query", "up"], transport=NO_REQUESTS)
    assert ctx_run.exit_code == 2, ctx_run.output
    assert ctx_run.stderr.splitlines()[0] == f"obsctl: error: {cfg}: contexts.p.prometheus.url: {problem}"
    for run in (env_run, flag_run, ctx_run):
        assert "Traceback" not in run.output
        assert run.stdout == ""


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://[::1", "unbalanced '['"),
        ("http://127.0.0.1:99999/health", "port out of range (1-65535)"),
        ("http:///health", "no host"),
    ],
)
def test_probes_file_urls_use_the_same_validator(run_cli, tmp_path, url, problem):
    probes = tmp_path / "probes.yaml"
    probes.write_text(f"probes:\n  - name: api\n    http: {{url: '{url}'}}\n")
    result = run_cli(["health", "-f", str(probes)])
    assert result.exit_code == 2, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"obsctl: error: {probes}: probes[0] (api).http.url: not a URL: ")
    assert problem in first


def test_scrape_target_uses_the_same_validator(run_cli):
    result = run_cli(["metrics", "scrape", "http://127.0.0.1:99999/metrics"], transport=NO_REQUESTS)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0] == (
        "obsctl: error: TARGET: not a URL: 'http://127.0.0.1:99999/metrics': port out of range (1-65535)"
    )


def test_explicit_config_file_must_exist(run_cli, tmp_path):
    missing = tmp_path / "nonexistent.yaml"
    result = run_cli(
        ["--config", str(missing), "metrics", "query", "up"],
        env={"OBSCTL_PROMETHEUS_URL": "http://127.0.0.1:9090"},
        transport=NO_REQUESTS,
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0] == f"obsctl: error: --config: {missing}: no such file"
