"""`metrics export -o parquet` through prometheus-api-client (the optional `export` extra).

Runs against a real local HTTP server (pytest-httpserver) because the library speaks requests,
not httpx: the test checks that the context's URL prefix, tenant header and token reach the
server, and that the Parquet file holds the exact samples. The extra is part of the test install
(scripts/bootstrap installs `.[dev,export]`), so this never skips.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from werkzeug import Request, Response

MATRIX = {
    "status": "success",
    "data": {
        "resultType": "matrix",
        "result": [
            {"metric": {"__name__": "up", "job": "api"}, "values": [[1767322800, "1"], [1767322860, "0"]]},
            {"metric": {"__name__": "up", "job": "db"}, "values": [[1767322800, "1"]]},
        ],
    },
}


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(key, raising=False)


def test_parquet_export_uses_the_context_settings(run_cli, httpserver, tmp_path, no_proxy_env):
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response(json.dumps(MATRIX), content_type="application/json")

    httpserver.expect_request("/mimir/api/v1/query_range").respond_with_handler(handler)
    config = tmp_path / "config.yaml"
    config.write_text(
        "current-context: lab\n"
        "contexts:\n"
        "  lab:\n"
        "    prometheus:\n"
        f"      url: {httpserver.url_for('/').rstrip('/')}\n"
        "      path_prefix: /mimir\n"
        "      headers: {X-Scope-OrgID: team-a}\n"
        "      auth: {bearer: {token_env: LAB_TOKEN}}\n"
    )
    out = tmp_path / "up.parquet"
    result = run_cli(
        [
            "--config",
            str(config),
            "metrics",
            "export",
            "up",
            "--from",
            "1767322800",
            "--to",
            "1767322860",
            "--step",
            "60s",
            "-o",
            "parquet",
            "-f",
            str(out),
        ],
        env={"LAB_TOKEN": "s3cret"},
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == f"obsctl: wrote 3 samples in 1 chunk to {out}\n"
    (req,) = seen
    assert req.method == "POST"
    assert req.headers["X-Scope-OrgID"] == "team-a"
    assert req.headers["Authorization"] == "Bearer s3cret"
    assert req.args["query"] == "up" and req.args["step"] == "60"
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["__name__", "job", "value"]
    assert frame["value"].tolist() == [1.0, 0.0, 1.0]
    assert frame["job"].tolist() == ["api", "api", "db"]
    assert [str(t) for t in frame.index] == [
        "2026-01-02 03:00:00",
        "2026-01-02 03:01:00",
        "2026-01-02 03:00:00",
    ]


def test_parquet_export_maps_the_servers_error(run_cli, httpserver, tmp_path, no_proxy_env):
    body = {
        "status": "error",
        "errorType": "bad_data",
        "error": 'invalid parameter "query": 1:4: parse error: unexpected end of input',
    }
    httpserver.expect_request("/api/v1/query_range").respond_with_json(body, status=400)
    result = run_cli(
        ["metrics", "export", "sum(", "--since", "1h", "-o", "parquet", "-f", str(tmp_path / "x.parquet")],
        env={"OBSCTL_PROMETHEUS_URL": httpserver.url_for("/").rstrip("/")},
    )
    assert result.exit_code == 2
    assert result.stderr == "obsctl: error: bad PromQL: 1:4: parse error: unexpected end of input\n"


def test_parquet_export_unreachable_exits_5(run_cli, tmp_path, no_proxy_env):
    from tests.integration.servers import free_port

    result = run_cli(
        ["metrics", "export", "up", "--since", "1h", "-o", "parquet", "-f", str(tmp_path / "x.parquet")],
        env={"OBSCTL_PROMETHEUS_URL": f"http://127.0.0.1:{free_port()}", "OBSCTL_PROMETHEUS_RETRIES": "0"},
    )
    assert result.exit_code == 5
    assert result.stderr.startswith("obsctl: error: cannot reach prometheus at http://127.0.0.1:")
