"""One line's worth of a trace, what `traces search` prints: from a whole trace, or from api_v3's
`/api/v3/trace-summaries` (Jaeger v2.19+), which computes it server-side without sending spans."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from obsctl.traces.model import Trace


@dataclass(frozen=True)
class TraceSummary:
    trace_id: str
    start: int  # unix ns
    duration: int  # ns
    root_service: str
    root_operation: str
    spans: int
    errors: int
    services: tuple[str, ...]

    @classmethod
    def of(cls, trace: Trace) -> TraceSummary:
        root = trace.root
        return cls(
            trace.trace_id,
            trace.start,
            trace.duration,
            root.service if root else "",
            root.operation if root else "",
            len(trace.spans),
            sum(s.error for s in trace.spans),
            tuple(trace.services()),
        )

    @classmethod
    def from_v3(cls, item: Mapping[str, Any]) -> TraceSummary:
        """One entry of `{"summaries": [...]}` (shape of jaeger's FindTraceSummaries snapshot)."""
        start = int(item.get("minStartTimeUnixNano") or 0)
        end = int(item.get("maxEndTimeUnixNano") or start)
        services = tuple(sorted(str(s.get("name", "")) for s in item.get("services") or ()))
        return cls(
            str(item.get("traceId", "")).lower().rjust(32, "0"),
            start,
            max(0, end - start),
            str(item.get("rootServiceName", "")),
            str(item.get("rootOperationName", "")),
            int(item.get("spanCount") or 0),
            int(item.get("errorSpanCount") or 0),
            services,
        )
