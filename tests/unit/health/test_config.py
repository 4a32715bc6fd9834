"""Probe file parsing: defaults, shorthand forms, thresholds, secrets."""

from __future__ import annotations

import pytest

from obsctl.core.errors import ConfigError
from obsctl.health.config import (
    DEFAULT_DISK,
    DiskCheck,
    Secret,
    SystemConfig,
    default_probes,
    parse_document,
)
from obsctl.health.model import FAIL, PASS, WARN, Threshold


def one(probe: dict, defaults: dict | None = None):
    doc = {"probes": [probe]}
    if defaults:
        doc["defaults"] = defaults
    return parse_document(doc, "f.yaml").probes[0]


def test_issue_example_parses():
    doc = parse_document(
        {
            "probes": [
                {
                    "name": "api-ready",
                    "http": {
                        "url": "http://127.0.0.1:8000/health/ready",
                        "expect_status": [200],
                        "max_latency": "300ms",
                    },
                },
                {"name": "cache", "redis": {"address": "127.0.0.1:6379"}},
                {"name": "disk", "system": {"disk": {"path": "/", "warn": "80%", "fail": "90%"}}},
            ]
        },
        "issue",
    )
    api, cache, disk = doc.probes
    assert api.config.expect_status == ("200",)
    assert api.config.max_latency == Threshold(None, 300.0, unit="ms")
    assert (cache.config.host, cache.config.port) == ("127.0.0.1", 6379)
    assert disk.config == SystemConfig(
        memory=None,
        swap=None,
        disk=(DiskCheck("/", Threshold(80.0, 90.0, unit="%")),),
        inodes=(),
        load=None,
        open_files=None,
    )


def test_defaults_and_common_keys():
    spec = one(
        {"name": "a", "tags": "x, y", "retries": 2, "http": "http://h/"},
        defaults={"timeout": "2s", "retries": 1},
    )
    assert (spec.timeout, spec.retries, spec.tags, spec.retry_timeout) == (2.0, 2, ("x", "y"), None)
    assert spec.deadline == 2.0 * 3 + 1.0 * 2


def test_shorthands_and_default_names():
    assert one({"tcp": "db:5432"}).name == "tcp-0"
    assert one({"backend": "prometheus"}).name == "prometheus"
    assert one({"system": None}).config == SystemConfig()
    assert one({"command": ["echo", "hi"]}).config.argv == ("echo", "hi")
    assert one({"command": "echo 'a b'"}).config.argv == ("echo", "a b")
    assert one({"dns": "localhost"}).config.record == "A"


def test_redis_password_forms():
    assert one({"redis": {"password_env": "PW"}}).config.password == Secret(env="PW")
    url = one({"redis": "redis://:s3cret@cache:6380"}).config
    assert (url.host, url.port, url.password) == ("cache", 6380, Secret(value="s3cret"))
    with pytest.raises(ConfigError) as err:
        one({"name": "r", "redis": {"password": "a", "password_env": "B"}})
    assert (
        err.value.message
        == "f.yaml: probes[0] (r).redis: set only one of password, password_env, password_file"
    )


def test_thresholds_scalar_means_fail_and_partial_mapping_keeps_default_warn():
    spec = one(
        {"system": {"disk": [{"path": "/", "fail": "95%"}, {"path": "/var", "warn": 50}], "memory": "85%"}}
    )
    assert spec.config.memory == Threshold(None, 85.0, unit="%")
    assert spec.config.disk == (
        DiskCheck("/", Threshold(DEFAULT_DISK.warn, 95.0, unit="%")),
        DiskCheck("/var", Threshold(50.0, DEFAULT_DISK.fail, unit="%")),
    )


def test_cert_days_lower_is_worse():
    t = one({"http": {"url": "https://h/", "cert_days": {"warn": 30, "fail": 7}}}).config.cert_days
    assert [t.evaluate(d) for d in (40, 30, 8, 7, -1)] == [PASS, WARN, WARN, FAIL, FAIL]


def test_threshold_evaluate_and_describe():
    t = Threshold(80, 90, unit="%")
    assert [t.evaluate(v) for v in (10, 80, 89.9, 90)] == [PASS, WARN, WARN, FAIL]
    assert t.describe() == "warn 80%, fail 90%"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "f.yaml: probes[0]: must be a mapping like {name: api, http: {url: ...}}"),
        ({"probes": "x"}, "f.yaml: probes: must be a list of probes"),
        ({"probs": []}, "f.yaml: probs: unknown key"),
        ({"defaults": {"timout": 1}, "probes": []}, "f.yaml: defaults.timout: unknown key"),
        (
            {"probes": [{"name": "a", "http": {"url": "http://h", "method": "G ET"}}]},
            "f.yaml: probes[0] (a).http.method: not an HTTP method: 'G ET'",
        ),
        (
            {"probes": [{"name": "a", "http": "http://h", "command": "true"}]},
            "f.yaml: probes[0] (a): more than one probe kind (http, command)",
        ),
        (
            {"probes": [{"name": "a", "retries": -1, "command": "true"}]},
            "f.yaml: probes[0] (a).retries: expected a whole number >= 0, got -1",
        ),
        (
            {"probes": [{"name": "a", "system": {"memory": "120%"}}]},
            "f.yaml: probes[0] (a).system.memory: a percentage must be between 0 and 100, got '120%'",
        ),
        (
            {"probes": [{"name": "a", "dns": {"query": "h", "type": "MX"}}]},
            "f.yaml: probes[0] (a).dns.type: 'MX' is not supported",
        ),
        (
            {"probes": [{"name": "a", "dns": {"query": "h", "expect": ["nope"]}}]},
            "f.yaml: probes[0] (a).dns.expect: 'nope' is not an IP address",
        ),
        (
            {"probes": [{"name": "a", "process": {"min": 2, "max": 1, "name": "x"}}]},
            "f.yaml: probes[0] (a).process.max: must be >= min (2)",
        ),
        (
            {"probes": [{"name": "a", "command": {"run": "x", "expect_exit": 300}}]},
            "f.yaml: probes[0] (a).command.expect_exit: 300 is not an exit code (0-255)",
        ),
        (
            {"probes": [{"name": "a", "http": {"url": "http://h", "expect_body": "("}}]},
            "f.yaml: probes[0] (a).http.expect_body: invalid regular expression '(': missing ), unterminated subpattern at position 0",
        ),
    ],
)
def test_errors_name_the_field(doc, message):
    data = doc if not isinstance(doc, list) else {"probes": [1]}
    with pytest.raises(ConfigError) as err:
        parse_document(data, "f.yaml")
    assert err.value.message == message


def test_default_probes_follow_the_context_backends():
    probes = default_probes(["prometheus", "jaeger"])
    assert [(p.name, p.kind) for p in probes] == [
        ("system", "system"),
        ("prometheus", "backend"),
        ("jaeger", "backend"),
    ]
    assert probes[2].config.backend == "jaeger"


def test_request_bodies_text_bytes_and_json():
    import datetime

    assert one({"http": {"url": "http://h/", "body": "a=1"}}).config.body == "a=1"
    assert one({"http": {"url": "http://h/", "body": b"\x00\xff"}}).config.body == b"\x00\xff"
    assert one({"http": {"url": "http://h/", "body": {"a": [1]}}}).config.body == '{"a": [1]}'
    for bad in ({"a": b"x"}, {"d": datetime.date(2026, 1, 2)}, [float("nan")]):
        with pytest.raises(ConfigError, match=r"http\.body: cannot be sent as JSON"):
            one({"http": {"url": "http://h/", "body": bad}})
