"""The `command` probe: run a command (no shell unless `shell: true`), check its exit code and output.

Commands still running when the run ends (cut at their deadline) are killed by `kill_leftovers`.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from obsctl.health.config import CommandConfig
from obsctl.health.model import FAIL, PASS, Assertion, CheckResult, ProbeSpec
from obsctl.health.probes import ProbeEnv, elapsed_ms, error_result, excerpt, make_result, pattern_assertion

_live_lock = threading.Lock()
_live: set[subprocess.Popen[bytes]] = set()


def kill_leftovers() -> None:
    """Kill commands still running after the run ended (their probe was cut at its deadline)."""
    with _live_lock:
        procs = list(_live)
        _live.clear()
    for proc in procs:
        if proc.poll() is None:
            proc.kill()


def run_command(spec: ProbeSpec, penv: ProbeEnv, timeout: float) -> list[CheckResult]:
    """Run a command (no shell unless `shell: true`) and check its exit code and output."""
    cfg: CommandConfig = spec.config
    shown = cfg.argv[0] if cfg.shell else " ".join(cfg.argv)
    check = f"run {excerpt(shown, 60)}"
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(  # noqa: S603 - the user's own probe command
            cfg.argv[0] if cfg.shell else list(cfg.argv),
            shell=cfg.shell,  # noqa: S602
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cfg.cwd,
            env=dict(penv.env),
            start_new_session=sys.platform != "win32",
        )
    except FileNotFoundError:
        return [error_result(spec, check, f"command not found: {cfg.argv[0]}")]
    except OSError as exc:
        return [error_result(spec, check, f"cannot run {cfg.argv[0]}: {exc.strerror}")]
    with _live_lock:
        _live.add(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return [
            error_result(
                spec,
                check,
                f"timed out after {timeout:g}s (killed)",
                duration_ms=elapsed_ms(started),
            )
        ]
    finally:
        with _live_lock:
            _live.discard(proc)
    total = elapsed_ms(started)
    code = proc.returncode
    stdout = out.decode(errors="replace")
    stderr = err.decode(errors="replace")
    assertions = [
        Assertion(
            "exit",
            PASS if code in cfg.expect_exit else FAIL,
            expected=" or ".join(map(str, cfg.expect_exit)),
            observed=str(code),
        )
    ]
    if cfg.expect_output is not None:
        assertions.append(pattern_assertion("output", cfg.expect_output, stdout))
    result = make_result(
        spec,
        check,
        assertions,
        ok_summary=f"exit {code} in {total:.0f} ms",
        duration_ms=total,
        observed={"exit_code": code},
    )
    if result.status == FAIL:
        from dataclasses import replace

        from obsctl.health.probes import redact_text

        text = stderr.strip() or stdout.strip()
        result = replace(result, body_excerpt=excerpt(redact_text(text)) if text else None)
    return [result]
