"""`obsctl alerts routes`: draw the routing tree of a config."""

from __future__ import annotations

import typer

from obsctl.alerts.commands._common import (
    AmConfigOpt,
    EngineUrlOpt,
    OutputFmt,
    actx_of,
    check_fmt,
    load_am_config,
)


def routes_cmd(
    ctx: typer.Context,
    am_config: AmConfigOpt = None,
    url: EngineUrlOpt = None,
    output: OutputFmt = None,
) -> None:
    """Draw the routing tree: matchers, receivers, continue, grouping and timing.

    Inherited receivers are marked; the root shows the effective defaults.

    \b
    Examples:
      obsctl alerts routes --am-config alertmanager.yml
      obsctl alerts routes -o json | jq '.routes[].receiver'
    """
    from obsctl.alerts.routing import compile_tree
    from obsctl.alerts.tree import node_json, render_tree

    actx = actx_of(ctx)
    actx.override("alertmanager", url=url)
    fmt = check_fmt(output, ("json", "yaml", "table"))
    root = compile_tree(load_am_config(actx, am_config))
    if fmt in ("json", "yaml"):
        actx.out.render_document(node_json(root), fmt)
        return
    actx.out.write("\n".join(render_tree(root, style=actx.out.style)))
