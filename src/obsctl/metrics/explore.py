"""Rows and columns for the explore commands (series, labels, targets, rules, alerts, ...).

Pure functions of the API's `data`: easy to test with the upstream example responses, and the
commands stay a few lines each. JSON output is the API's own data (documented in docs/metrics.md);
tables pick the columns a person needs, `wide` adds the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from obsctl.core.output import Column, View
from obsctl.metrics.query import NAME, label_names, series_text

Rows = list[dict[str, Any]]


# What a command renders: core's one view model (columns, rows, document, human, records).
Table = View


def series_table(data: Sequence[Mapping[str, str]]) -> Table:
    names = label_names({"metric": m} for m in data)
    cols = [Column(f"l:{n}", "name" if n == NAME else n) for n in names]
    rows = [{f"l:{n}": m.get(n, "") for n in names} for m in data]
    return Table(cols, rows, list(data))


def names_table(values: Sequence[str], header: str) -> Table:
    return Table([Column("value", header)], [{"value": v} for v in values], list(values))


def metadata_table(data: Mapping[str, Sequence[Mapping[str, str]]]) -> Table:
    rows: Rows = []
    for metric in sorted(data):
        for meta in data[metric]:
            rows.append(
                {
                    "metric": metric,
                    "type": meta.get("type", ""),
                    "unit": meta.get("unit", ""),
                    "help": meta.get("help", ""),
                }
            )
    cols = [
        Column("metric", "metric"),
        Column("type", "type"),
        Column("unit", "unit"),
        Column("help", "help"),
    ]
    return Table(cols, rows, dict(data))


def _parse_rfc3339(text: Any) -> datetime | None:
    from obsctl.core.timeparse import parse_rfc3339

    return parse_rfc3339(text)


def ago(when: datetime | None, now: datetime) -> str:
    """`12s ago`, `3m ago`: how long since a scrape or an alert became active."""
    if when is None:
        return "never"
    from obsctl.core.timeparse import age

    return f"{age(min(when, now), now, exact=True)} ago"


def _noop(text: str, _style: str) -> str:
    return text


Paint = Callable[[str, str], str]
HEALTH_COLOURS = {
    "up": "green",
    "ok": "green",
    "down": "red",
    "err": "red",
    "firing": "red",
    "pending": "yellow",
}


def _coloured(paint: Paint) -> Callable[[Any], str]:
    return lambda v: paint(str(v), HEALTH_COLOURS.get(str(v), "dim")) if v else ""


def targets_table(data: Mapping[str, Any], now: datetime, paint: Paint = _noop) -> Table:
    """Active targets: pool, instance, health, last scrape and its duration, last error."""
    rows: Rows = []
    for t in data.get("activeTargets") or ():
        labels = t.get("labels") or {}
        health = str(t.get("health", "unknown"))
        duration = t.get("lastScrapeDuration")
        rows.append(
            {
                "pool": t.get("scrapePool", labels.get("job", "")),
                "instance": labels.get("instance", ""),
                "health": health,
                "last_scrape": _parse_rfc3339(t.get("lastScrape")),
                "scrape_duration_ms": round(float(duration) * 1000, 3) if duration is not None else None,
                "error": t.get("lastError", ""),
                "url": t.get("scrapeUrl", ""),
                "labels": dict(labels),
                "interval": t.get("scrapeInterval", ""),
                "timeout": t.get("scrapeTimeout", ""),
            }
        )
    for t in data.get("droppedTargets") or ():
        disc = t.get("discoveredLabels") or {}
        rows.append(
            {
                "pool": t.get("scrapePool", disc.get("job", "")),
                "instance": disc.get("__address__", ""),
                "health": "dropped",
                "last_scrape": None,
                "scrape_duration_ms": None,
                "error": "",
                "url": "",
                "labels": dict(disc),
                "interval": disc.get("__scrape_interval__", ""),
                "timeout": disc.get("__scrape_timeout__", ""),
            }
        )
    cols = [
        Column("pool", "pool"),
        Column("instance", "instance"),
        Column("health", "health"),
        Column("last_scrape", "last scrape"),
        Column("scrape_duration_ms", "ms"),
        Column("error", "error"),
        Column("url", "url", wide_only=True),
        Column("interval", "interval", wide_only=True),
        Column("labels", "labels", wide_only=True),
    ]
    human = {"health": _coloured(paint), "last_scrape": lambda v: ago(v, now) if v else ""}
    return Table(cols, rows, rows, human)


def rules_table(data: Mapping[str, Any], paint: Paint = _noop) -> Table:
    """One row per rule: group, name, type, health, alert state, the PromQL; wide adds file and errors."""
    rows: Rows = []
    for group in data.get("groups") or ():
        for rule in group.get("rules") or ():
            kind = str(rule.get("type", ""))
            state = str(rule.get("state", "")) if kind == "alerting" else ""
            if kind == "alerting" and not state:
                alerts = rule.get("alerts") or ()
                states = {a.get("state") for a in alerts}
                state = "firing" if "firing" in states else "pending" if "pending" in states else "inactive"
            health = str(rule.get("health", ""))
            rows.append(
                {
                    "group": group.get("name", ""),
                    "name": rule.get("name", ""),
                    "type": kind,
                    "health": health,
                    "state": state,
                    "query": rule.get("query", ""),
                    "for": rule.get("duration"),
                    "alerts": len(rule.get("alerts") or ()),
                    "file": group.get("file", ""),
                    "last_error": rule.get("lastError", ""),
                    "last_evaluation": rule.get("lastEvaluation"),
                    "evaluation_ms": _ms(rule.get("evaluationTime")),
                    "labels": dict(rule.get("labels") or {}),
                }
            )
    cols = [
        Column("group", "group"),
        Column("name", "name"),
        Column("type", "type"),
        Column("health", "health"),
        Column("state", "state"),
        Column("query", "query"),
        Column("alerts", "alerts", wide_only=True),
        Column("file", "file", wide_only=True),
        Column("evaluation_ms", "eval ms", wide_only=True),
        Column("last_error", "last error", wide_only=True),
    ]
    return Table(cols, rows, rows, {"health": _coloured(paint), "state": _coloured(paint)})


def _ms(seconds: Any) -> float | None:
    try:
        return round(float(seconds) * 1000, 3)
    except (TypeError, ValueError):
        return None


def alerts_table(data: Mapping[str, Any], now: datetime, paint: Paint = _noop) -> Table:
    """Prometheus-side alerts (pending and firing), before Alertmanager groups or silences them."""
    rows: Rows = []
    for alert in data.get("alerts") or ():
        labels = dict(alert.get("labels") or {})
        name = labels.pop("alertname", "")
        state = str(alert.get("state", ""))
        active = _parse_rfc3339(alert.get("activeAt"))
        rows.append(
            {
                "alertname": name,
                "state": state,
                "active_at": active,
                "value": alert.get("value", ""),
                "labels": labels,
                "annotations": dict(alert.get("annotations") or {}),
            }
        )
    rows.sort(key=lambda r: (r["state"] != "firing", r["alertname"], series_text(r["labels"])))
    cols = [
        Column("alertname", "alertname"),
        Column("state", "state"),
        Column("active_at", "active"),
        Column("value", "value"),
        Column("labels", "labels"),
        Column("annotations", "annotations", wide_only=True),
    ]
    human = {"state": _coloured(paint), "active_at": lambda v: ago(v, now) if v else ""}
    return Table(cols, rows, rows, human)


def exemplars_table(data: Sequence[Mapping[str, Any]]) -> Table:
    """One row per exemplar, with the trace id and the obsctl command that shows the trace."""
    rows: Rows = []
    for entry in data:
        series = dict(entry.get("seriesLabels") or {})
        for ex in entry.get("exemplars") or ():
            labels = dict(ex.get("labels") or {})
            trace = labels.get("trace_id") or labels.get("traceID") or labels.get("traceId") or ""
            ts = ex.get("timestamp")
            rows.append(
                {
                    "series": series_text(series),
                    "trace_id": trace,
                    "value": ex.get("value", ""),
                    "time": datetime.fromtimestamp(float(ts), tz=timezone.utc) if ts is not None else None,
                    "timestamp": ts,
                    "labels": labels,
                    "series_labels": series,
                    "command": f"obsctl traces get {trace}" if trace else "",
                }
            )
    rows.sort(key=lambda r: (r["timestamp"] or 0, r["series"]))
    cols = [
        Column("time", "time"),
        Column("series", "series"),
        Column("value", "value"),
        Column("trace_id", "trace id"),
        Column("command", "show with"),
        Column("labels", "labels", wide_only=True),
    ]
    return Table(cols, rows, rows)


BUILDINFO_KEYS = ("version", "revision", "branch", "buildUser", "buildDate", "goVersion")


def buildinfo_table(data: Mapping[str, Any], url: str) -> Table:
    row = {"url": url, **{k: data.get(k, "") for k in BUILDINFO_KEYS}}
    cols = [
        Column("url", "url"),
        Column("version", "version"),
        Column("revision", "revision", wide_only=True),
    ]
    cols += [Column("branch", "branch", wide_only=True), Column("goVersion", "go")]
    cols += [
        Column("buildUser", "build user", wide_only=True),
        Column("buildDate", "build date", wide_only=True),
    ]
    return Table(cols, [row], {"url": url, **dict(data)})
