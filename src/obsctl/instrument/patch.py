"""Edits to user code with libcst: one import and one call where the app is created.

Everything else in the file, comments and formatting included, comes out byte for byte. libcst is
imported inside the functions (only `instrument init` needs it).
"""

from __future__ import annotations

from typing import Any

from obsctl.core.errors import UsageError
from obsctl.instrument.detect import AppTarget

CALL_NAME = "instrument"
ALIAS = "instrument_observability"


def _libcst() -> Any:
    try:
        import libcst
    except ImportError:
        raise UsageError(
            "`obsctl instrument` needs libcst, a dependency of obsctl that is not installed",
            hint="reinstall obsctl (pip install --force-reinstall obsctl) or pip install libcst",
        ) from None
    return libcst


def already_patched(source: str, obs_module: str) -> bool:
    return f"from {obs_module} import" in source


def patch_source(source: str, target: AppTarget, obs_module: str) -> str:
    """Source with the observability import and the `instrument(...)` call added (idempotent)."""
    if already_patched(source, obs_module):
        return source
    cst = _libcst()
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise UsageError(f"{target.file}: cannot parse: {exc}", hint="fix the syntax error, then rerun") from None
    name = ALIAS if _name_used(source, CALL_NAME) else CALL_NAME
    imp = f"from {obs_module} import {CALL_NAME}" + (f" as {ALIAS}" if name == ALIAS else "") + "\n"
    body = list(module.body)
    if target.factory:
        body = _patch_factory(cst, body, target, name)
    else:
        idx = _assignment_index(cst, body, target.attr, target)
        call = cst.parse_statement(_call(target, name))
        if target.framework == "django":
            # before `application = get_wsgi_application()` builds the middleware chain; the blank
            # lines above that statement stay above the call
            call = call.with_changes(leading_lines=body[idx].leading_lines)
            body[idx] = body[idx].with_changes(leading_lines=[])
            body.insert(idx, call)
        else:
            body.insert(idx + 1, call)
    body.insert(_import_index(cst, body), cst.parse_statement(imp))
    return str(module.with_changes(body=body).code)


def _call(target: AppTarget, name: str) -> str:
    return f"{name}()\n" if target.framework == "django" else f"{name}({target.attr})\n"


def _name_used(source: str, name: str) -> bool:
    import re

    return re.search(rf"\b{name}\b", source) is not None


def _assignment_index(cst: Any, body: list[Any], attr: str, target: AppTarget) -> int:
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value == attr for t in small.targets
                ):
                    return i
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.target.value == attr:
                    return i
    raise UsageError(f"{target.file}: no assignment to `{attr}` found", hint="pass --app module:attr")


def _patch_factory(cst: Any, body: list[Any], target: AppTarget, name: str) -> list[Any]:
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == target.factory:
            inner = list(stmt.body.body)
            if target.attr:
                idx = _assignment_index(cst, inner, target.attr, target)
                inner.insert(idx + 1, cst.parse_statement(_call(target, name)))
            else:
                inner = [_wrap_return(cst, s, name) for s in inner]
            body[i] = stmt.with_changes(body=stmt.body.with_changes(body=inner))
            return body
    raise UsageError(f"{target.file}: factory `{target.factory}` not found", hint="pass --app module:factory")


def _wrap_return(cst: Any, stmt: Any, name: str) -> Any:
    """`return FastAPI(...)` -> `return instrument(FastAPI(...))`."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return stmt
    parts = []
    for small in stmt.body:
        if isinstance(small, cst.Return) and isinstance(small.value, cst.Call):
            small = small.with_changes(value=cst.Call(func=cst.Name(name), args=[cst.Arg(small.value)]))
        parts.append(small)
    return stmt.with_changes(body=parts)


def _import_index(cst: Any, body: list[Any]) -> int:
    """After the leading docstring and import block (so `from __future__` stays first)."""
    idx = 0
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
        ):
            idx = i + 1
        elif i == 0 and isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr):
            idx = 1
        else:
            break
    return idx
