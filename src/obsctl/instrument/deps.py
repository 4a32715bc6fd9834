"""Dependencies: what the generated code needs, at versions that resolve together, added in place.

PEP 621 and Poetry tables are edited with tomlkit (comments and layout kept), requirements files
get lines appended. A package the user already declares is left exactly as pinned; when they pin
an OpenTelemetry package, the other OpenTelemetry packages follow that release line (the SDK 1.N
and the contrib instrumentations 0.(N+21)bX ship together and pin each other's semantic
conventions exactly). Lock files are never touched: the plan names the command that refreshes them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from obsctl.core.errors import UsageError

# Newest release line known to work with the generated code (SDK 1.45 <-> contrib 0.66b).
OTEL_MINOR = 45
CONTRIB_OFFSET = 21
OLDEST_MINOR = 30  # exclude_spans and the excluded_urls argument we rely on exist since 1.30/0.51b0
PROMETHEUS_SPEC = ">=0.20,<1"
SENTRY_SPEC = ">=2,<3"

FRAMEWORK_PACKAGES = {
    "fastapi": "opentelemetry-instrumentation-asgi",  # the official ASGI middleware; see web_fastapi.py
    "flask": "opentelemetry-instrumentation-flask",
    "django": "opentelemetry-instrumentation-django",
}
CLIENT_PACKAGES = {
    "httpx": ("opentelemetry-instrumentation-httpx", "opentelemetry.instrumentation.httpx", "HTTPXClientInstrumentor"),
    "requests": ("opentelemetry-instrumentation-requests", "opentelemetry.instrumentation.requests", "RequestsInstrumentor"),
    "sqlalchemy": ("opentelemetry-instrumentation-sqlalchemy", "opentelemetry.instrumentation.sqlalchemy", "SQLAlchemyInstrumentor"),
    "redis": ("opentelemetry-instrumentation-redis", "opentelemetry.instrumentation.redis", "RedisInstrumentor"),
    "psycopg": ("opentelemetry-instrumentation-psycopg", "opentelemetry.instrumentation.psycopg", "PsycopgInstrumentor"),
    "psycopg2": ("opentelemetry-instrumentation-psycopg2", "opentelemetry.instrumentation.psycopg2", "Psycopg2Instrumentor"),
}
LOCKS = (
    ("uv.lock", "uv lock"),
    ("poetry.lock", "poetry lock"),
    ("pdm.lock", "pdm lock"),
    ("Pipfile.lock", "pipenv lock"),
)
REQUIREMENTS = ("requirements.txt", "requirements/base.txt", "requirements/prod.txt", "requirements/production.txt",
                "requirements/main.txt", "requirements-prod.txt")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_VERSION = re.compile(r"(\d+)\.(\d+)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    m = _NAME.match(line)
    return _norm(m.group(1)) if m else None


def read_packaging(root: Path) -> tuple[Any, dict[str, str], dict[str, str]]:
    """(Packaging, {name, version}, {normalised name: requirement}) for the project at root."""
    from obsctl.instrument.detect import Packaging

    lock = next(((Path(f), cmd) for f, cmd in LOCKS if (root / f).is_file()), (None, None))
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        import tomlkit
        from tomlkit.exceptions import TOMLKitError

        try:
            data = tomlkit.parse(pyproject.read_text(encoding="utf-8")).unwrap()
        except (TOMLKitError, UnicodeDecodeError) as exc:
            raise UsageError(f"pyproject.toml: {exc}", hint="fix the TOML syntax, then rerun") from None
        project = data.get("project") or {}
        poetry = (data.get("tool") or {}).get("poetry") or {}
        backend = str((data.get("build-system") or {}).get("build-backend", "")).split(".")[0] or None
        if "dependencies" in project or (project and not poetry.get("dependencies")):
            deps = {n: r for r in project.get("dependencies", []) if (n := requirement_name(r))}
            meta = {"name": str(project.get("name", "")), "version": str(project.get("version", ""))}
            if deps or not _requirements_file(root):
                return Packaging("pep621", Path("pyproject.toml"), backend, *lock), meta, deps
        if poetry.get("dependencies"):
            deps = {_norm(n): f"{n} {v}" for n, v in poetry["dependencies"].items() if n.lower() != "python"}
            meta = {"name": str(poetry.get("name", "")), "version": str(poetry.get("version", ""))}
            return Packaging("poetry", Path("pyproject.toml"), "poetry", *lock), meta, deps
    req = _requirements_file(root)
    if req is None:
        raise UsageError(
            "no dependencies declared: no pyproject.toml [project]/[tool.poetry] dependencies, no requirements.txt",
            hint="declare the service's dependencies (pyproject.toml or requirements.txt), then rerun",
        )
    lines = (root / req).read_text(encoding="utf-8").splitlines()
    deps = {n: ln.strip() for ln in lines if (n := requirement_name(ln))}
    compiled = (root / req).with_suffix(".in")
    lock_cmd = f"pip-compile {compiled.relative_to(root)}" if compiled.is_file() else lock[1]
    return Packaging("requirements", req, None, lock[0], lock_cmd), {}, deps


def _requirements_file(root: Path) -> Path | None:
    for rel in REQUIREMENTS:
        if (root / rel).is_file():
            return Path(rel)
    found = sorted(root.glob("requirements*.txt"))
    return found[0].relative_to(root) if found else None


def otel_minor(declared: dict[str, str]) -> int:
    """The SDK release line to use: the one the user pins, else the newest known good."""
    for name in ("opentelemetry-sdk", "opentelemetry-api", "opentelemetry-exporter-otlp-proto-http"):
        spec = declared.get(name)
        m = _VERSION.search(spec or "")
        if m and m.group(1) == "1":
            minor = int(m.group(2))
            if minor < OLDEST_MINOR:
                raise UsageError(
                    f"{name} is pinned to {spec!r}; the generated code needs opentelemetry 1.{OLDEST_MINOR} or newer",
                    hint=f"raise the pin to >=1.{OLDEST_MINOR} yourself (obsctl never changes a pin), then rerun",
                )
            return minor
    return OTEL_MINOR


def required(framework: str, clients: tuple[str, ...], sentry: bool, declared: dict[str, str]) -> list[tuple[str, str]]:
    """(name, version spec) for every package the generated code imports, in a stable order."""
    minor = otel_minor(declared)
    sdk = f">=1.{minor}.0,<1.{minor + 1}"
    contrib = f">=0.{minor + CONTRIB_OFFSET}b0,<0.{minor + CONTRIB_OFFSET + 1}"
    wanted = [
        ("opentelemetry-sdk", sdk),
        ("opentelemetry-exporter-otlp-proto-http", sdk),
        (FRAMEWORK_PACKAGES[framework], contrib),
        *((CLIENT_PACKAGES[c][0], contrib) for c in clients),
        ("prometheus-client", PROMETHEUS_SPEC),
    ]
    if sentry:
        wanted.append(("sentry-sdk", SENTRY_SPEC))
    return wanted


def missing(wanted: list[tuple[str, str]], declared: dict[str, str] | tuple[str, ...]) -> list[tuple[str, str]]:
    return [(n, s) for n, s in wanted if _norm(n) not in declared]


def add_to_manifest(kind: str, text: str, additions: list[tuple[str, str]]) -> str:
    """The manifest text with `additions` declared; unchanged text when there is nothing to add."""
    if not additions:
        return text
    if kind == "requirements":
        sep = "" if not text or text.endswith("\n") else "\n"
        return text + sep + "".join(f"{n}{s}\n" for n, s in additions)
    import tomlkit

    doc = tomlkit.parse(text)
    if kind == "poetry":
        table: Any = doc["tool"]["poetry"]["dependencies"]
        for name, spec in additions:
            table[name] = spec
    else:
        project: Any = doc["project"]
        if "dependencies" not in project:
            project["dependencies"] = tomlkit.array()
        deps = project["dependencies"]
        multiline = "\n" in deps.as_string() or len(deps) + len(additions) > 3
        for name, spec in additions:
            if multiline:
                deps.add_line(f"{name}{spec}", indent="    ")
            else:
                deps.append(f"{name}{spec}")
        if multiline and not deps.as_string().rstrip("]").endswith("\n"):
            deps.add_line(indent="")
    return tomlkit.dumps(doc)
