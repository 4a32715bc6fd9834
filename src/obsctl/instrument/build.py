"""Turn a Detection into the init Plan, and a manifest into the remove Plan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obsctl.core.errors import UsageError
from obsctl.instrument import DEFAULT_SAMPLE_RATIO, deps, generate, ops
from obsctl.instrument.detect import Detection
from obsctl.instrument.patch import patch_source
from obsctl.instrument.plan import (
    MANIFEST_NAME,
    FileChange,
    Plan,
    edit_ops,
    find_manifest,
    load_manifest,
    manifest_text,
    read_exact,
    sha,
    undo_ops,
)


@dataclass(frozen=True)
class InitOptions:
    ops: bool = True
    sentry: bool = False
    force: bool = False
    sample_ratio: float = DEFAULT_SAMPLE_RATIO


def describe(det: Detection) -> list[str]:
    pk = det.packaging
    lines = [
        f"project     {det.name} {det.version} ({det.root})",
        f"packaging   {pk.kind} ({pk.manifest}{', ' + pk.backend if pk.backend else ''})"
        + (f", lock {pk.lock}" if pk.lock else ""),
        f"framework   {det.framework}",
    ]
    for app in det.apps:
        where = f"factory {app.factory}()" if app.factory else f"`{app.attr}`"
        lines.append(f"app         {app.file}:{app.line} {where}")
    lines.append(f"served by   {det.serving.describe() if det.serving else 'not found (no Dockerfile/Procfile/uvicorn.run)'}")
    lines.append(f"clients     {', '.join(det.clients) or 'none found'}")
    lines.append(f"package     {det.obs_dir}/ (import {det.obs_module})")
    return lines


def sampling_line(ratio: float) -> str:
    """How traces will be sampled, for the plan."""
    share = "every new trace" if ratio >= 1 else f"{ratio * 100:g}% of new traces" if ratio > 0 else "no new trace"
    return (f"sampling    {share}, and every request whose caller sent a sampled traceparent "
            "(OTEL_TRACES_SAMPLER_ARG overrides)")


def _uses_gunicorn(det: Detection) -> bool:
    return det.serving is not None and det.serving.server == "gunicorn"


def _own_gunicorn_conf(det: Detection, tracked: dict[str, str]) -> bool:
    """gunicorn.conf.py is ours to write: absent, or written by an earlier run."""
    return not (det.root / "gunicorn.conf.py").exists() or "gunicorn.conf.py" in tracked


def wanted_files(det: Detection, opts: InitOptions, tracked: dict[str, str]) -> dict[Path, str]:
    """Every generated file for these options (`tracked`: the manifest's hashes of earlier runs)."""
    files = generate.package_files(det, opts.sentry, opts.sample_ratio)
    if opts.ops:
        files.update(ops.ops_files(det))
    if _uses_gunicorn(det) and _own_gunicorn_conf(det, tracked):
        files[Path("gunicorn.conf.py")] = generate.gunicorn_conf(det)
    return files


def init_plan(det: Detection, opts: InitOptions) -> Plan:
    """Everything `init` would do; a no-op plan when the project is already instrumented."""
    root = det.root
    plan = Plan(root=root, summary=[*describe(det), sampling_line(opts.sample_ratio)],
                lock_command=det.packaging.lock_command)
    manifest = load_manifest(root, det.obs_dir) or {"generated": {}, "edits": {}}
    if manifest["generated"] == {} and (root / det.obs_dir).exists():
        raise UsageError(
            f"{det.obs_dir}/ exists and was not written by obsctl",
            hint="rename or remove it, or pass --app to instrument another package",
        )
    generated = wanted_files(det, opts, manifest["generated"])
    for path, text in generated.items():
        _plan_generated(plan, root, path, text, manifest["generated"].get(path.as_posix()), opts.force)
    edits: dict[str, Any] = dict(manifest["edits"])
    for app in det.apps:
        _plan_edit(plan, root, app.file, lambda src, app=app: patch_source(src, app, det.obs_module), edits)
    declared = {deps._norm(n): n for n in det.declared}
    wanted = deps.required(det.framework, det.clients, opts.sentry, declared)
    plan.deps_added = deps.missing(wanted, declared)
    _plan_edit(
        plan, root, det.packaging.manifest,
        lambda src: deps.add_to_manifest(det.packaging.kind, src, plan.deps_added), edits,
    )
    taken = _routes_taken(det)
    if taken:
        plan.notes.append(f"your app already defines {', '.join(taken)}: the generated routes are registered "
                          "first and take precedence; rename yours or drop ours in web.py")
    if plan.deps_added and det.packaging.lock_command:
        plan.notes.append(f"refresh {det.packaging.lock or 'the lock file'}: {det.packaging.lock_command}")
    if det.serving is not None and det.serving.server == "uvicorn" and (det.serving.workers or 1) > 1:
        plan.notes.append(f"uvicorn runs {det.serving.workers} workers: export PROMETHEUS_MULTIPROC_DIR=<empty dir> "
                          "before starting it so /metrics adds up every worker")
    if _uses_gunicorn(det) and not _own_gunicorn_conf(det, manifest["generated"]):
        plan.notes.append("gunicorn.conf.py exists: add PROMETHEUS_MULTIPROC_DIR and the child_exit hook "
                          "(see docs/instrument.md) for metrics across workers")
    if plan.changes:
        options = {"ops": opts.ops, "sentry": opts.sentry}
        # files generated by an earlier run stay tracked (e.g. ops files after a later --no-ops run)
        hashes = dict(manifest["generated"]) | {p.as_posix(): sha(t) for p, t in generated.items()}
        text = manifest_text(hashes, edits, options)
        mpath = det.obs_dir / MANIFEST_NAME
        old = root / mpath
        plan.changes.append(FileChange(mpath, read_exact(old) if old.exists() else None, text, True))
    return plan


_OUR_ROUTES = re.compile(r"""["'](/metrics|/health(?:/live|/ready)?)/?["']""")


def _routes_taken(det: Detection) -> list[str]:
    """Paths the generated code serves that the user's own source already mentions as routes."""
    from obsctl.instrument.detect import iter_sources

    found: set[str] = set()
    for file in iter_sources(det.root):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "/health" in text or "/metrics" in text:
            found.update(m.group(1) for m in _OUR_ROUTES.finditer(text))
    return sorted(found)


def _plan_generated(plan: Plan, root: Path, path: Path, text: str, recorded: str | None, force: bool) -> None:
    target = root / path
    if not target.exists():
        plan.changes.append(FileChange(path, None, text, True))
        return
    current = read_exact(target)
    if current == text:
        return
    if recorded is None and not force:
        raise UsageError(f"{path} exists and was not written by obsctl", hint="move it away, or pass --force to replace it")
    if recorded is not None and sha(current) != recorded and sha(text) == recorded and not force:
        return  # the user edited it and obsctl has nothing new for it: keep theirs, nothing to do
    if recorded is not None and sha(current) != recorded and not force:
        raise UsageError(
            f"{path} was edited since obsctl generated it: refusing to overwrite your changes",
            hint="keep your version (nothing to do), or pass --force to regenerate it",
        )
    plan.changes.append(FileChange(path, current, text, True))


def _plan_edit(plan: Plan, root: Path, path: Path, edit: Any, edits: dict[str, Any]) -> None:
    before = read_exact(root / path)
    after = edit(before)
    if after == before:
        return
    ops = edit_ops(before, after)
    record = edits.get(path.as_posix())
    if record is not None:  # a second edit of the same file (e.g. new deps): chain the undo steps
        ops = record["ops"] + ops
    edits[path.as_posix()] = {"before": record["before"] if record else sha(before), "after": sha(after), "ops": ops}
    plan.changes.append(FileChange(path, before, after, False))


def remove_plan(root: Path, force: bool = False) -> Plan:
    """Delete the generated files and undo the edits, as recorded in the manifest."""
    from obsctl.instrument.detect import project_root

    root = project_root(root)
    obs_dir = find_manifest(root)
    if obs_dir is None:
        raise UsageError(f"{root} is not instrumented by obsctl (no observability/{MANIFEST_NAME})",
                         hint="run it in the project where `obsctl instrument init` ran")
    manifest = load_manifest(root, obs_dir)
    assert manifest is not None
    plan = Plan(root=root, summary=[f"manifest    {obs_dir / MANIFEST_NAME}"])
    for rel, digest in sorted(manifest["generated"].items()):
        target = root / rel
        if not target.exists():
            continue
        current = read_exact(target)
        if sha(current) != digest and not force:
            raise UsageError(f"{rel} was edited since obsctl generated it: refusing to delete your changes",
                             hint="move your changes elsewhere, or pass --force to delete it anyway")
        plan.changes.append(FileChange(Path(rel), current, None, True))
    for rel, record in sorted(manifest["edits"].items()):
        target = root / rel
        current = read_exact(target)
        restored = undo_ops(current, record["ops"], Path(rel))
        if restored != current:
            plan.changes.append(FileChange(Path(rel), current, restored, False))
    mpath = obs_dir / MANIFEST_NAME
    plan.changes.append(FileChange(mpath, read_exact(root / mpath), None, True))
    return plan
