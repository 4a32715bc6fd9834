"""Render the generated package and ops files from the templates shipped as package data.

Templates use `@@NAME@@` placeholders (so `{{ }}` and `$labels` in Prometheus/Grafana files stay
literal). Every value is known before rendering; an unknown placeholder left over is a bug and fails.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from obsctl.instrument import DEFAULT_SAMPLE_RATIO
from obsctl.instrument.deps import CLIENT_PACKAGES
from obsctl.instrument.detect import Detection

_LEFT = re.compile(r"@@[A-Z_]+@@")
PACKAGE_FILES = ("__init__.py", "config.py", "tracing.py", "metrics.py", "logs.py", "health.py")


def template(path: str) -> str:
    return resources.files("obsctl.instrument").joinpath("templates").joinpath(path + ".tmpl").read_text(encoding="utf-8")


def render(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    left = _LEFT.search(text)
    if left:
        raise RuntimeError(f"template placeholder {left.group(0)} has no value")
    return text


def values(det: Detection, sentry: bool, sample_ratio: float = DEFAULT_SAMPLE_RATIO) -> dict[str, str]:
    clients = "".join(
        f'    ("{CLIENT_PACKAGES[c][1]}", "{CLIENT_PACKAGES[c][2]}"),\n' for c in det.clients
    )
    ready = []
    if any(c in det.clients for c in ("sqlalchemy", "psycopg", "psycopg2")):
        ready.append('register("database", check_database, kind="ready")')
    if "redis" in det.clients:
        ready.append('register("redis", check_redis, kind="ready")')
    django = det.framework == "django"
    port = "8000" if det.framework != "flask" else "5000"
    return {
        "SERVICE": det.name,
        "VERSION": det.version,
        "DIST": det.name,
        "PKG": det.obs_module,
        "CLIENT_INSTRUMENTORS": clients,
        "READY_CHECKS": "".join(line + "\n" for line in ready),
        "INSTRUMENT_SIGNATURE": "" if django else "app: Any",
        "INSTRUMENT_ARGS": "" if django else "app",
        "SENTRY_IMPORT": ", sentry" if sentry else "",
        "SENTRY_CALL": "\n    sentry.setup_sentry()" if sentry else "",
        "APP_PORT": port,
        "APP_TARGET": f"host.docker.internal:{port}",
        "SAMPLE_RATIO": repr(float(sample_ratio)),
    }


def package_files(det: Detection, sentry: bool, sample_ratio: float = DEFAULT_SAMPLE_RATIO) -> dict[Path, str]:
    """Relative path -> content of every file of `<pkg>/observability/`."""
    vals = values(det, sentry, sample_ratio)
    out = {det.obs_dir / name: render(template(f"package/{name}"), vals) for name in PACKAGE_FILES}
    out[det.obs_dir / "web.py"] = render(template(f"package/web_{det.framework}.py"), vals)
    if sentry:
        out[det.obs_dir / "sentry.py"] = render(template("package/sentry.py"), vals)
    return out


def gunicorn_conf(det: Detection) -> str:
    return render(template("package/gunicorn.conf.py"), values(det, False))
