"""Dependency additions: never touch a user's pin, follow their OpenTelemetry release line."""

from __future__ import annotations

import pytest

from obsctl.core.errors import UsageError
from obsctl.instrument import deps


def test_required_defaults_and_clients():
    wanted = dict(deps.required("fastapi", ("httpx", "redis"), True, {}))
    assert wanted["opentelemetry-sdk"] == ">=1.45.0,<1.46"
    assert wanted["opentelemetry-instrumentation-asgi"] == ">=0.66b0,<0.67"
    assert wanted["opentelemetry-instrumentation-redis"] == ">=0.66b0,<0.67"
    assert wanted["sentry-sdk"] == ">=2,<3"


def test_users_otel_pin_sets_the_release_line_for_everything_else():
    wanted = dict(deps.required("flask", (), False, {"opentelemetry-api": "opentelemetry-api==1.38.0"}))
    assert wanted["opentelemetry-sdk"] == ">=1.38.0,<1.39"
    assert wanted["opentelemetry-instrumentation-flask"] == ">=0.59b0,<0.60"


def test_too_old_otel_pin_is_refused_not_upgraded():
    with pytest.raises(UsageError, match="needs opentelemetry 1.30 or newer") as err:
        deps.required("flask", (), False, {"opentelemetry-sdk": "opentelemetry-sdk==1.20.0"})
    assert "never changes a pin" in (err.value.hint or "")


def test_declared_packages_are_not_added_again():
    wanted = deps.required("fastapi", (), False, {})
    left = deps.missing(wanted, {"prometheus-client": "prometheus_client==0.17"})
    assert "prometheus-client" not in dict(left)


def test_requirements_append_keeps_existing_lines():
    text = "flask==3.0.0  # pinned\n-r base.txt"
    out = deps.add_to_manifest("requirements", text, [("prometheus-client", ">=0.20,<1")])
    assert out == "flask==3.0.0  # pinned\n-r base.txt\nprometheus-client>=0.20,<1\n"


def test_pep621_single_line_array_stays_single_line():
    text = '[project]\nname = "a"\ndependencies = ["fastapi"]  # deps\n'
    out = deps.add_to_manifest("pep621", text, [("x", ">=1")])
    assert out == '[project]\nname = "a"\ndependencies = ["fastapi", "x>=1"]  # deps\n'


def test_pep621_multiline_array_gets_one_line_per_package():
    text = '[project]\ndependencies = [\n    "fastapi",  # web\n]\n\n[tool.x]\ny = 1\n'
    out = deps.add_to_manifest("pep621", text, [("a", ">=1"), ("b", "<2")])
    assert out == '[project]\ndependencies = [\n    "fastapi",  # web\n    "a>=1",\n    "b<2",\n]\n\n[tool.x]\ny = 1\n'


def test_poetry_table():
    text = '[tool.poetry.dependencies]\npython = "^3.10"\nfastapi = "^0.110"  # web\n'
    out = deps.add_to_manifest("poetry", text, [("prometheus-client", ">=0.20,<1")])
    assert out == text + 'prometheus-client = ">=0.20,<1"\n'


def test_requirement_name_normalises_and_skips_options():
    assert deps.requirement_name("Prometheus_Client[x]>=1 ; python_version>'3'") == "prometheus-client"
    assert deps.requirement_name("-e .") is None
    assert deps.requirement_name("# comment") is None
