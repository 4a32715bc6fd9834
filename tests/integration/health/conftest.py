"""Fixtures for health integration tests: misbehaving HTTP(S) targets, our own blackbox exporter
(with a module per TLS setting). Backend tests use the shared `prometheus` (one target down)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.health.targets import Certs, Target, make_certs, start_target
from tests.integration.servers import Server, start_blackbox


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    t = start_target()
    yield t
    t.stop()


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def tls_targets(certs: Certs) -> Iterator[dict[str, Target]]:
    servers = {
        "valid": start_target(certs.valid),
        "expired": start_target(certs.expired),
        "self_signed": start_target(certs.self_signed),
    }
    yield servers
    for s in servers.values():
        s.stop()


def blackbox_config(ca_file: Path) -> str:
    return f"""modules:
  http_2xx:
    prober: http
    timeout: 1s
    http:
      preferred_ip_protocol: ip4
  http_ca:
    prober: http
    timeout: 1s
    http:
      preferred_ip_protocol: ip4
      tls_config: {{ca_file: '{ca_file}'}}
  http_insecure:
    prober: http
    timeout: 1s
    http:
      preferred_ip_protocol: ip4
      tls_config: {{insecure_skip_verify: true}}
"""


@pytest.fixture(scope="session")
def health_blackbox(tmp_path_factory: pytest.TempPathFactory, certs: Certs) -> Iterator[Server]:
    """A blackbox exporter whose modules match the obsctl probes of the differential test."""
    server = start_blackbox(tmp_path_factory.mktemp("health-blackbox"), blackbox_config(certs.ca_file))
    yield server
    server.stop()


@pytest.fixture
def run_health(run_cli, tmp_path):  # type: ignore[no-untyped-def]
    """run_health(probes, *extra_args, env=None) -> (CliResult, parsed -o json document or None)."""
    import yaml

    def run(probes: list[dict], *args: str, env: dict[str, str] | None = None, fmt: str = "json"):  # type: ignore[no-untyped-def]
        path = tmp_path / "probes.yaml"
        path.write_text(yaml.safe_dump({"probes": probes}))
        result = run_cli(["health", "-f", str(path), "-o", fmt, *args], env=env)
        doc = json.loads(result.stdout) if fmt == "json" and result.stdout.strip() else None
        return result, doc

    return run


def by_name(doc: dict) -> dict[str, dict]:
    """Results keyed by probe name (one check per probe in these tests)."""
    return {r["name"]: r for r in doc["results"]}
