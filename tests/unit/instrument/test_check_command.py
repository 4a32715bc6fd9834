"""How `instrument check` starts the app: --cmd, the detected server line, or a framework default."""

from __future__ import annotations

import sys
from pathlib import Path

from obsctl.instrument.check import app_command, app_env
from obsctl.instrument.detect import AppTarget, Detection, Packaging
from obsctl.instrument.serving import parse_command


def _det(framework="fastapi", serving=None, factory=None, attr="app"):
    return Detection(
        root=Path("/nonexistent-project"), name="svc", version="1", packaging=Packaging("pep621", Path("pyproject.toml")),
        framework=framework, apps=(AppTarget(Path("svc/main.py"), "svc.main", attr, framework, factory),),
        package_dir=Path("svc"), import_base="svc", serving=serving,
    )


def test_cmd_gets_the_port():
    assert app_command(_det(), 8123, "gunicorn -b 127.0.0.1:{port} svc.main:app") == [
        "gunicorn", "-b", "127.0.0.1:8123", "svc.main:app"]


def test_detected_gunicorn_line_keeps_worker_class_and_caps_workers():
    serving = parse_command("gunicorn -k uvicorn.workers.UvicornWorker -w 8 'svc.main:create_app()'", "Procfile")
    cmd = app_command(_det(serving=serving), 9000, None)
    assert cmd == [sys.executable, "-m", "gunicorn", "svc.main:create_app()", "-b", "127.0.0.1:9000", "-w", "2",
                   "-k", "uvicorn.workers.UvicornWorker"]


def test_detected_uvicorn_workers_get_a_multiprocess_dir():
    serving = parse_command("uvicorn svc.main:app --workers 4 --host 0.0.0.0", "Dockerfile")
    cmd = app_command(_det(serving=serving), 9001, None)
    assert cmd[-2:] == ["--workers", "2"] and "--host" in cmd and "0.0.0.0" not in cmd
    env = app_env(_det(serving=serving), "http://127.0.0.1:1", 9001, cmd)
    assert env["PROMETHEUS_MULTIPROC_DIR"] and env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:1"
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).rmdir()


def test_defaults_per_framework():
    assert app_command(_det(factory="create_app", attr="application"), 1, None)[2:5] == [
        "uvicorn", "svc.main:create_app", "--factory"]
    assert app_command(_det("flask", factory="create_app"), 1, None)[4] == "svc.main:create_app()"
    assert app_command(_det("django"), 1, None)[1:4] == ["manage.py", "runserver", "127.0.0.1:1"]
