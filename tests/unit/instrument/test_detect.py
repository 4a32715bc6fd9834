"""Detection from source: packaging, app object, serving, clients."""

from __future__ import annotations

import pytest

from obsctl.core.errors import UsageError
from obsctl.instrument.detect import detect
from obsctl.instrument.serving import parse_command


def _write(root, files):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_src_layout_hatch_uv_and_clients(tmp_path):
    _write(tmp_path, {
        "pyproject.toml": '[project]\nname="api"\nversion="2.0"\ndependencies=["fastapi","redis"]\n'
                          '[build-system]\nbuild-backend="hatchling.build"\n',
        "uv.lock": "version = 1\n",
        "src/api/__init__.py": "",
        "src/api/main.py": "import fastapi\nimport httpx\nfrom sqlalchemy import create_engine\n"
                           "application = fastapi.FastAPI()\n",
    })
    det = detect(tmp_path)
    assert (det.packaging.kind, det.packaging.backend, det.packaging.lock_command) == ("pep621", "hatchling", "uv lock")
    assert det.apps[0].spec == "api.main:application"
    assert det.obs_module == "api.observability" and det.obs_dir.as_posix() == "src/api/observability"
    assert det.clients == ("httpx", "sqlalchemy", "redis")


def test_mounted_sub_app_is_not_the_served_app(tmp_path):
    _write(tmp_path, {
        "requirements.txt": "fastapi\n",
        "main.py": "from fastapi import FastAPI\nfrom sub import v1\napp = FastAPI()\napp.mount('/v1', v1)\n",
        "sub.py": "from fastapi import FastAPI\nv1 = FastAPI()\n",
    })
    det = detect(tmp_path)
    assert det.apps[0].spec == "main:app" and det.import_base == ""


def test_serving_command_disambiguates(tmp_path):
    _write(tmp_path, {
        "requirements.txt": "fastapi\n",
        "a.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "b.py": "from fastapi import FastAPI\n\ndef get_application():\n    return FastAPI()\n",
        "Procfile": "web: uvicorn b:get_application --factory --workers 3\n",
    })
    det = detect(tmp_path)
    assert det.apps[0].factory == "get_application"
    assert det.serving is not None and det.serving.workers == 3 and det.serving.factory


def test_no_app_asks_for_app_flag(tmp_path):
    _write(tmp_path, {"requirements.txt": "requests\n", "tool.py": "import requests\n"})
    with pytest.raises(UsageError) as err:
        detect(tmp_path)
    assert "--app module:attr" in (err.value.hint or "")


def test_no_dependency_declaration_is_a_usage_error(tmp_path):
    _write(tmp_path, {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    with pytest.raises(UsageError, match="no dependencies declared"):
        detect(tmp_path)


@pytest.mark.parametrize(
    ("line", "server", "spec", "workers"),
    [
        ("gunicorn -w 4 -k uvicorn.workers.UvicornWorker app.main:app", "gunicorn", "app.main:app", 4),
        ("python -m uvicorn svc:app --workers=2 --port 80", "uvicorn", "svc:app", 2),
        ("exec gunicorn 'pkg:create_app()' --bind 0.0.0.0:80", "gunicorn", "pkg:create_app()", None),
        ("fastapi run --workers 4 app/main.py", "uvicorn", None, 4),
    ],
)
def test_parse_command(line, server, spec, workers):
    s = parse_command(line, "Dockerfile")
    assert s is not None and (s.server, s.app_spec, s.workers) == (server, spec, workers)


def test_get_application_factory_called_at_module_level(tmp_path):
    _write(tmp_path, {
        "pyproject.toml": '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\n'
                          'python = "^3.11"\nfastapi = "*"\n',
        "app/__init__.py": "",
        "app/main.py": "from fastapi import FastAPI\n\nfrom app.api import router\n\n\n"
                       "def get_application() -> FastAPI:\n    application = FastAPI()\n"
                       "    application.include_router(router)\n    return application\n\n\napp = get_application()\n",
        "app/api.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
        "Dockerfile": 'CMD ["uvicorn", "app.main:app"]\n',
    })
    det = detect(tmp_path)
    assert det.packaging.kind == "poetry" and det.name == "svc"
    target = det.apps[0]
    assert (target.factory, target.attr, target.spec) == ("get_application", "application", "app.main:get_application")
    assert det.obs_module == "app.observability"


def test_runs_from_a_subfolder_of_the_project(tmp_path):
    _write(tmp_path, {
        "requirements.txt": "flask\n",
        "web/app.py": "from flask import Flask\napp = Flask(__name__)\n",
    })
    det = detect(tmp_path / "web")
    assert det.root == tmp_path.resolve() and det.apps[0].spec == "web.app:app"
