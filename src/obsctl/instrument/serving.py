"""How the service is served: uvicorn/gunicorn command lines, workers, Dockerfile CMD, `__main__`.

Read from Dockerfile*, Procfile, docker-compose*.y*ml, Makefile and `uvicorn.run(...)` calls. The
result tells the plan whether gunicorn hooks are needed and `instrument check` how to start the app.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

SERVERS = ("uvicorn", "gunicorn", "hypercorn", "granian")
_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*(\(\))?$")
_RUN_CALL = re.compile(r"uvicorn\.run\(\s*[\"']([\w.]+:[\w.]+)[\"'](?P<rest>[^)]*)\)")


@dataclass(frozen=True)
class Serving:
    server: str  # uvicorn | gunicorn | django | flask | python
    command: str  # the command line as found
    source: str  # file it was found in
    app_spec: str | None = None  # module:attr from the command
    workers: int | None = None
    factory: bool = False
    worker_class: str | None = None

    def describe(self) -> str:
        extra = f", {self.workers} workers" if self.workers else ""
        return f"{self.server} ({self.source}: {self.command}{extra})"


def _candidates(root: Path) -> list[Path]:
    pats = ("Dockerfile*", "Procfile", "docker-compose*.y*ml", "compose*.y*ml", "Makefile", "*.sh", "gunicorn.conf.py")
    out: list[Path] = []
    for pat in pats:
        out.extend(sorted(p for p in root.glob(pat) if p.is_file()))
    return out


def _dockerfile_cmd(line: str) -> str | None:
    m = re.match(r"^\s*(CMD|ENTRYPOINT)\s+(.*)$", line, re.IGNORECASE)
    if not m:
        return None
    body = m.group(2).strip()
    if body.startswith("["):
        try:
            return " ".join(str(p) for p in json.loads(body))
        except ValueError:
            return body
    return body


def parse_command(command: str, source: str) -> Serving | None:
    """A Serving from one command line, or None when it starts no known server."""
    try:
        tokens = shlex.split(command)
    except ValueError:
        tokens = command.split()
    for i, tok in enumerate(tokens):
        name = Path(tok).name
        if name in SERVERS or (name == "-m" and i + 1 < len(tokens) and tokens[i + 1] in SERVERS):
            server = tokens[i + 1] if name == "-m" else name
            return _server_args(server, tokens[i + 1 :], command, source)
        if name == "fastapi" and i + 1 < len(tokens) and tokens[i + 1] in ("run", "dev"):
            # FastAPI's own CLI serves with uvicorn; it finds `app` in the given file itself
            return _server_args("uvicorn", tokens[i + 2 :], command, source)
        if name == "manage.py" and "runserver" in tokens[i + 1 :]:
            return Serving("django", command, source)
        if name == "flask" and "run" in tokens[i + 1 :]:
            return Serving("flask", command, source)
    return None


def _server_args(server: str, args: list[str], command: str, source: str) -> Serving:
    spec = next((a for a in args if _SPEC.match(a)), None)
    workers: int | None = None
    worker_class = None
    for j, a in enumerate(args):
        nxt = args[j + 1] if j + 1 < len(args) else ""
        if a in ("--workers", "-w") and nxt.isdigit():
            workers = int(nxt)
        elif a.startswith("--workers="):
            workers = int(a.split("=", 1)[1]) if a.split("=", 1)[1].isdigit() else None
        elif a in ("-k", "--worker-class"):
            worker_class = nxt
    factory = "--factory" in args or bool(spec and spec.endswith("()"))
    return Serving(server, command, source, spec, workers, factory, worker_class)


def detect_serving(root: Path) -> Serving | None:
    """The first serving command found in the project's run files, else a `uvicorn.run` call."""
    for path in _candidates(root):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if path.name.startswith("Dockerfile"):
                line = _dockerfile_cmd(line) or ""
            elif path.name == "Procfile":
                line = line.split(":", 1)[1] if ":" in line else line
            line = re.sub(r"^\s*(-\s*)?(command|web|CMD)\s*:\s*", "", line)
            found = parse_command(line.strip("\"'[] "), str(path.relative_to(root)))
            if found is not None:
                return found
    return _main_block(root)


def _main_block(root: Path) -> Serving | None:
    for path in sorted(root.glob("*.py")) + sorted(root.glob("*/__main__.py")) + sorted(root.glob("src/*/__main__.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        m = _RUN_CALL.search(text)
        if m:
            rest = m.group("rest")
            w = re.search(r"workers\s*=\s*(\d+)", rest)
            return Serving(
                "uvicorn", m.group(0), str(path.relative_to(root)), m.group(1),
                int(w.group(1)) if w else None, "factory=True" in rest.replace(" ", ""),
            )
    return None
