"""`instrument check`: start the instrumented app and prove traces, metrics and logs come out.

The app runs in its own process group with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an in-process
OTLP receiver; its output is captured to a temp file to find the JSON log lines. The process
group is always stopped (also on Ctrl-C or a failed check).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from obsctl.core.errors import CheckFailed, UsageError
from obsctl.core.output import Column, Output
from obsctl.instrument.detect import Detection

PASS = "pass"
FAIL = "fail"
FORMATS = ("table", "wide", "json", "jsonl", "yaml", "csv", "tsv")
COLUMNS = [
    Column("status", "status"),
    Column("name", "check"),
    Column("summary", "detail"),
    Column("time", "time"),
    Column("target", "target", wide_only=True),
    Column("error", "error", wide_only=True),
]

# label values may hold braces (route="/items/{item_id}"): match quoted strings as a whole
_COUNTER = re.compile(r'^http_requests_total\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\}\s+([0-9.eE+-]+)', re.MULTILINE)


@dataclass(frozen=True)
class CheckOptions:
    cmd: str | None = None
    routes: tuple[str, ...] = ("/",)
    timeout: float = 30.0
    requests: int = 3


@dataclass(frozen=True)
class CheckResult:
    """One check line, in the same shape and statuses as `obsctl health` results."""

    name: str
    status: str
    summary: str
    target: str | None = None
    duration_ms: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "summary": self.summary, "target": self.target,
                "duration_ms": round(self.duration_ms, 3), "error": self.error}


def _ms(ms: float) -> str:
    return "<1ms" if ms < 1 else f"{ms:.0f}ms" if ms < 1000 else f"{ms / 1000:.2f}s"


def render(results: list[CheckResult], fmt: str | None, out: Output, duration_ms: float) -> None:
    """Check lines like `obsctl health`: table on a TTY, TSV piped, -o json/yaml documents."""
    failed = sum(r.status == FAIL for r in results)
    if fmt in ("json", "yaml"):
        doc = {"version": 1, "status": FAIL if failed else PASS, "duration_ms": round(duration_ms, 3),
               "results": [r.to_json() for r in results]}
        out.render_document(doc, fmt)
    else:
        styles = {PASS: ("green",), FAIL: ("red", "bold")}
        rows = [{**r.to_json(), "status": out.style(r.status, *styles[r.status]), "time": _ms(r.duration_ms)}
                for r in results]
        out.render_rows(COLUMNS, rows, fmt)
    if out.is_human(fmt):
        for r in results:
            if r.status == FAIL and r.error:
                out.info(f"{r.name}: {r.error}")
        out.info(f"{len(results) - failed} passed, {failed} failed ({len(results)} checks in {duration_ms / 1000:.2f}s)")
    if failed:
        names = ", ".join(r.name for r in results if r.status == FAIL)
        raise CheckFailed(f"{failed} check{'s' if failed != 1 else ''} failed: {names}")


@dataclass
class Probe:
    """What the check saw, filled step by step."""

    base: str
    results: list[CheckResult] = field(default_factory=list)

    def add(self, name: str, ok: bool, summary: str, started: float, target: str | None = None,
            error: str | None = None) -> bool:
        self.results.append(CheckResult(name, PASS if ok else FAIL, summary, target,
                                        (time.monotonic() - started) * 1000, error))
        return ok


def start_receiver() -> Any:
    """The traces signal's OTLP/HTTP receiver, started on a free loopback port.

    The SDK's OTLP/HTTP exporter sends protobuf, which the receiver decodes with opentelemetry-proto
    (the `otlp` extra): without it the check could never see a span, so it stops here and says why.
    """
    from obsctl.traces.receiver import Receiver, proto_available

    if not proto_available():
        raise UsageError(
            "`instrument check` needs opentelemetry-proto to read the app's OTLP/protobuf spans",
            hint="install it: pip install 'obsctl[otlp]'",
        )
    return Receiver().start()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def python_for(root: Path) -> str:
    """The project's virtualenv python when it has one, else the interpreter running obsctl."""
    for rel in (".venv/bin/python", "venv/bin/python", ".venv/Scripts/python.exe"):
        if (root / rel).is_file():
            return str(root / rel)
    return sys.executable


CHECK_WORKERS = 2  # enough to prove metrics add up across workers, light on a small machine


def app_command(det: Detection, port: int, cmd: str | None) -> list[str]:
    """The command that serves the app on 127.0.0.1:port: --cmd, else the detected gunicorn/uvicorn
    command line (at most CHECK_WORKERS workers), else one uvicorn/flask/runserver process."""
    if cmd:
        return shlex.split(cmd.replace("{port}", str(port)))
    py = python_for(det.root)
    target = det.apps[0]
    serving = det.serving
    if serving is not None and serving.app_spec and serving.server in ("gunicorn", "uvicorn"):
        workers = min(serving.workers or 1, CHECK_WORKERS)
        if serving.server == "gunicorn":
            klass = ["-k", serving.worker_class] if serving.worker_class else []
            return [py, "-m", "gunicorn", serving.app_spec, "-b", f"127.0.0.1:{port}", "-w", str(workers), *klass]
        factory = ["--factory"] if serving.factory else []
        many = ["--workers", str(workers)] if workers > 1 else []
        spec = serving.app_spec.removesuffix("()")
        return [py, "-m", "uvicorn", spec, *factory, "--host", "127.0.0.1", "--port", str(port), *many]
    if det.framework == "django":
        return [py, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    if det.framework == "flask":
        spec = f"{target.module}:{target.factory}()" if target.factory else f"{target.module}:{target.attr}"
        return [py, "-m", "flask", "--app", spec, "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"]
    spec = f"{target.module}:{target.factory or target.attr}"
    factory = ["--factory"] if target.factory else []
    return [py, "-m", "uvicorn", spec, *factory, "--host", "127.0.0.1", "--port", str(port)]


def app_env(det: Detection, endpoint: str, port: int, command: list[str] | None = None) -> dict[str, str]:
    """The app's environment: OTLP to our receiver, quick batches, its code importable.

    The sampler is left as the app configures it: the requests carry a sampled traceparent, which a
    parent-based sampler (the generated default) always follows, so what is checked is what runs.

    uvicorn with several workers has no config hook, so PROMETHEUS_MULTIPROC_DIR is set here, as the
    plan tells users to do (gunicorn gets it from the generated gunicorn.conf.py).
    """
    env = dict(os.environ)
    if command and "uvicorn" in command and "--workers" in command and not env.get("PROMETHEUS_MULTIPROC_DIR"):
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="obsctl-check-metrics-")
    env.pop("OTEL_SDK_DISABLED", None)
    paths = [str(det.root / "src"), str(det.root)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env.update({
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(paths),
        "PORT": str(port),
    })
    return env


def _get(url: str, timeout: float = 5.0, headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback only
            return int(resp.status), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode("utf-8", "replace")


def counter_total(text: str) -> float:
    """Sum of http_requests_total over every label set except the probes (route /health*, /metrics)."""
    return sum(float(v) for labels, v in _COUNTER.findall(text) if 'route="/health' not in labels
               and 'route="/metrics"' not in labels)


def wait_until(pred: Callable[[], bool], deadline: float, alive: Callable[[], bool], interval: float = 0.1) -> bool:
    while time.monotonic() < deadline:
        if pred():
            return True
        if not alive():
            return False
        time.sleep(interval)
    return pred()


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the app's process group, SIGKILL after 5 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except (ProcessLookupError, PermissionError):
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def run(det: Detection, service: str, opts: CheckOptions, receiver: Any) -> list[CheckResult]:
    """Start the app, exercise it, collect verdicts; the app is stopped before returning."""
    import shutil

    port = free_port()
    command = app_command(det, port, opts.cmd)
    env = app_env(det, receiver.endpoint, port, command)
    made = env.get("PROMETHEUS_MULTIPROC_DIR") if env.get("PROMETHEUS_MULTIPROC_DIR") != os.environ.get(
        "PROMETHEUS_MULTIPROC_DIR") else None
    log = tempfile.NamedTemporaryFile(prefix="obsctl-check-", suffix=".log", delete=False)  # noqa: SIM115
    try:
        proc = _spawn(command, det.root, env, log)
        try:
            return _exercise(Probe(f"http://127.0.0.1:{port}"), proc, service, opts, receiver, Path(log.name))
        finally:
            stop(proc)
    finally:
        log.close()
        os.unlink(log.name)
        if made:
            shutil.rmtree(made, ignore_errors=True)


def _spawn(command: list[str], cwd: Path, env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        raise UsageError(f"cannot start the app: {shlex.join(command)}: {exc}",
                         hint='pass the command that serves it: --cmd "uvicorn pkg.main:app --port {port}"') from None


def _exercise(p: Probe, proc: subprocess.Popen[bytes], service: str, opts: CheckOptions, receiver: Any,
              log_path: Path) -> list[CheckResult]:
    started = time.monotonic()
    deadline = started + opts.timeout
    answered = wait_until(lambda: _answers(p.base), deadline, lambda: proc.poll() is None)
    detail = "" if answered else _tail(log_path)
    if not p.add("app answered", answered, f"{p.base} answered" if answered else
                 f"no answer within {opts.timeout:g}s" + (" (the app exited)" if proc.poll() is not None else ""),
                 started, p.base, error=detail or None):
        return p.results
    t = time.monotonic()
    before = counter_total(_get(p.base + "/metrics")[1])
    sent: set[str] = set()
    for _ in range(opts.requests):
        for route in opts.routes:
            trace_id = secrets.token_hex(16)
            sent.add(trace_id)
            _get(p.base + route, headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"})
    code, body = _get(p.base + "/health/ready")
    p.add("/health/ready answered", code == 200, f"{code} {body[:80]}", t, p.base + "/health/ready")
    t = time.monotonic()
    status, text = _get(p.base + "/metrics")
    moved = counter_total(text) - before
    want = opts.requests * len(opts.routes)
    p.add("request counter moved", status == 200 and moved >= want,
          f"http_requests_total +{moved:g} after {want} requests" if status == 200 else f"/metrics answered {status}",
          t, p.base + "/metrics")
    t = time.monotonic()
    wait_until(lambda: any(s.service == service and s.trace_id in sent for s in receiver.spans()),
               time.monotonic() + 10, lambda: True)
    spans = [s for s in receiver.spans() if s.service == service and s.trace_id in sent]
    others = sorted({s.service for s in receiver.spans()} - {service})
    p.add("spans arrived", bool(spans), f"{len(spans)} spans with service.name={service}" if spans else
          f"no span with service.name={service}" + (f" (got {', '.join(others)})" if others else
          " (a sampler that is not parent-based ignores the sampled traceparent the requests carry)"),
          t, receiver.endpoint)
    t = time.monotonic()
    ids = {s.trace_id for s in spans}
    found = wait_until(lambda: bool(_logged_ids(log_path) & ids), time.monotonic() + 3, lambda: True)
    p.add("log line carries a trace id", found,
          "a JSON log line has the trace_id of a received span" if found else
          ("no spans to correlate" if not ids else "no JSON log line with the trace_id of a received span"), t)
    return p.results


def _answers(base: str) -> bool:
    try:
        _get(base + "/health/live", timeout=1)
        return True
    except (OSError, ValueError):
        return False


def _logged_ids(path: Path) -> set[str]:
    ids: set[str] = set()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if '"trace_id"' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("trace_id"), str):
            ids.add(entry["trace_id"])
    return ids


def _tail(path: Path, lines: int = 5) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(text[-lines:])
