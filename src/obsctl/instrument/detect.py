"""Read a Python service's source to find what to instrument: packaging, framework, app, serving.

Pure reading (stdlib `ast` and `tomllib`, no imports of the user's code): the result is a
`Detection` that the plan turns into files and edits. Ambiguity is never guessed away: several
candidate apps, or none, raise UsageError asking for `--app module:attr`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from obsctl.core.errors import UsageError
from obsctl.instrument import serving as serving_mod
from obsctl.instrument.serving import Serving

SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "env", ".tox", ".nox", "node_modules", "build", "dist", "__pycache__",
     "site-packages", ".mypy_cache", ".ruff_cache", ".pytest_cache", "migrations", "docs"}
)
MAX_FILES = 3000
FRAMEWORK_CLASSES = {"FastAPI": "fastapi", "Flask": "flask"}
DJANGO_FACTORIES = ("get_wsgi_application", "get_asgi_application")
CLIENT_MODULES = ("httpx", "requests", "sqlalchemy", "redis", "psycopg", "psycopg2")
APP_HINT = "pass the app explicitly: --app module:attr (e.g. --app myservice.main:app or myservice:create_app)"


@dataclass(frozen=True)
class AppTarget:
    """Where an app object is created: the file to edit and how to find the statement."""

    file: Path  # relative to the project root
    module: str  # dotted module name
    attr: str  # variable holding the app (or returned expression's variable)
    framework: str  # fastapi | flask | django
    factory: str | None = None  # enclosing function when created in a factory
    line: int = 0

    @property
    def spec(self) -> str:
        return f"{self.module}:{self.factory or self.attr}"


@dataclass(frozen=True)
class Packaging:
    kind: str  # pep621 | poetry | requirements
    manifest: Path  # relative: pyproject.toml or requirements file
    backend: str | None = None  # setuptools, hatchling, pdm, poetry, ...
    lock: Path | None = None
    lock_command: str | None = None


@dataclass(frozen=True)
class Detection:
    root: Path
    name: str
    version: str
    packaging: Packaging
    framework: str
    apps: tuple[AppTarget, ...]
    package_dir: Path  # relative dir that will hold observability/
    import_base: str  # dotted package for `from <base>.observability import instrument` ("" = top level)
    serving: Serving | None
    clients: tuple[str, ...] = ()
    declared: tuple[str, ...] = field(default_factory=tuple)  # normalised names of declared deps

    @property
    def obs_module(self) -> str:
        return f"{self.import_base}.observability" if self.import_base else "observability"

    @property
    def obs_dir(self) -> Path:
        return self.package_dir / "observability"


def norm(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def iter_sources(root: Path) -> list[Path]:
    """Python files of the project, skipping virtualenvs, build output and tests."""
    found: list[Path] = []
    stack = [root]
    while stack and len(found) < MAX_FILES:
        current = stack.pop()
        try:
            entries = sorted(current.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir():
                if entry.name not in SKIP_DIRS and not entry.name.startswith(".") and entry.name not in (
                    "tests", "test"
                ) and not (entry / "pyvenv.cfg").exists() and not (entry / ".obsctl-manifest.json").exists():
                    stack.append(entry)
            elif entry.suffix == ".py":
                found.append(entry)
    return found


def module_name(root: Path, file: Path) -> str:
    rel = file.relative_to(source_root(root, file))
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_root(root: Path, file: Path) -> Path:
    src = root / "src"
    return src if src in file.parents else root


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
        return None


def _framework_of_call(node: ast.AST, names: dict[str, str]) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name):
        return names.get(func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if func.value.id in ("fastapi", "flask") and func.attr in FRAMEWORK_CLASSES:
            return FRAMEWORK_CLASSES[func.attr]
        if func.value.id in ("wsgi", "asgi") and func.attr in DJANGO_FACTORIES:
            return "django"
    return None


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Local names bound to FastAPI/Flask classes or Django's application factories."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                local = alias.asname or alias.name
                if node.module == "fastapi" and alias.name == "FastAPI":
                    names[local] = "fastapi"
                elif node.module == "flask" and alias.name == "Flask":
                    names[local] = "flask"
                elif node.module.startswith("django.core") and alias.name in DJANGO_FACTORIES:
                    names[local] = "django"
    return names


def _assigned_name(stmt: ast.stmt) -> tuple[str, ast.AST] | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id, stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return stmt.target.id, stmt.value
    return None


def find_apps(root: Path, file: Path, tree: ast.Module) -> list[AppTarget]:
    """App creations in one module: module level `x = FastAPI(...)`, or inside a factory function."""
    names = _imported_names(tree)
    if not names and "fastapi" not in _module_imports(tree) and "flask" not in _module_imports(tree):
        return []
    return _apps_in_body(file.relative_to(root), module_name(root, file), tree.body, names, None)


def _apps_in_body(rel: Path, mod: str, body: list[ast.stmt], names: dict[str, str],
                  factory: str | None) -> list[AppTarget]:
    """Assignments (and, inside a factory, returns) of an app; module-level functions as factories."""
    found: list[AppTarget] = []
    for stmt in body:
        hit = _assigned_name(stmt)
        if hit is None and factory and isinstance(stmt, ast.Return) and stmt.value is not None:
            hit = ("", stmt.value)
        if hit is not None:
            fw = _framework_of_call(hit[1], names)
            if fw:
                found.append(AppTarget(rel, mod, hit[0], fw, factory, stmt.lineno))
        elif factory is None and isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.extend(_apps_in_body(rel, mod, stmt.body, names, stmt.name))
    return found


def _module_imports(tree: ast.Module) -> set[str]:
    mods: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods.add(node.module.split(".")[0])
    return mods


def _mounted_names(tree: ast.Module) -> set[str]:
    """Names passed to `.mount(...)`/`.register_blueprint`: sub-apps, not the served app."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "mount":
            out.update(a.id for a in [*node.args, *(k.value for k in node.keywords)] if isinstance(a, ast.Name))
    return out


def scan(root: Path) -> tuple[list[AppTarget], set[str], set[str]]:
    """All app candidates, imported top-level modules and names of mounted sub-apps."""
    apps: list[AppTarget] = []
    imports: set[str] = set()
    mounted: set[str] = set()
    for file in iter_sources(root):
        tree = _parse(file)
        if tree is None:
            continue
        imports |= _module_imports(tree)
        mounted |= _mounted_names(tree)
        apps.extend(find_apps(root, file, tree))
    return apps, imports, mounted


def choose_apps(candidates: list[AppTarget], mounted: set[str], serving: Serving | None,
                app_spec: str | None) -> list[AppTarget]:
    """Pick the app(s) to edit; raise UsageError when the choice would be a guess."""
    if app_spec:
        return [_by_spec(candidates, app_spec)]
    django = [c for c in candidates if c.framework == "django"]
    if django and len(django) == len(candidates):
        return django  # wsgi.py and asgi.py both get the call
    web = [c for c in candidates if c.framework != "django" and not (c.factory is None and c.attr in mounted)]
    if serving is not None and serving.app_spec:
        for c in web:
            if serving.app_spec in (c.spec, f"{c.module}:{c.attr}", f"{c.module}:{c.factory}()"):
                return [c]
    if len(web) == 1:
        return web
    if not web:
        raise UsageError("no FastAPI, Flask or Django app found in this project", hint=APP_HINT)
    where = ", ".join(f"{c.spec} ({c.file}:{c.line})" for c in web[:5])
    raise UsageError(f"several apps found: {where}", hint=APP_HINT)


def _by_spec(candidates: list[AppTarget], spec: str) -> AppTarget:
    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise UsageError(f"--app {spec!r} is not module:attr", hint="e.g. --app myservice.main:app")
    attr = attr.removesuffix("()")
    for c in candidates:
        if c.module == module and attr in (c.attr, c.factory):
            return c
    raise UsageError(
        f"--app {spec}: no `{attr} = FastAPI(...)`/`Flask(...)` assignment or factory returning one in {module}",
        hint="name the module and the variable (or factory function) where the app is created",
    )


def package_location(root: Path, app_file: Path) -> tuple[Path, str]:
    """(relative dir for observability/, import base) from the app's module path."""
    absolute = root / app_file
    src = source_root(root, absolute)
    parts = absolute.relative_to(src).with_suffix("").parts
    if len(parts) == 1:
        return src.relative_to(root), ""
    return (src / parts[0]).relative_to(root), parts[0]


def project_root(path: Path) -> Path:
    """`path`, or the nearest parent declaring the project (pyproject.toml, requirements*.txt),
    so the commands work from any folder inside it; never above the git work tree."""
    path = path.resolve()
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory", hint="run inside the service's repository or pass its path")
    for candidate in (path, *path.parents):
        if (candidate / "pyproject.toml").is_file() or any(candidate.glob("requirements*.txt")):
            return candidate
        if (candidate / ".git").exists():
            break
    return path


def detect(root: Path, app_spec: str | None = None) -> Detection:
    """Everything the plan needs, read from the project at `root`."""
    from obsctl.instrument.deps import read_packaging

    root = project_root(root)
    packaging, meta, declared = read_packaging(root)
    candidates, imports, mounted = scan(root)
    serving = serving_mod.detect_serving(root)
    apps = choose_apps(candidates, mounted, serving, app_spec)
    framework = apps[0].framework
    package_dir, base = package_location(root, apps[0].file)
    if "sqlmodel" in imports or "sqlmodel" in declared:
        imports.add("sqlalchemy")  # SQLModel is SQLAlchemy underneath
    clients = tuple(c for c in CLIENT_MODULES if c in imports or norm(c) in declared
                    or (c == "psycopg" and "psycopg-binary" in declared))
    name = meta.get("name") or root.name
    return Detection(
        root=root,
        name=name,
        version=meta.get("version") or "0.0.0",
        packaging=packaging,
        framework=framework,
        apps=tuple(apps),
        package_dir=package_dir,
        import_base=base,
        serving=serving,
        clients=clients,
        declared=tuple(sorted(declared)),
    )
