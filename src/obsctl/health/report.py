"""Render a RunReport: table/TSV rows, JSON/YAML document, JSON lines, JUnit XML, Prometheus text.

The JSON document (`RunReport.to_json`) and the metric names below are a stable interface,
documented in docs/health.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from obsctl.core.output import Column, Output, View, plural
from obsctl.health.model import FAIL, PASS, SKIP, WARN, CheckResult, RunReport

FORMATS = ("table", "wide", "json", "jsonl", "yaml", "csv", "tsv", "junit", "prometheus")

COLUMNS = [
    Column("status", "status"),
    Column("name", "name"),
    Column("check", "check"),
    Column("summary", "detail"),
    Column("time", "time"),
    Column("kind", "kind", wide_only=True),
    Column("target", "target", wide_only=True),
    Column("attempts", "attempts", wide_only=True),
    Column("tags", "tags", wide_only=True),
]

_STYLE = {PASS: ("green",), WARN: ("yellow",), FAIL: ("red", "bold"), SKIP: ("dim",)}


def format_ms(ms: float) -> str:
    """Human time for the TIME column: <1ms, 12ms, 1.25s."""
    if ms < 1:
        return "<1ms"
    if ms < 1000:
        return f"{ms:.0f}ms"
    return f"{ms / 1000:.2f}s"


def rows(results: Iterable[CheckResult], out: Output | None = None) -> list[dict[str, Any]]:
    """One row per check; status is coloured only when `out` has colour on."""
    table = []
    for r in results:
        status = r.status
        table.append(
            {
                "status": out.style(status, *_STYLE[status]) if out is not None else status,
                "name": r.name,
                "check": r.check,
                "summary": r.summary,
                "time": format_ms(r.duration_ms) if r.status != SKIP else "",
                "kind": r.kind,
                "target": r.target,
                "attempts": r.attempts,
                "tags": list(r.tags),
            }
        )
    return table


def summary_line(report: RunReport) -> str:
    counts = report.counts()
    parts = [f"{counts[PASS]} passed"]
    if counts[WARN]:
        parts.append(f"{counts[WARN]} warned")
    parts.append(f"{counts[FAIL]} failed")
    if counts[SKIP]:
        parts.append(f"{counts[SKIP]} skipped")
    return f"{', '.join(parts)} ({plural(len(report.results), 'check')} in {report.duration_ms / 1000:.2f}s)"


def failure_details(results: Iterable[CheckResult], out: Output) -> list[str]:
    """Below the table: why each failed check failed (every failing assertion, body excerpt)."""
    lines: list[str] = []
    for r in results:
        if r.status != FAIL:
            continue
        lines.append("")
        lines.append(f"{out.style('FAIL', 'red', 'bold')} {r.name}: {r.check}")
        if r.error:
            lines.append(f"  error: {r.error}")
        for a in r.assertions:
            if a.status == FAIL:
                if a.expected is None:
                    lines.append(f"  {a.check}: {a.observed}")
                else:
                    lines.append(f"  {a.check}: expected {a.expected}, observed {a.observed}")
        if r.body_excerpt:
            lines.append(f"  body: {r.body_excerpt}")
    return lines


def render(report: RunReport, fmt: str | None, out: Output) -> None:
    """Write the report to stdout in the chosen format (None: table on a TTY, TSV piped)."""
    if fmt == "junit":
        out.write(junit(report))
    elif fmt == "prometheus":
        out.write(prometheus(report))
    else:
        view = View(
            COLUMNS,
            rows(report.results),
            document=report.to_json() if fmt in ("json", "yaml") else None,
            human={"status": lambda s: out.style(s, *_STYLE[s])},
            records=[r.to_json() for r in report.results] if fmt == "jsonl" else None,
        )
        out.render(view, fmt)
        if out.is_human(fmt):
            details = failure_details(report.results, out)
            if details:
                out.write_lines(details)


# --- JUnit XML ----------------------------------------------------------------------------------


def junit(report: RunReport) -> str:
    """JUnit XML for CI test reports: one testcase per check; warnings pass with system-out."""
    import xml.etree.ElementTree as ET

    counts = report.counts()
    suites = ET.Element("testsuites", name="obsctl health")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="obsctl health",
        tests=str(len(report.results)),
        failures=str(counts[FAIL]),
        errors="0",
        skipped=str(counts[SKIP]),
        time=f"{report.duration_ms / 1000:.3f}",
        timestamp=report.started_at,
    )
    for r in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"obsctl.health.{r.kind}",
            name=f"{r.name}: {r.check}",
            time=f"{r.duration_ms / 1000:.3f}",
        )
        if r.status == FAIL:
            failure = ET.SubElement(
                case, "failure", message=r.summary, type=(r.error and "error") or "assertion"
            )
            detail = [
                f"{a.check}: expected {a.expected}, observed {a.observed}"
                for a in r.assertions
                if a.status == FAIL
            ]
            if r.error:
                detail.insert(0, f"error: {r.error}")
            if r.body_excerpt:
                detail.append(f"body: {r.body_excerpt}")
            failure.text = "\n".join(detail)
        elif r.status == SKIP:
            ET.SubElement(case, "skipped", message=r.summary)
        elif r.status == WARN:
            ET.SubElement(case, "system-out").text = f"warning: {r.summary}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


# --- Prometheus text exposition -------------------------------------------------------------------

METRICS = (
    ("obsctl_probe_success", "1 if the check passed (or only warned), 0 if it failed."),
    ("obsctl_probe_warning", "1 if the check passed with a warning."),
    ("obsctl_probe_duration_seconds", "How long the check took, last attempt."),
    ("obsctl_probe_attempts", "Attempts made (retries + 1 when it kept failing)."),
    ("obsctl_probe_http_status_code", "HTTP status code of the final response."),
    ("obsctl_probe_http_phase_seconds", "HTTP request phases: dns, connect, tls, processing, transfer."),
    (
        "obsctl_probe_tls_cert_expiry_timestamp_seconds",
        "When the peer certificate expires (notAfter), Unix seconds, as blackbox_exporter reports it.",
    ),
    ("obsctl_probe_observed_value", "The measured value of a system check (percent used, load per core)."),
    ("obsctl_health_success", "1 if the whole run passed (warnings allowed), 0 otherwise."),
    ("obsctl_health_checks", "Checks in the last run, by status."),
    ("obsctl_health_duration_seconds", "Wall time of the whole run."),
)


def _label_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_label_value(v)}"' for k, v in labels.items()) + "}"


def _num(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    value = round(float(value), 6)
    return repr(value) if not value.is_integer() else str(int(value))


def _timestamp(value: Any) -> float | None:
    """Unix seconds of an RFC 3339 time as the probes record it (`cert_not_after`), else None."""
    if not isinstance(value, str) or not value:
        return None
    from datetime import datetime

    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def prometheus(report: RunReport) -> str:
    """Text exposition for the node exporter's textfile collector (valid for `promtool check metrics`)."""
    samples: dict[str, list[str]] = {name: [] for name, _ in METRICS}
    for r in report.results:
        if r.status == SKIP:
            continue
        base = {"probe": r.name, "check": r.check, "kind": r.kind}
        lab = _labels(**base)
        samples["obsctl_probe_success"].append(f"obsctl_probe_success{lab} {0 if r.status == FAIL else 1}")
        samples["obsctl_probe_warning"].append(f"obsctl_probe_warning{lab} {1 if r.status == WARN else 0}")
        samples["obsctl_probe_duration_seconds"].append(
            f"obsctl_probe_duration_seconds{lab} {_num(r.duration_ms / 1000)}"
        )
        samples["obsctl_probe_attempts"].append(f"obsctl_probe_attempts{lab} {r.attempts}")
        status_code = r.observed.get("http_status")
        if isinstance(status_code, int):
            samples["obsctl_probe_http_status_code"].append(
                f"obsctl_probe_http_status_code{lab} {status_code}"
            )
        for key, ms in (r.phases or {}).items():
            phase = key.removesuffix("_ms")
            if phase in ("dns", "connect", "tls", "processing", "transfer"):
                samples["obsctl_probe_http_phase_seconds"].append(
                    f"obsctl_probe_http_phase_seconds{_labels(**base, phase=phase)} {_num(ms / 1000)}"
                )
        expiry = _timestamp(r.observed.get("cert_not_after"))
        if expiry is not None:
            samples["obsctl_probe_tls_cert_expiry_timestamp_seconds"].append(
                f"obsctl_probe_tls_cert_expiry_timestamp_seconds{lab} {_num(expiry)}"
            )
        if r.kind == "system" and isinstance(r.observed.get("value"), (int, float)):
            samples["obsctl_probe_observed_value"].append(
                f"obsctl_probe_observed_value{lab} {_num(float(r.observed['value']))}"
            )
    counts = report.counts()
    samples["obsctl_health_success"].append(f"obsctl_health_success {0 if report.status == FAIL else 1}")
    for status in (PASS, WARN, FAIL, SKIP):
        samples["obsctl_health_checks"].append(f'obsctl_health_checks{{status="{status}"}} {counts[status]}')
    samples["obsctl_health_duration_seconds"].append(
        f"obsctl_health_duration_seconds {_num(report.duration_ms / 1000)}"
    )
    lines: list[str] = []
    for name, help_text in METRICS:
        if not samples[name]:
            continue
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(samples[name])
    return "\n".join(lines) + "\n"
