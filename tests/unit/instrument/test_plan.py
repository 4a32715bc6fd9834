"""Plan mechanics: undo records, all-or-nothing apply, manifest discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from obsctl.core.errors import UsageError
from obsctl.instrument.plan import FileChange, Plan, apply, edit_ops, undo_ops


def test_undo_restores_bytes_even_with_crlf_and_no_final_newline():
    before = "a\r\nb\r\nc"
    after = "a\r\nimport x\r\nb\r\nc\r\nx()\r\n"
    assert undo_ops(after, edit_ops(before, after), Path("f")) == before


def test_undo_finds_added_lines_after_the_user_changed_other_lines():
    before = "import os\napp = A()\n"
    after = "import os\nimport obs\napp = A()\nobs(app)\n"
    ops = edit_ops(before, after)
    moved = "# new header\n" + after + "def more():\n    pass\n"
    assert undo_ops(moved, ops, Path("f")) == "# new header\n" + before + "def more():\n    pass\n"


def test_undo_refuses_when_added_lines_were_changed():
    before, after = "x\n", "x\ny()\n"
    with pytest.raises(UsageError, match="cannot take them out safely"):
        undo_ops("x\nz()\n", edit_ops(before, after), Path("f"))


def test_apply_is_all_or_nothing(tmp_path):
    (tmp_path / "keep.txt").write_text("original")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a directory is needed")
    plan = Plan(
        root=tmp_path,
        changes=[
            FileChange(Path("keep.txt"), "original", "changed", False),
            FileChange(Path("new/dir/file.py"), None, "x = 1\n", True),
            FileChange(Path("blocker/sub/file.py"), None, "boom\n", True),
        ],
    )
    with pytest.raises(OSError):
        apply(plan)
    assert (tmp_path / "keep.txt").read_text() == "original"
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "keep.txt"]


def test_diff_lists_edits_not_new_files(tmp_path):
    plan = Plan(root=tmp_path, changes=[FileChange(Path("a.py"), "x\n", "x\ny\n", False),
                                        FileChange(Path("n.py"), None, "z\n", True)])
    assert plan.diff() == "--- a/a.py\n+++ b/a.py\n@@ -1 +1,2 @@\n x\n+y\n"
    assert plan.new_files() == [Path("n.py")]


def test_diff_can_include_new_files(tmp_path):
    plan = Plan(root=tmp_path, changes=[FileChange(Path("n.py"), None, "z\n", True)])
    assert plan.diff(include_new=True) == "--- /dev/null\n+++ b/n.py\n@@ -0,0 +1 @@\n+z\n"
