"""One label set through the routing tree: the body of `obsctl alerts test NAME=VALUE...`.

Free of typer so the console script's fast path (obsctl._fastverb) and the typer command
(obsctl.alerts.commands.test) run the very same code.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from typing import Any

    from obsctl.alerts.config import AlertmanagerConfig
    from obsctl.core.context import AppContext


def run_single(
    actx: AppContext,
    cfg: AlertmanagerConfig,
    labels: dict[str, str],
    *,
    expect: str | None,
    tree: bool,
    at: Any,
    firing: list[dict[str, str]] | None,
    fmt: str | None,
) -> None:
    """Route `labels`, render the receivers (table/TSV/JSON...) and check `--expect` (exit 1)."""
    from obsctl.alerts.route_render import check_expected, render_single
    from obsctl.alerts.routing import match_routes

    routes = match_routes(cfg, labels)
    muted = None
    if at is not None:
        from obsctl.alerts.timeintervals import is_muted

        muted = [is_muted(cfg, r, at) for r in routes]
    inhibited = None
    if firing is not None:
        from obsctl.alerts.inhibit import inhibiting_rule

        inhibited = inhibiting_rule(cfg, labels, firing)
    render_single(
        actx.out, cfg, routes, fmt=fmt, tree=tree, at=at, muted=muted, firing=firing, inhibited=inhibited
    )
    if expect is not None:
        check_expected(actx.out, expect, [r.receiver for r in routes])
