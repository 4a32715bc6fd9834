"""Fixtures for the logs CLI tests: the fake Elasticsearch (tests/fakes)."""

from tests.fakes import fake_es, make_fake_es  # noqa: F401 - pytest fixtures
