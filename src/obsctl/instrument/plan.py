"""A Plan: every file init (or remove) will create, change or delete, shown before it is applied.

Applying is all-or-nothing: originals are kept in memory and restored if any write fails. The
manifest inside the generated package records a hash per generated file (so a file the user
edited is never overwritten or deleted) and, per edited user file, the exact lines added and
removed (so `remove` restores it byte for byte, even when the rest of the file changed since).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from obsctl.core.errors import UsageError

MANIFEST_NAME = ".obsctl-manifest.json"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class FileChange:
    path: Path  # relative to the project root
    before: str | None  # None: the file is new
    after: str | None  # None: the file is deleted
    generated: bool  # ours (tracked by hash) rather than an edit of the user's file

    @property
    def kind(self) -> str:
        return "new" if self.before is None else "delete" if self.after is None else "edit"


@dataclass
class Plan:
    root: Path
    changes: list[FileChange] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # what was detected, for people
    deps_added: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lock_command: str | None = None

    @property
    def noop(self) -> bool:
        return not self.changes

    def new_files(self) -> list[Path]:
        return [c.path for c in self.changes if c.kind == "new"]

    def diff(self, include_new: bool = False) -> str:
        """Unified diff of edits and deletions; new files too (from /dev/null) with include_new."""
        chunks: list[str] = []
        for c in self.changes:
            if c.kind == "new" and not include_new:
                continue
            before = (c.before or "").splitlines(keepends=True)
            after = (c.after or "").splitlines(keepends=True)
            to = "/dev/null" if c.after is None else f"b/{c.path.as_posix()}"
            src = "/dev/null" if c.before is None else f"a/{c.path.as_posix()}"
            lines = difflib.unified_diff(before, after, src, to)
            chunks.extend(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
        return "".join(chunks)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_exact(path: Path) -> str:
    """File text with its line endings untouched (no universal-newline translation)."""
    return path.read_bytes().decode("utf-8")


def edit_ops(before: str, after: str) -> list[dict[str, Any]]:
    """The line blocks an edit replaced: enough to undo it on the edited file."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            ops.append({"at": j1, "added": b[j1:j2], "removed": a[i1:i2]})
    return ops


def undo_ops(current: str, ops: list[dict[str, Any]], path: Path) -> str:
    """Take out what init added; where the file moved on, find each added block by content."""
    lines = current.splitlines(keepends=True)
    for op in reversed(ops):
        added, removed, at = op["added"], op["removed"], op["at"]
        if lines[at : at + len(added)] != added:
            at = _find_unique(lines, added, path)
        lines[at : at + len(added)] = removed
    return "".join(lines)


def _find_unique(lines: list[str], block: list[str], path: Path) -> int:
    hits = [i for i in range(len(lines) - len(block) + 1) if lines[i : i + len(block)] == block]
    if len(hits) != 1 or not block:
        raise UsageError(
            f"{path}: the lines `instrument init` added were changed, cannot take them out safely",
            hint="remove the observability import/call or dependency lines by hand, or restore them and rerun",
        )
    return hits[0]


def load_manifest(root: Path, obs_dir: Path) -> dict[str, Any] | None:
    path = root / obs_dir / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UsageError(f"{path}: unreadable manifest: {exc}", hint="restore it from git") from None
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        raise UsageError(f"{path}: unknown manifest version", hint="use the obsctl version that wrote it")
    return data


def find_manifest(root: Path) -> Path | None:
    """The generated package's manifest: observability/ at the root, in a package, or under src/."""
    for pattern in ("observability", "*/observability", "src/*/observability"):
        for obs in sorted(root.glob(pattern)):
            if (obs / MANIFEST_NAME).is_file():
                return obs.relative_to(root)
    return None


def manifest_text(hashes: dict[str, str], edits: dict[str, Any], options: dict[str, Any]) -> str:
    """The manifest: sha256 per generated file (relative posix path) and the undo record per edit."""
    data = {
        "version": MANIFEST_VERSION,
        "tool": "obsctl instrument init",
        "options": options,
        "generated": dict(sorted(hashes.items())),
        "edits": edits,
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def dirty_files(root: Path, paths: list[Path]) -> list[Path]:
    """Paths with uncommitted changes in git (none when root is not in a work tree)."""
    if not paths:
        return []
    try:
        proc = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", *(p.as_posix() for p in paths)],
            cwd=root, capture_output=True, text=True, timeout=20, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if proc.returncode != 0:
        return []
    dirty = {line[3:].strip().strip('"') for line in proc.stdout.splitlines() if len(line) > 3}
    prefix = _git_prefix(root)
    return [p for p in paths if (prefix + p.as_posix()) in dirty or p.as_posix() in dirty]


def _git_prefix(root: Path) -> str:
    try:
        proc = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def refuse_dirty(root: Path, plan: Plan) -> None:
    edited = [c.path for c in plan.changes if not c.generated and c.before is not None]
    dirty = dirty_files(root, edited)
    if dirty:
        names = ", ".join(p.as_posix() for p in dirty)
        raise UsageError(
            f"uncommitted changes in {names}: refusing to edit them",
            hint="commit or stash them first (so the edit is reviewable and revertible), or pass --force",
        )


def apply(plan: Plan) -> None:
    """Write every change or none: on any failure the tree is put back as it was."""
    root = plan.root
    backups: list[tuple[Path, bytes | None]] = []
    made_dirs: list[Path] = []
    try:
        for change in plan.changes:
            target = root / change.path
            backups.append((target, target.read_bytes() if target.exists() else None))
            if change.after is None:
                target.unlink()
                continue
            made_dirs.extend(_mkdirs(target.parent))
            tmp = target.with_name(target.name + ".obsctl-tmp")
            tmp.write_bytes(change.after.encode("utf-8"))
            os.replace(tmp, target)
        _prune_empty_dirs(root, plan)
    except BaseException:
        _rollback(backups, made_dirs)
        raise


def _rollback(backups: list[tuple[Path, bytes | None]], made_dirs: list[Path]) -> None:
    """Put every touched file back; one failing step must not stop the others."""
    for target, data in reversed(backups):
        try:
            target.with_name(target.name + ".obsctl-tmp").unlink(missing_ok=True)
            if data is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        except OSError:
            continue
    for d in reversed(made_dirs):
        try:
            d.rmdir()
        except OSError:
            pass


def _mkdirs(path: Path) -> list[Path]:
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for d in reversed(missing):
        d.mkdir()
    return list(reversed(missing))


def _prune_empty_dirs(root: Path, plan: Plan) -> None:
    """After deletions: remove directories left empty (deepest first), never the root."""
    dirs = {p for c in plan.changes if c.after is None for p in (root / c.path).parents if root in p.parents}
    for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
        try:
            cache = d / "__pycache__"
            if cache.is_dir() and [e.name for e in d.iterdir()] == ["__pycache__"]:
                shutil.rmtree(cache)  # bytecode of the generated modules we just deleted
            if d.is_dir() and not any(d.iterdir()):
                d.rmdir()
        except OSError:
            pass
