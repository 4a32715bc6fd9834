"""Renderers for the live verbs: column specs, table rows and JSON documents.

Tables on a TTY show ages ("12m"); piped TSV and wide tables show RFC 3339 times. JSON/YAML/JSONL
always carry the objects' `to_json()` shapes, the stable keys documented in each command's help.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from obsctl.alerts.client import iso
from obsctl.core.output import Column, Output, View, label_text

if TYPE_CHECKING:
    from obsctl.alerts.client import Alert, Silence
    from obsctl.alerts.coverage import CoverageReport
    from obsctl.alerts.drill import DrillReport
    from obsctl.alerts.firing import FireSpec
    from obsctl.alerts.live import ExpireResult

DOCUMENT_FORMATS = ("json", "yaml", "jsonl")


def age(then: datetime | None, now: datetime) -> str:
    """Coarse age for people: 45s, 12m, 3h5m, 2d4h; future times get `in ` (core's one age)."""
    from obsctl.core.timeparse import age as core_age

    return core_age(then, now)


def _when(value: datetime | None, now: datetime, human: bool) -> str:
    if value is None:
        return ""
    return age(value, now) if human else (iso(value) or "")


def _human(out: Output, fmt: str | None) -> bool:
    """Ages and colours for people: core's one policy (table and wide, or a terminal by default)."""
    return out.is_human(fmt)


def _documents(out: Output, fmt: str | None, docs: list[dict[str, Any]], document: Any = None) -> bool:
    if fmt not in DOCUMENT_FORMATS:
        return False
    out.render(View([], [], document=document if document is not None else docs, records=docs), fmt)
    return True


def alert_state(alert: Alert) -> str:
    """Table state: Alertmanager's `suppressed` split into why (silenced wins, as in the UI)."""
    if alert.state == "suppressed":
        if alert.silenced_by:
            return "silenced"
        if alert.inhibited_by:
            return "inhibited"
        if alert.muted_by:
            return "muted"
    return alert.state


def _state(out: Output, state: str) -> str:
    colour = {"active": "red", "unprocessed": "yellow"}.get(state, "dim")
    return out.style(state, colour)


ALERT_COLUMNS = [
    Column("alertname", "alertname"),
    Column("state", "state"),
    Column("severity", "severity"),
    Column("started", "started"),
    Column("receivers", "receivers"),
    Column("summary", "summary"),
    Column("labels", "labels", wide_only=True),
    Column("ends", "ends", wide_only=True),
    Column("silenced_by", "silenced by", wide_only=True),
    Column("inhibited_by", "inhibited by", wide_only=True),
    Column("fingerprint", "fingerprint", wide_only=True),
]


def render_alerts(out: Output, alerts: Sequence[Alert], fmt: str | None, now: datetime) -> None:
    """`alerts list`: one row per alert; `-o json` is a list of Alert.to_json()."""
    if _documents(out, fmt, [a.to_json() for a in alerts]):
        return
    human = _human(out, fmt)
    rows = []
    for a in alerts:
        other = {k: v for k, v in a.labels.items() if k not in ("alertname", "severity")}
        rows.append(
            {
                "alertname": a.alertname,
                "state": _state(out, alert_state(a)) if human else alert_state(a),
                "severity": a.labels.get("severity", ""),
                "started": _when(a.starts_at, now, human),
                "receivers": ",".join(a.receivers),
                "summary": a.annotations.get("summary") or a.annotations.get("description", ""),
                "labels": label_text(dict(sorted(other.items()))),
                "ends": _when(a.ends_at, now, False),
                "silenced_by": ",".join(a.silenced_by),
                "inhibited_by": ",".join(a.inhibited_by),
                "fingerprint": a.fingerprint,
            }
        )
    out.render_rows(ALERT_COLUMNS, rows, fmt)


SILENCE_COLUMNS = [
    Column("id", "id"),
    Column("matchers", "matchers"),
    Column("state", "state"),
    Column("ends", "ends"),
    Column("created_by", "created by"),
    Column("comment", "comment"),
    Column("starts", "starts", wide_only=True),
    Column("updated", "updated", wide_only=True),
]


def render_silences(
    out: Output, silences: Sequence[Silence], fmt: str | None, now: datetime, *, quiet: bool = False
) -> None:
    """`silence list` / `silence add`: one row per silence; `-q` prints IDs only."""
    if quiet:
        out.write_lines(s.id for s in silences)
        return
    if _documents(out, fmt, [s.to_json() for s in silences]):
        return
    human = _human(out, fmt)
    rows = [
        {
            "id": s.id,
            "matchers": s.matcher_text,
            "state": s.state,
            "ends": _when(s.ends_at, now, human),
            "created_by": s.created_by,
            "comment": s.comment,
            "starts": _when(s.starts_at, now, False),
            "updated": _when(s.updated_at, now, False),
        }
        for s in silences
    ]
    out.render_rows(SILENCE_COLUMNS, rows, fmt)


EXPIRE_COLUMNS = [
    Column("id", "id"),
    Column("matchers", "matchers"),
    Column("previous_state", "was"),
    Column("result", "result"),
]


def render_expired(out: Output, results: Sequence[ExpireResult], fmt: str | None) -> None:
    """`silence expire`: what was expired (and what already was)."""
    if _documents(out, fmt, [r.to_json() for r in results]):
        return
    rows = [{**r.to_json(), "result": "expired" if r.expired else "already expired"} for r in results]
    out.render_rows(EXPIRE_COLUMNS, rows, fmt)


FIRE_COLUMNS = [
    Column("alertname", "alertname"),
    Column("status", "status"),
    Column("labels", "labels"),
    Column("ends_at", "ends at"),
]


def render_fired(out: Output, spec: FireSpec, fmt: str | None) -> None:
    """`alerts fire`: the alert as posted."""
    doc = spec.to_json()
    if _documents(out, fmt, [doc], document=doc):
        return
    row = {
        "alertname": doc["alertname"],
        "status": doc["status"],
        "labels": label_text({k: v for k, v in spec.labels.items() if k != "alertname"}),
        "ends_at": doc["ends_at"],
    }
    out.render_rows(FIRE_COLUMNS, [row], fmt)


DRILL_COLUMNS = [
    Column("check", "check"),
    Column("result", "result"),
    Column("expected", "expected"),
    Column("actual", "actual"),
]


def render_drill(out: Output, report: DrillReport, fmt: str | None) -> None:
    """`fire --drill`: one row per check (receivers, groups, silenced, cleanup)."""
    doc = report.to_json()
    if _documents(out, fmt, [doc], document=doc):
        return
    rows = []
    for c in report.checks:
        result = "ok" if c.ok else ("n/a" if c.ok is None else "MISMATCH")
        if c.ok is False and c.check in ("silenced", "cleanup"):
            result = "FAILED"
        colour = "green" if c.ok else ("red" if c.ok is False else "dim")
        rows.append(
            {
                "check": c.check,
                "result": out.style(result, colour) if _human(out, fmt) else result,
                "expected": c.expected,
                "actual": c.actual,
            }
        )
    out.render_rows(DRILL_COLUMNS, rows, fmt)


COVERAGE_COLUMNS = [
    Column("alert", "alert"),
    Column("labels", "labels"),
    Column("receivers", "receivers"),
    Column("note", "note"),
    Column("routes", "routes", wide_only=True),
    Column("source", "source", wide_only=True),
]


def render_coverage(out: Output, report: CoverageReport, fmt: str | None) -> None:
    """`alerts coverage`: alert -> receivers rows; unreached routes go to stderr as warnings in
    every format (and into the JSON document under `unreached_routes`)."""
    if fmt in ("json", "yaml"):
        out.render_document(report.to_json(), fmt)
        _warn_unreached(out, report)
        return
    if fmt == "jsonl":
        out.render_rows([], [r.to_json() for r in report.rows], fmt)
        _warn_unreached(out, report)
        return
    human = _human(out, fmt)
    rows = []
    for r in report.rows:
        notes = []
        if r.default:
            notes.append(out.style("default receiver", "yellow") if human else "default receiver")
        if r.templated:
            notes.append("templated: " + ",".join(r.templated))
        rows.append(
            {
                "alert": r.alert,
                "labels": label_text(r.labels),
                "receivers": ",".join(r.receivers),
                "note": "; ".join(notes),
                "routes": ",".join(r.routes),
                "source": r.source,
            }
        )
    out.render_rows(COVERAGE_COLUMNS, rows, fmt)
    _warn_unreached(out, report)


def _warn_unreached(out: Output, report: CoverageReport) -> None:
    for u in report.unreached:
        where = f" (line {u.line})" if u.line else ""
        matchers = "{" + ", ".join(u.matchers) + "}"
        out.warn(f"no rule reaches {u.route}{where} {matchers} -> {u.receiver}")
