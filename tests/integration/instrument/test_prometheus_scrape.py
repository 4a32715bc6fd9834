"""A real Prometheus scrapes an instrumented sample: route-template series and trace-id exemplars arrive."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from tests.integration.instrument.conftest import serve_env
from tests.integration.servers import free_port, start_prometheus, wait_until


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


@pytest.mark.slow
def test_prometheus_stores_route_series_and_exemplars(instrumented_shop, tmp_path):
    root = instrumented_shop
    port = free_port()
    env = serve_env(root)
    app = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "shop.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    prom = None
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: _ok(base + "/health/live"), timeout=30), "the app did not start"
        prom = start_prometheus(tmp_path / "prom", scrape_targets=[f"127.0.0.1:{port}"], scrape_self=False,
                                extra_args=["--enable-feature=exemplar-storage"])
        sent = set()
        for i in range(5):  # a caller's sampled traceparent is always kept, whatever the ratio
            trace_id = f"{i + 1:032x}"
            sent.add(trace_id)
            _ok(f"{base}/items/{i}", {"traceparent": f"00-{trace_id}-{i + 1:016x}-01"})
        query = urllib.parse.quote('http_requests_total{route="/items/{item_id}"}')
        assert wait_until(lambda: bool(_get(f"{prom.url}/api/v1/query?query={query}")["data"]["result"]),
                          timeout=20), prom.logs()
        now = time.time()
        q = urllib.parse.quote('http_request_duration_seconds_bucket{route="/items/{item_id}"}')
        url = f"{prom.url}/api/v1/query_exemplars?query={q}&start={now - 300}&end={now + 60}"
        assert wait_until(lambda: bool(_get(url)["data"]), timeout=20), "no exemplars stored"
        labels = _get(url)["data"][0]["exemplars"][0]["labels"]
        assert labels["trace_id"] in sent
    finally:
        if prom is not None:
            prom.stop()
        app.terminate()
        app.wait(timeout=10)


def _ok(url: str, headers: dict[str, str] | None = None) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False
