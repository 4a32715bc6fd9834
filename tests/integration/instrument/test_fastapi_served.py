"""The instrumented sample served by a real uvicorn the way a `__main__` block does it: `uvicorn.run(app)`.

uvicorn sets up its own loggers when `run` is called, after the app module (and with it the generated
logging) was imported; the generated wiring takes them over again when uvicorn first calls the app
(lifespan startup), so from then on every line is JSON and each request has one access line, not ours
and uvicorn's. The two lines uvicorn logs before that call stay in its format.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request

import pytest

from tests.integration.instrument.conftest import serve_env
from tests.integration.servers import free_port, wait_until

PRE_STARTUP = re.compile(r"(Started server process \[\d+\]|Waiting for application startup\.)$")
SERVE = "import uvicorn\nfrom shop.main import app\nuvicorn.run(app, host='127.0.0.1', port={port})\n"


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return int(resp.status)
    except OSError:
        return 0


@pytest.mark.slow
def test_uvicorn_run_in_main_logs_json_and_one_access_line_per_request(instrumented_shop, tmp_path):
    root = instrumented_shop
    port = free_port()
    env = serve_env(root, PYTHONUNBUFFERED="1")
    out = tmp_path / "stdout"
    with out.open("w") as sink:
        app = subprocess.Popen([sys.executable, "-c", SERVE.format(port=port)], cwd=root, env=env, stdout=sink,
                               stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            assert wait_until(lambda: _status(base + "/health/live") == 200, timeout=30), out.read_text()
            for i in range(3):
                assert _status(f"{base}/items/{i}") == 200
        finally:
            app.terminate()
            app.wait(timeout=10)
    lines = [x for x in out.read_text().splitlines() if x.strip()]
    assert lines
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:  # uvicorn logs these two before it first calls the app, in its own format
            assert PRE_STARTUP.search(line), f"a log line that is not JSON after startup: {line!r}"
    assert any(r["logger"].startswith("uvicorn") for r in records), "uvicorn's startup lines, as JSON"
    items = [r for r in records if "/items/" in r["message"]]
    assert len(items) == 3, f"one access line per request, got {items}"
    assert all(r["logger"] == "shop.observability.access" and r["route"] == "/items/{item_id}" for r in items)
