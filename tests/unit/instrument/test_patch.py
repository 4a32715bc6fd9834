"""libcst edits: one import and one call, everything else byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from obsctl.core.errors import UsageError
from obsctl.instrument.detect import AppTarget
from obsctl.instrument.patch import patch_source

MOD = "svc.observability"


def _target(attr="app", factory=None, framework="fastapi"):
    return AppTarget(Path("svc/main.py"), "svc.main", attr, framework, factory, 1)


def test_module_level_app_gets_import_after_imports_and_call_after_assignment():
    src = '"""Doc."""\nfrom __future__ import annotations\n\nimport os  # os\nfrom fastapi import FastAPI\n\napp = FastAPI(  # multi\n    title="x",\n)\n\n\n@app.get("/")\ndef root():  # comment\n    return {}\n'
    out = patch_source(src, _target(), MOD)
    assert out == (
        '"""Doc."""\nfrom __future__ import annotations\n\nimport os  # os\nfrom fastapi import FastAPI\n'
        "from svc.observability import instrument\n\n"
        'app = FastAPI(  # multi\n    title="x",\n)\ninstrument(app)\n\n\n@app.get("/")\ndef root():  # comment\n    return {}\n'
    )


def test_second_patch_is_a_no_op():
    src = "from fastapi import FastAPI\napp = FastAPI()\n"
    once = patch_source(src, _target(), MOD)
    assert patch_source(once, _target(), MOD) == once


def test_factory_assignment_gets_the_call_inside_the_function():
    src = "from fastapi import FastAPI\n\n\ndef create_app():\n    application = FastAPI()\n    # routes\n    return application\n"
    out = patch_source(src, _target("application", "create_app"), MOD)
    assert "    application = FastAPI()\n    instrument(application)\n    # routes\n" in out


def test_factory_returning_the_app_directly_is_wrapped():
    src = "from flask import Flask\n\n\ndef make_app():\n    return Flask(__name__)  # keep\n"
    out = patch_source(src, _target("", "make_app", "flask"), MOD)
    assert "    return instrument(Flask(__name__))  # keep\n" in out


def test_name_clash_uses_an_alias():
    src = "from fastapi import FastAPI\nfrom x import instrument\napp = FastAPI()\ninstrument()\n"
    out = patch_source(src, _target(), MOD)
    assert "from svc.observability import instrument as instrument_observability\n" in out
    assert "app = FastAPI()\ninstrument_observability(app)\n" in out


def test_django_call_goes_before_the_application_is_built():
    src = 'import os\n\nfrom django.core.wsgi import get_wsgi_application\n\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "s.settings")\n\napplication = get_wsgi_application()\n'
    out = patch_source(src, _target("application", None, "django"), MOD)
    assert out.endswith('"s.settings")\n\ninstrument()\napplication = get_wsgi_application()\n')


def test_crlf_files_keep_their_line_endings():
    src = "from fastapi import FastAPI\r\napp = FastAPI()\r\n"
    out = patch_source(src, _target(), MOD)
    assert out == "from fastapi import FastAPI\r\nfrom svc.observability import instrument\r\napp = FastAPI()\r\ninstrument(app)\r\n"


def test_missing_assignment_is_a_usage_error():
    with pytest.raises(UsageError, match="no assignment to `api`"):
        patch_source("from fastapi import FastAPI\napp = FastAPI()\n", _target("api"), MOD)
