"""What a probe is (ProbeSpec) and what it found (CheckResult), shared by runner, probes and report.

Plain frozen dataclasses, no I/O: the JSON shape of a result is `CheckResult.to_json()`, documented
in docs/health.md and pinned by tests, so keep keys stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PASS = "pass"
WARN = "warn"
FAIL = "fail"
SKIP = "skip"
STATUSES = (PASS, WARN, FAIL, SKIP)
_RANK = {SKIP: 0, PASS: 1, WARN: 2, FAIL: 3}

KINDS = ("http", "tcp", "dns", "redis", "postgres", "system", "process", "command", "backend")


def worst(*statuses: str) -> str:
    """The most severe status (fail > warn > pass > skip); pass for none."""
    present = [s for s in statuses if s]
    if not present:
        return PASS
    return max(present, key=lambda s: _RANK[s])


@dataclass(frozen=True)
class Threshold:
    """Warn/fail limits for one measured value; `higher_is_worse=False` for e.g. cert days left."""

    warn: float | None = None
    fail: float | None = None
    higher_is_worse: bool = True
    unit: str = ""

    def evaluate(self, value: float) -> str:
        if self.higher_is_worse:
            if self.fail is not None and value >= self.fail:
                return FAIL
            if self.warn is not None and value >= self.warn:
                return WARN
        else:
            if self.fail is not None and value <= self.fail:
                return FAIL
            if self.warn is not None and value <= self.warn:
                return WARN
        return PASS

    def describe(self) -> str:
        """`warn 80%, fail 90%` for messages."""
        parts = []
        if self.warn is not None:
            parts.append(f"warn {self._with_unit(self.warn)}")
        if self.fail is not None:
            parts.append(f"fail {self._with_unit(self.fail)}")
        return ", ".join(parts)

    def _with_unit(self, value: float) -> str:
        """`80%`, `250ms`, but `1 day` / `7 days`: word units (a leading space) take a plural."""
        if self.unit.startswith(" "):
            from obsctl.core.output import plural

            return plural(value, self.unit.strip())
        return f"{_num(value)}{self.unit}"

    def to_json(self) -> dict[str, Any]:
        return {"warn": self.warn, "fail": self.fail}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class ProbeSpec:
    """One probe from a probes file, a context's `health:` section or the built-in defaults.

    `config` holds the kind's validated settings (a frozen dataclass from obsctl.health.config).
    """

    name: str
    kind: str
    config: Any
    timeout: float = 5.0
    retries: int = 0
    retry_timeout: float | None = None
    retry_interval: float = 1.0
    tags: tuple[str, ...] = ()
    index: int = 0

    @property
    def deadline(self) -> float:
        """Upper bound on the whole probe including retries, for the runner's safety net."""
        if self.retry_timeout is not None:
            return self.retry_timeout + self.timeout
        return self.timeout * (self.retries + 1) + self.retry_interval * self.retries


@dataclass(frozen=True)
class Assertion:
    """One expectation checked by a probe: what was expected, what was seen, and the verdict."""

    check: str
    status: str
    expected: str | None = None
    observed: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status,
            "expected": self.expected,
            "observed": self.observed,
        }


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check (a probe may produce several, e.g. one per filesystem)."""

    name: str
    kind: str
    check: str
    status: str
    summary: str
    target: str | None = None
    duration_ms: float = 0.0
    attempts: int = 1
    tags: tuple[str, ...] = ()
    error: str | None = None
    assertions: tuple[Assertion, ...] = ()
    phases: Mapping[str, float] | None = None
    observed: Mapping[str, Any] = field(default_factory=dict)
    body_excerpt: str | None = None

    @classmethod
    def of(cls, spec: ProbeSpec, check: str, status: str, summary: str, **fields: Any) -> CheckResult:
        """A result of `spec`'s probe: its name, kind and tags filled in from the spec."""
        return cls(spec.name, spec.kind, check, status, summary, tags=spec.tags, **fields)

    @property
    def ok(self) -> bool:
        return self.status in (PASS, WARN, SKIP)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "check": self.check,
            "status": self.status,
            "summary": self.summary,
            "target": self.target,
            "duration_ms": round(self.duration_ms, 3),
            "attempts": self.attempts,
            "tags": list(self.tags),
            "error": self.error,
            "assertions": [a.to_json() for a in self.assertions],
            "phases": None if self.phases is None else {k: round(v, 3) for k, v in self.phases.items()},
            "observed": dict(self.observed),
            "body_excerpt": self.body_excerpt,
        }


def verdict(assertions: list[Assertion] | tuple[Assertion, ...]) -> tuple[str, str]:
    """Overall status and a one-line summary: the first failing assertion, else the first warning."""
    status = worst(*(a.status for a in assertions))
    for wanted in (FAIL, WARN):
        for a in assertions:
            if a.status == wanted:
                return status, describe_assertion(a)
    return status, ""


def describe_assertion(a: Assertion) -> str:
    if a.expected is None:
        return f"{a.check}: {a.observed}" if a.observed is not None else a.check
    return f"{a.check}: expected {a.expected}, observed {a.observed}"


@dataclass(frozen=True)
class RunReport:
    """All results of one run, in probe order, plus timing."""

    results: tuple[CheckResult, ...]
    duration_ms: float
    started_at: str
    strict: bool = False

    @property
    def status(self) -> str:
        return worst(*(r.status for r in self.results if r.status != SKIP)) if self.results else PASS

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for r in self.results:
            out[r.status] += 1
        return out

    @property
    def exit_code(self) -> int:
        status = self.status
        if status == FAIL or (self.strict and status == WARN):
            return 1
        return 0

    def to_json(self) -> dict[str, Any]:
        counts = self.counts()
        return {
            "version": 1,
            "status": self.status,
            "started_at": self.started_at,
            "duration_ms": round(self.duration_ms, 3),
            "summary": {
                "total": len(self.results),
                "passed": counts[PASS],
                "warned": counts[WARN],
                "failed": counts[FAIL],
                "skipped": counts[SKIP],
            },
            "results": [r.to_json() for r in self.results],
        }
