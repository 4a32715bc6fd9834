"""JaegerClient: which API it asks first, what it caches, and how it recovers when a server changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obsctl.core.errors import BackendError
from obsctl.core.http import build_client
from obsctl.core.settings import BackendSettings
from obsctl.traces.client import CapabilityCache, JaegerClient
from tests.fakes.jaeger import FakeJaeger, load_fixture_traces

HOTROD = "2ea75461946a7dd10f2c15ab36a076cb"


def client(url: str, cache: CapabilityCache, api: str = "auto") -> JaegerClient:
    http = build_client(BackendSettings(name="jaeger", url=url, retries=0), context="ctx")
    return JaegerClient(http, cache=cache, cache_key="ctx", api=api)


def test_cache_file_remembers_the_api_per_context_and_url(tmp_path: Path):
    cache = CapabilityCache(tmp_path / "jaeger-api.json")
    with FakeJaeger("v1", traces=load_fixture_traces()) as fake:
        assert client(fake.url, cache).get_trace(HOTROD).trace_id == HOTROD
        entry = json.loads((tmp_path / "jaeger-api.json").read_text())[f"ctx|{fake.url}"]
        assert entry["api"] == "v1"
        fake.requests.clear()
        client(fake.url, cache).get_trace(HOTROD)
        assert [r.path for r in fake.requests] == [f"/api/traces/{HOTROD}"]


def test_a_stale_cache_entry_falls_back_to_the_other_api(tmp_path: Path):
    cache = CapabilityCache(tmp_path / "c.json")
    with FakeJaeger("main", traces=load_fixture_traces()) as fake:
        cache.put(f"ctx|{fake.url}", {"api": "v1"})  # e.g. the server was upgraded past v2.20
        services = client(fake.url, cache).services()
        assert "frontend" in services
        assert [r.path for r in fake.requests] == ["/api/services", "/api/v3/services"]
        assert cache.get(f"ctx|{fake.url}")["api"] == "v3"


def test_forced_api_and_unknown_trace(tmp_path: Path):
    cache = CapabilityCache(None)
    with FakeJaeger("v2.20", traces=load_fixture_traces()) as fake:
        c = client(fake.url, cache, api="v1")
        assert c.get_trace(HOTROD).source == "jaeger"
        with pytest.raises(BackendError, match="trace 0+1 not found"):
            c.get_trace("0" * 31 + "1")
        assert [r.path for r in fake.requests] == [f"/api/traces/{HOTROD}", "/api/traces/0000000000000001"]


def test_a_broken_cache_file_is_ignored(tmp_path: Path):
    path = tmp_path / "c.json"
    path.write_text("{not json")
    cache = CapabilityCache(path)
    assert cache.get("x") == {}
    cache.put("x", {"api": "v3"})
    assert cache.get("x")["api"] == "v3"
