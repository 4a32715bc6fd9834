"""Write (or --check) src/obsctl/_surface_data.py: pre-rendered `--help` and the TAB table.

`obsctl --help` and TAB are answered from it without importing typer (obsctl._fast); it carries a
digest of the sources, so a stale table is never served (the full CLI answers instead), and CI
fails when the checked-in table differs from what the live CLI generates.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
TARGET = ROOT / "src" / "obsctl" / "_surface_data.py"


def generate() -> str:
    from obsctl._surface_build import build, render_module

    return render_module(build())


def main(argv: list[str]) -> int:
    text = generate()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(
                f"stale {TARGET.relative_to(ROOT)}: run: python scripts/gen_surface.py",
                file=sys.stderr,
            )
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
