"""Route test files: many label sets with expectations, checked in one run.

```yaml
config: alertmanager.yml            # optional, relative to this file; --am-config wins
cases:
  - name: critical pages on-call
    labels: {severity: critical, service: api}
    at: "2026-01-03T02:00:00+01:00"  # optional: evaluate mute/active time intervals here
    firing: [{alertname: NodeDown}]   # optional: alerts already firing, for inhibit_rules
    expect:                          # optional: without it the case only reports
      receivers: [critical-alerts]   # ordered, duplicates count; or receivers_any_order: [...]
      group_by: [alertname]          # checked on every matched route (also group_wait,
      muted: false                   #   group_interval, repeat_interval)
      inhibited: false
```

The file is parsed once with libyaml and every scalar kept as its text (so `code: 500` is the
label value "500", as Alertmanager would see it); the routing tree and matcher caches are shared
by all cases, which is what makes 10,000 cases take well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from obsctl.alerts.config import AlertmanagerConfig
from obsctl.core.errors import UsageError

__all__ = [
    "Case",
    "CaseFile",
    "CaseResult",
    "load_cases_file",
    "load_cases_text",
    "run_case",
    "run_cases",
]

_CASE_KEYS = {"name", "labels", "expect", "at", "firing"}
_EXPECT_KEYS = {
    "receivers",
    "receivers_any_order",
    "group_by",
    "group_wait",
    "group_interval",
    "repeat_interval",
    "muted",
    "inhibited",
}
_TRUE = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}
_FALSE = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"}


class CaseFileError(UsageError):
    """An invalid case file (exit 2): names the case and the field."""


@dataclass
class Case:
    """One label set to route, with optional expectations."""

    name: str
    labels: dict[str, str]
    expect: dict[str, Any] | None = None
    at: datetime | None = None
    firing: list[dict[str, str]] | None = None
    index: int = 0


@dataclass
class CaseFile:
    """A parsed case file: cases plus the config path it names (already resolved), if any."""

    cases: list[Case]
    config: str | None = None
    source: str = "<cases>"


@dataclass
class CaseResult:
    """The outcome of one case."""

    case: Case
    receivers: list[str]
    routes: list[Any]
    failures: list[str] = field(default_factory=list)
    muted: bool | None = None
    muted_reason: str | None = None
    inhibited: bool | None = None
    inhibited_by: str | None = None

    @property
    def passed(self) -> bool:
        """True when every expectation held (a case without expectations passes)."""
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        """The documented shape; `routes`, `muted`, `inhibited` are extras for scripts."""
        out: dict[str, Any] = {
            "name": self.case.name,
            "labels": self.case.labels,
            "receivers": self.receivers,
            "passed": self.passed,
            "failures": self.failures,
            "routes": [r.to_json() for r in self.routes],
        }
        if self.muted is not None:
            out["muted"] = self.muted
            out["muted_reason"] = self.muted_reason
        if self.inhibited is not None:
            out["inhibited"] = self.inhibited
            out["inhibited_by"] = self.inhibited_by
        return out


def _json_text(value: Any) -> Any:
    """JSON scalars as the text a YAML reader would keep (500 -> "500", true -> "true")."""
    if isinstance(value, dict):
        return {k: _json_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CaseFileError(f"{where}: expected true or false, got {value!r}")


def _str_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):  # `receivers: a,b` as amtool's --verify.receivers writes it
        return [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CaseFileError(f"{where}: expected a list of strings")
    return list(value)


def parse_at(value: str, where: str) -> datetime:
    """RFC 3339 / ISO 8601 instant; a missing offset means UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise CaseFileError(
            f"{where}: {value!r} is not an RFC 3339 time (e.g. 2026-01-03T02:00:00+01:00)"
        ) from None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)


def _labels(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CaseFileError(f"{where}: expected a mapping of label names to values")
    out: dict[str, str] = {}
    for k, v in value.items():
        if not isinstance(k, str) or isinstance(v, (dict, list)):
            raise CaseFileError(f"{where}.{k}: label values must be plain strings")
        out[k] = "" if v is None else v
    return out


def _parse_case(raw: Any, i: int, source: str) -> Case:
    if not isinstance(raw, dict):
        raise CaseFileError(f"{source}: cases[{i}]: expected a mapping with name, labels, expect")
    name = raw.get("name")
    label = f"{source}: case {name!r}" if isinstance(name, str) and name else f"{source}: cases[{i}]"
    unknown = sorted(set(raw) - _CASE_KEYS, key=str)
    if unknown:
        raise CaseFileError(
            f"{label}: unknown field {unknown[0]!r}", hint="a case has name, labels, expect, at, firing"
        )
    if name is None:
        name = f"case {i + 1}"
    if not isinstance(name, str):
        raise CaseFileError(f"{label}: name must be a string")
    labels = _labels(raw.get("labels"), f"{label}: labels")
    expect = raw.get("expect")
    if expect is not None:
        if not isinstance(expect, dict):
            raise CaseFileError(f"{label}: expect must be a mapping")
        bad = sorted(set(expect) - _EXPECT_KEYS, key=str)
        if bad:
            raise CaseFileError(
                f"{label}: unknown field 'expect.{bad[0]}'",
                hint="expect takes " + ", ".join(sorted(_EXPECT_KEYS)),
            )
        if "receivers" in expect and "receivers_any_order" in expect:
            raise CaseFileError(
                f"{label}: use either expect.receivers or expect.receivers_any_order, not both"
            )
        clean: dict[str, Any] = {}
        for key, value in expect.items():
            where = f"{label}: expect.{key}"
            if key in ("receivers", "receivers_any_order", "group_by"):
                clean[key] = _str_list(value if value is not None else [], where)
            elif key in ("muted", "inhibited"):
                clean[key] = _bool(value, where)
            else:
                if not isinstance(value, str):
                    raise CaseFileError(f"{where}: expected a duration such as 5m")
                from obsctl.alerts.config import parse_model_duration

                try:
                    clean[key] = parse_model_duration(value)
                except ValueError as exc:
                    raise CaseFileError(f"{where}: {exc}") from None
        if "inhibited" in clean and raw.get("firing") is None:
            raise CaseFileError(f"{label}: expect.inhibited needs `firing:` (the alerts already firing)")
        expect = clean
    at = raw.get("at")
    if at is not None and not isinstance(at, str):
        raise CaseFileError(f"{label}: at must be a time string")
    at_dt = parse_at(at, f"{label}: at") if at is not None else None
    firing_raw = raw.get("firing")
    firing = None
    if firing_raw is not None:
        if not isinstance(firing_raw, list):
            raise CaseFileError(f"{label}: firing must be a list of label mappings")
        firing = [_labels(f, f"{label}: firing[{j}]") for j, f in enumerate(firing_raw)]
    return Case(name=name, labels=labels, expect=expect, at=at_dt, firing=firing, index=i)


def load_cases_text(text: str, source: str) -> CaseFile:
    """Parse a case file's text; CaseFileError (exit 2) names the case and the field."""
    from obsctl.core.yamlio import MAX_DEPTH, YAMLError, load_text_scalars, shape_problem

    doc: Any = None
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):  # generated case files are often JSON, which is YAML too
        import json

        try:
            parsed = json.loads(text)
        except ValueError:  # not JSON after all: read as YAML below
            parsed = None
        except RecursionError:  # Python's JSON decoder recurses once per level
            raise CaseFileError(f"{source}: invalid JSON: nested more than {MAX_DEPTH} levels deep") from None
        problem = shape_problem(parsed)
        if problem is not None:
            raise CaseFileError(f"{source}: invalid JSON: {problem[0]}")
        doc = _json_text(parsed) if parsed is not None else None
    try:
        if doc is None:
            doc = load_text_scalars(text)
    except YAMLError as exc:
        where = f"{source}:{exc.line}" if exc.line is not None else source
        raise CaseFileError(f"{where}: invalid YAML: {exc.problem}") from None
    if isinstance(doc, list):
        doc = {"cases": doc}
    if not isinstance(doc, dict):
        raise CaseFileError(f"{source}: expected a mapping with `cases:` (and optional `config:`)")
    unknown = sorted(set(doc) - {"config", "cases"}, key=str)
    if unknown:
        raise CaseFileError(
            f"{source}: unknown top-level field {unknown[0]!r}", hint="a case file has `config:` and `cases:`"
        )
    raw_cases = doc.get("cases")
    if not isinstance(raw_cases, list):
        raise CaseFileError(f"{source}: `cases:` must be a list")
    cases = [_parse_case(raw, i, source) for i, raw in enumerate(raw_cases)]
    config = doc.get("config")
    if config is not None and not isinstance(config, str):
        raise CaseFileError(f"{source}: config must be a path")
    return CaseFile(cases=cases, config=config, source=source)


def load_cases_file(path: str | Path) -> CaseFile:
    """Read a case file; `config:` is resolved relative to the file's folder."""
    from obsctl.alerts.files import read_text

    p = Path(path)
    text = read_text(p, "case file", CaseFileError)
    cf = load_cases_text(text, str(path))
    if cf.config is not None and not Path(cf.config).is_absolute():
        cf.config = str(p.parent / cf.config)
    return cf


def run_case(
    config: AlertmanagerConfig,
    case: Case,
    *,
    default_at: datetime | None = None,
) -> CaseResult:
    """Route one case and check its expectations."""
    from obsctl.alerts.routing import match_routes

    routes = match_routes(config, case.labels)
    receivers = [r.receiver for r in routes]
    result = CaseResult(case=case, receivers=receivers, routes=routes)
    expect = case.expect or {}
    failures = result.failures
    if "receivers" in expect and expect["receivers"] != receivers:
        failures.append(f"receivers: expected {_fmt(expect['receivers'])}, got {_fmt(receivers)}")
    if "receivers_any_order" in expect and sorted(set(expect["receivers_any_order"])) != sorted(
        set(receivers)
    ):
        failures.append(
            f"receivers (any order): expected {_fmt(sorted(set(expect['receivers_any_order'])))}, got {_fmt(sorted(set(receivers)))}"
        )
    if "group_by" in expect:
        want = expect["group_by"]
        for r in routes:
            got = r.group_by
            if (sorted(want) if want != ["..."] else want) != (sorted(got) if got != ["..."] else got):
                failures.append(
                    f"group_by of {r.receiver} ({r.key_path}): expected {_fmt(want)}, got {_fmt(got)}"
                )
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if key in expect:
            from obsctl.alerts.config import parse_model_duration

            for r in routes:
                got_s = getattr(r, key)
                if parse_model_duration(got_s) != expect[key]:
                    failures.append(
                        f"{key} of {r.receiver} ({r.key_path}): expected {_secs(expect[key])}, got {got_s}"
                    )
    at = case.at or default_at
    if at is not None and (
        case.at is not None
        or "muted" in expect
        or any(r.mute_time_intervals or r.active_time_intervals for r in routes)
    ):
        from obsctl.alerts.timeintervals import is_muted

        verdicts = [is_muted(config, r, at) for r in routes]
        result.muted = bool(verdicts) and all(v[0] for v in verdicts)
        reasons = [v[1] for v in verdicts if v[1]]
        result.muted_reason = "; ".join(reasons) if reasons else None
        if "muted" in expect and expect["muted"] != result.muted:
            why = f" ({result.muted_reason})" if result.muted_reason else ""
            failures.append(
                f"muted: expected {_b(expect['muted'])}, got {_b(result.muted)}{why} at {at.isoformat()}"
            )
    if case.firing is not None:
        from obsctl.alerts.inhibit import inhibiting_rule

        hit = inhibiting_rule(config, case.labels, case.firing)
        result.inhibited = hit is not None
        result.inhibited_by = hit[0].label if hit else None
        if "inhibited" in expect and expect["inhibited"] != result.inhibited:
            why = f" by {hit[0].label}: {hit[0].describe()}" if hit else ""
            failures.append(f"inhibited: expected {_b(expect['inhibited'])}, got {_b(result.inhibited)}{why}")
    return result


def run_cases(
    config: AlertmanagerConfig, cases: Sequence[Case], *, default_at: datetime | None = None
) -> list[CaseResult]:
    """Run every case against one config (the tree and regex caches are shared)."""
    return [run_case(config, c, default_at=default_at) for c in cases]


def _fmt(items: Sequence[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _b(v: bool) -> str:
    return "true" if v else "false"


def _secs(s: float) -> str:
    return f"{s:g}s"
