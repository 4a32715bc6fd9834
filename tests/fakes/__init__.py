"""In-process fakes of servers no package registry ships (Elasticsearch/OpenSearch, Jaeger query).

They answer over a real socket on 127.0.0.1:0 with the real upstream bodies, headers and error
shapes (see docs/testing.md). Use them as context managers or through the pytest fixtures below;
a test module imports the fixtures it needs explicitly:

    from tests.fakes import fake_es, fake_jaeger  # noqa: F401 - pytest fixtures

`fake_es` / `fake_jaeger` are ready servers with the fixture data; `make_fake_es(...)` /
`make_fake_jaeger(...)` build more (any flavour/version) and stop them after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fakes._server import FakeServer, Fault, Request, Response
from tests.fakes.elasticsearch import FakeElasticsearch, load_ecs_logs
from tests.fakes.jaeger import FakeJaeger, load_fixture_traces

__all__ = [
    "FakeElasticsearch",
    "FakeJaeger",
    "FakeServer",
    "Fault",
    "Request",
    "Response",
    "fake_es",
    "fake_jaeger",
    "load_ecs_logs",
    "load_fixture_traces",
    "make_fake_es",
    "make_fake_jaeger",
]


def _started(cls: Any, default: str) -> Iterator[Callable[..., Any]]:
    """A factory fixture body: start fakes of `cls` on demand, stop them after the test."""
    started: list[Any] = []

    def make(variant: str = default, **kwargs: Any) -> Any:
        fake = cls(variant, **kwargs).start()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.stop()


@pytest.fixture
def make_fake_es() -> Iterator[Callable[..., FakeElasticsearch]]:
    """Factory: make_fake_es(flavor="opensearch", documents={...}, auth=("u", "p")) -> started fake."""
    yield from _started(FakeElasticsearch, "es8")


@pytest.fixture
def fake_es(make_fake_es: Callable[..., FakeElasticsearch]) -> FakeElasticsearch:
    """An Elasticsearch 8 holding every ECS/OTel log fixture in `logs-fixtures-default`."""
    return make_fake_es("es8", ecs_logs=True)


@pytest.fixture
def make_fake_jaeger() -> Iterator[Callable[..., FakeJaeger]]:
    """Factory: make_fake_jaeger(version="main", traces=[...]) -> started fake."""
    yield from _started(FakeJaeger, "v2.20")


@pytest.fixture
def fake_jaeger(make_fake_jaeger: Callable[..., FakeJaeger]) -> FakeJaeger:
    """A Jaeger v2.20 (api_v3 + full v1) holding the HotROD and OTLP-example traces."""
    return make_fake_jaeger("v2.20", traces=load_fixture_traces())
