"""Every generated file renders fully, every .py compiles, every YAML/JSON parses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from obsctl.instrument import generate, ops
from obsctl.instrument.detect import AppTarget, Detection, Packaging


def _det(framework: str, clients: tuple[str, ...] = ()) -> Detection:
    return Detection(
        root=Path("/nonexistent"), name="my-svc", version="1.0", packaging=Packaging("pep621", Path("pyproject.toml")),
        framework=framework, apps=(AppTarget(Path("p/main.py"), "p.main", "app", framework),),
        package_dir=Path("p"), import_base="p", serving=None, clients=clients,
    )


@pytest.fixture
def generated_logs(tmp_path, monkeypatch):
    """The generated FastAPI package written to tmp_path and importable; its `logs` module."""
    for path, text in generate.package_files(_det("fastapi"), False).items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    from p.observability import logs  # type: ignore[import-not-found]

    return logs


@pytest.mark.parametrize("framework", ["fastapi", "flask", "django"])
@pytest.mark.parametrize("sentry", [False, True])
def test_package_compiles(framework, sentry):
    files = generate.package_files(_det(framework, ("httpx", "sqlalchemy", "redis", "psycopg2")), sentry)
    assert (Path("p/observability/sentry.py") in files) is sentry
    for path, text in files.items():
        compile(text, str(path), "exec")
        assert "@@" not in text


def test_ready_checks_follow_the_clients():
    with_db = generate.package_files(_det("fastapi", ("sqlalchemy",)), False)[Path("p/observability/health.py")]
    bare = generate.package_files(_det("fastapi"), False)[Path("p/observability/health.py")]
    assert 'register("database", check_database, kind="ready")' in with_db
    assert "register(\"database\"" not in bare and bare.endswith('kind="live")\n')


def test_ops_files_parse():
    files = ops.ops_files(_det("fastapi"), Path("observability/deploy"))
    for path, text in files.items():
        if path.suffix in (".yml", ".yaml"):
            assert yaml.safe_load(text)
        elif path.suffix == ".json":
            dash = json.loads(text)
            assert {p["title"] for p in dash["panels"]} >= {"Requests per second by route"}
        assert "@@" not in text
    compose = yaml.safe_load(files[Path("observability/deploy/docker-compose.yml")])
    assert {"prometheus", "alertmanager", "grafana", "jaeger", "filebeat"} <= set(compose["services"])


def test_generated_logging_has_no_ids_outside_spans_and_aware_timestamps(generated_logs):
    import logging

    logs = generated_logs

    record = logging.LogRecord("x", logging.INFO, "f.py", 1, "hello %s", ("you",), None)
    entry = json.loads(logs.JsonFormatter().format(record))
    assert entry["message"] == "hello you" and entry["service"] == "my-svc"
    assert entry["timestamp"].endswith("+00:00")
    assert "trace_id" not in entry and "span_id" not in entry
    from opentelemetry.sdk.trace import TracerProvider

    with TracerProvider().get_tracer("t").start_as_current_span("s") as span:
        inside = json.loads(logs.JsonFormatter().format(record))
    assert inside["trace_id"] == format(span.get_span_context().trace_id, "032x")
    factory = logging.getLogRecordFactory()
    logs.get_logger("a"), logs.get_logger("b")
    assert logging.getLogRecordFactory() is factory, "get_logger must not chain record factories"


def test_json_formatter_cached_head_matches_a_plain_encoding(generated_logs):
    """The formatter encodes a call site's fixed fields once; every line must still be the plain object."""
    import logging
    import time

    logs = generated_logs

    fmt = logs.JsonFormatter()
    for message, extra in (("a \"quoted\" é\n", None), ("again", {"k": [1, {"x": None}]}),
                           ("override", {"level": "CUSTOM", "message": "replaced", "timestamp": "t"})):
        record = logging.LogRecord("svc.mod", logging.WARNING, "/src/mod.py", 12, message, None, None, func="f")
        if extra is not None:
            record.extra_fields = extra
        entry = json.loads(fmt.format(record))
        want = {"level": "WARNING", "logger": "svc.mod", "message": message, "module": "mod", "function": "f",
                "line": 12, "service": "my-svc", **(extra or {})}
        assert {k: v for k, v in entry.items() if k != "timestamp" or "timestamp" in (extra or {})} == want
    created = time.time()
    record = logging.LogRecord("x", logging.INFO, "f.py", 1, "m", None, None)
    record.created = created
    from datetime import datetime, timezone

    expected = datetime.fromtimestamp(created, tz=timezone.utc).isoformat(timespec="milliseconds")
    assert json.loads(fmt.format(record))["timestamp"] == expected


def test_json_formatter_timestamps_equal_datetime_isoformat(generated_logs):
    import random
    from datetime import datetime, timezone

    logs = generated_logs

    fmt = logs.JsonFormatter()
    rng = random.Random(7)
    stamps = [1_796_000_000 + rng.random() * 86_400 for _ in range(20_000)]
    stamps += [1_796_000_000.9999996, 1_796_000_000.0004999, 1_796_000_000.0005, 1_796_000_000.999]
    for created in stamps:
        want = datetime.fromtimestamp(created, tz=timezone.utc).isoformat(timespec="milliseconds")
        assert fmt._timestamp(created) == want, created


@pytest.mark.parametrize(("ratio", "written"), [(None, "0.05"), (0.25, "0.25"), (1.0, "1.0"), (0.0, "0.0")])
def test_sample_ratio_is_written_into_the_generated_config(ratio, written):
    files = (generate.package_files(_det("fastapi"), False) if ratio is None
             else generate.package_files(_det("fastapi"), False, ratio))
    assert f"DEFAULT_SAMPLE_RATIO = {written}\n" in files[Path("p/observability/config.py")]


@pytest.mark.parametrize(("ratio", "share"), [(0.05, "5% of new traces"), (0.025, "2.5% of new traces"),
                                              (1.0, "every new trace"), (0.0, "no new trace")])
def test_plan_sampling_line_names_the_share(ratio, share):
    from obsctl.instrument.build import sampling_line

    assert sampling_line(ratio).startswith(f"sampling    {share}, and every request whose caller")
