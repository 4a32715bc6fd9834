"""Between the command and the runner: which probes to run, their clients, one run, watch rounds.

No printing here except through the renderer, no exits: errors are ObsctlError kinds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from obsctl.core.errors import CheckFailed, ConfigError, UsageError
from obsctl.health.model import FAIL, WARN, ProbeSpec, RunReport
from obsctl.health.probes import ProbeEnv, redact_result
from obsctl.health.runner import RunOptions, prepare, run, select

if TYPE_CHECKING:
    from obsctl.core.context import AppContext


@dataclass(frozen=True)
class HealthOptions:
    """Everything `obsctl health` was asked to do, validated."""

    file: str | None = None
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    output: str | None = None
    strict: bool = False
    fail_fast: bool = False
    watch: float | None = None
    concurrency: int = 256


def load_probes(actx: AppContext, opts: HealthOptions) -> tuple[list[ProbeSpec], str]:
    """The probes to run and where they came from: -f, the context's `health:`, or the defaults."""
    from obsctl.health.config import default_probes, load_probes_file, parse_document

    if opts.file:
        loaded = load_probes_file(opts.file)
        probes, source = list(loaded.probes), loaded.source
    else:
        settings = actx.settings
        if settings.health:
            source = f"contexts.{settings.context}.health"
            probes = list(parse_document(dict(settings.health), source).probes)
        else:
            source = "defaults"
            probes = list(default_probes(list(settings.backends)))
    chosen = select(probes, opts.only, opts.skip)
    if not chosen:
        flags = " ".join([*(f"--only {p}" for p in opts.only), *(f"--skip {p}" for p in opts.skip)])
        known = ", ".join(p.name for p in probes) or "none"
        raise UsageError(f"no probe left to run after {flags}", hint=f"probes in {source}: {known}")
    return chosen, source


def probe_env(actx: AppContext, probes: Sequence[ProbeSpec], source: str) -> ProbeEnv:
    """Build the backend clients now (main thread), so a missing URL is a usage error up front."""
    clients = {}
    for spec in probes:
        if spec.kind != "backend":
            continue
        name = spec.config.backend
        if name in clients:
            continue
        try:
            clients[name] = actx.client(name)
        except UsageError as exc:
            raise ConfigError(
                f"{source}: probes[{spec.index}] ({spec.name}).backend.name: {exc.message}", hint=exc.hint
            ) from None
    prepare(probes)
    return ProbeEnv(env=actx.env, clients=clients, now=actx.now, debug=actx.debug, stderr=actx.out.stderr)


def run_once(probes: Sequence[ProbeSpec], penv: ProbeEnv, opts: HealthOptions, now_text: str) -> RunReport:
    started = time.perf_counter()
    results = run(probes, penv, RunOptions(concurrency=opts.concurrency, fail_fast=opts.fail_fast))
    results = [redact_result(r) for r in results]  # one redaction for every format and column
    return RunReport(tuple(results), (time.perf_counter() - started) * 1000, now_text, strict=opts.strict)


def outcome(report: RunReport) -> None:
    """Raise CheckFailed (exit 1) when the run failed, or warned under --strict."""
    failed = [r for r in report.results if r.status == FAIL]
    if failed:
        n = len(failed)
        raise CheckFailed(f"{n:,} check{'s' if n != 1 else ''} failed: {name_list(r.name for r in failed)}")
    warned = [r for r in report.results if r.status == WARN]
    if report.strict and warned:
        n = len(warned)
        raise CheckFailed(
            f"{n:,} check{'s' if n != 1 else ''} warned and --strict is set: {name_list(r.name for r in warned)}"
        )


NAMES_SHOWN = 10


def name_list(names: Iterable[str], shown: int = NAMES_SHOWN) -> str:
    """Probe names for a one-line message: the first few (sorted), then "and N more"."""
    unique = sorted(set(names))
    if len(unique) <= shown + 1:  # "and 1 more" would be no shorter than the name
        return ", ".join(unique)
    return f"{', '.join(unique[:shown])} and {len(unique) - shown:,} more"


def watch(
    actx: AppContext,
    probes: Sequence[ProbeSpec],
    penv: ProbeEnv,
    opts: HealthOptions,
    *,
    rounds: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Re-run every `opts.watch` seconds until Ctrl-C: a live table on a TTY, each round piped."""
    from obsctl.core.timeparse import to_rfc3339
    from obsctl.health.report import render, summary_line

    out = actx.out
    assert opts.watch is not None
    done = 0
    while rounds is None or done < rounds:
        began = time.monotonic()
        report = run_once(probes, penv, opts, to_rfc3339(actx.now()))
        if out.is_tty and opts.output in (None, "table", "wide"):
            out.stdout.write("\x1b[H\x1b[2J")
            out.write(
                f"Every {opts.watch:g}s: obsctl health    {report.started_at}    {summary_line(report)}"
            )
            out.write("")
        render(report, opts.output, out)
        if not out.is_tty and opts.output in (None, "tsv", "csv", "table", "wide"):
            out.write("")  # a blank line between rounds keeps them apart in a log
        done += 1
        if rounds is not None and done >= rounds:
            break
        sleep(max(0.0, opts.watch - (time.monotonic() - began)))
