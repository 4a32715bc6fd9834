"""`obsctl config`: contexts like kubectl's — one file names every backend per environment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from obsctl.config.complete import complete_context
from obsctl.core.output import Column, OutputOpt
from obsctl.core.params import url_flag_callback

app = typer.Typer(
    name="config",
    help=(
        "Show and edit contexts (named sets of backends).\n\n"
        "\b\nExamples:\n"
        "  obsctl config set-context prod --prometheus-url https://prom.example:9090 --use\n"
        "  obsctl config get-contexts\n"
        "  obsctl config view -o json"
    ),
    no_args_is_help=True,
)

_SECRET_KEYS = {"password", "token", "key"}


def _actx(ctx: typer.Context) -> Any:
    from obsctl.core.context import AppContext

    return AppContext.of(ctx)


def _doc(ctx: typer.Context) -> Any:
    from obsctl.core.settings import config_paths, read_config

    actx = _actx(ctx)
    return read_config(config_paths(actx.env, actx.config_flag))


def redact_config(node: Any, key: str = "") -> Any:
    """A copy of a contexts document with every inline secret replaced by REDACTED."""
    from obsctl.core.urls import REDACTED, is_secret_name

    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            if key == "headers" and isinstance(v, str) and is_secret_name(str(k)):
                out[k] = REDACTED
            elif key == "headers" and isinstance(v, dict) and "value" in v:
                out[k] = {**v, "value": REDACTED}
            else:
                out[k] = redact_config(v, str(k))
        return out
    if isinstance(node, list):
        return [redact_config(v, key) for v in node]
    if key in _SECRET_KEYS and node is not None:
        return REDACTED
    if key in ("url", "proxy_url") and isinstance(node, str):
        from obsctl.core.urls import safe_redact_url  # the file is shown even when a URL is invalid

        return safe_redact_url(node)
    return node


@app.command("view")
def view(
    ctx: typer.Context,
    minify: Annotated[
        bool, typer.Option("--minify", help="Only the current (or --context) context.")
    ] = False,
    output: Annotated[
        str | None, typer.Option("-o", "--output", metavar="FORMAT", help="yaml (default) or json.")
    ] = None,
) -> None:
    """Print the merged contexts, secrets shown as REDACTED.

    \b
    Examples:
      obsctl config view
      obsctl config view --minify -o json
    """
    from obsctl.core.output import check_format

    fmt = check_format(output, ("yaml", "json")) or "yaml"
    actx = _actx(ctx)
    doc = _doc(ctx)
    contexts = doc.contexts
    current = actx.context_flag or actx.env.get("OBSCTL_CONTEXT") or doc.current_context
    if minify:
        if current is None or current not in contexts:
            from obsctl.core.errors import UsageError

            raise UsageError(
                "no current context to minify",
                hint="pass --context NAME or run `obsctl config use-context NAME`",
            )
        contexts = {current: contexts[current]}
    document = {"current-context": current, "contexts": redact_config(contexts)}
    actx.out.render_document(document, fmt)


@app.command("get-contexts")
def get_contexts(ctx: typer.Context, output: OutputOpt = None) -> None:
    """List contexts; the current one is marked with `*`.

    \b
    Example:
      obsctl config get-contexts -o json
    """
    from obsctl.core.output import check_format
    from obsctl.core.settings import BACKENDS

    fmt = check_format(output)
    actx = _actx(ctx)
    doc = _doc(ctx)
    current = actx.context_flag or actx.env.get("OBSCTL_CONTEXT") or doc.current_context
    rows = []
    for name, body in sorted(doc.contexts.items()):
        backends = [b for b in BACKENDS if isinstance(body.get(b), dict)]
        rows.append(
            {
                "current": name == current,
                "mark": "*" if name == current else "",
                "name": name,
                "backends": backends,
                "file": str(doc.context_origin.get(name, "")),
            }
        )
    if not rows and actx.out.is_tty:
        actx.out.info(
            "no contexts defined; create one with `obsctl config set-context NAME --prometheus-url URL`"
        )
    columns = [
        Column("mark", "current"),
        Column("name", "name"),
        Column("backends", "backends"),
        Column("file", "file", wide_only=True),
    ]
    document = [{k: r[k] for k in ("name", "current", "backends", "file")} for r in rows]
    actx.out.render_rows(columns, rows, fmt, document=document)


@app.command("current-context")
def current_context(ctx: typer.Context) -> None:
    """Print the name of the current context.

    \b
    Example:
      obsctl config current-context
    """
    from obsctl.core.errors import UsageError

    actx = _actx(ctx)
    current = actx.context_flag or actx.env.get("OBSCTL_CONTEXT") or _doc(ctx).current_context
    if not current:
        raise UsageError("current-context is not set", hint="run `obsctl config use-context NAME`")
    actx.out.write(current)


@app.command("use-context")
def use_context(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Context to make current.", autocompletion=complete_context)],
) -> None:
    """Make NAME the current context (written to the first contexts file).

    \b
    Example:
      obsctl config use-context prod
    """
    from obsctl.core.errors import UsageError

    actx = _actx(ctx)
    doc = _doc(ctx)
    if name not in doc.contexts:
        known = ", ".join(sorted(doc.contexts)) or "none defined"
        raise UsageError(f"no context named {name!r}", hint=f"known contexts: {known}")
    target = doc.paths[0]
    data = _raw(target)
    data["current-context"] = name
    _write(actx, target, data)
    actx.out.info(f"switched to context {name!r}")


@app.command("set-context")
def set_context(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="Context to create or update.", autocompletion=complete_context)
    ],
    prometheus_url: Annotated[
        str | None,
        typer.Option("--prometheus-url", help="Prometheus base URL.", callback=url_flag_callback("prometheus")),
    ] = None,
    alertmanager_url: Annotated[
        str | None,
        typer.Option("--alertmanager-url", help="Alertmanager base URL.", callback=url_flag_callback("alertmanager")),
    ] = None,
    elasticsearch_url: Annotated[
        str | None,
        typer.Option(
            "--elasticsearch-url",
            help="Elasticsearch/OpenSearch base URL.",
            callback=url_flag_callback("elasticsearch"),
        ),
    ] = None,
    jaeger_url: Annotated[
        str | None, typer.Option("--jaeger-url", help="Jaeger query base URL.", callback=url_flag_callback("jaeger"))
    ] = None,
    use: Annotated[bool, typer.Option("--use", help="Also make it the current context.")] = False,
) -> None:
    """Create or update a context's backend URLs (atomic write; other keys are kept).

    \b
    Examples:
      obsctl config set-context prod --prometheus-url https://prom.example:9090 --use
      obsctl config set-context dev --alertmanager-url http://127.0.0.1:9093
    """
    actx = _actx(ctx)
    urls = {  # each already checked by check_url_flag as typer parsed it
        "prometheus": prometheus_url,
        "alertmanager": alertmanager_url,
        "elasticsearch": elasticsearch_url,
        "jaeger": jaeger_url,
    }
    doc = _doc(ctx)
    target = doc.context_origin.get(name, doc.paths[0])
    data = _raw(target)
    contexts = data.setdefault("contexts", {}) or {}
    data["contexts"] = contexts
    body = contexts.get(name) or {}
    for backend, url in urls.items():
        if url is not None:
            block = body.get(backend) or {}
            block["url"] = url
            body[backend] = block
    contexts[name] = body
    if use:
        data["current-context"] = name
    _write(actx, target, data)
    actx.out.info(f"context {name!r} written to {target}")


@app.command("delete-context")
def delete_context(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Context to delete.", autocompletion=complete_context)],
) -> None:
    """Delete a context from the file that defines it.

    \b
    Example:
      obsctl config delete-context old-staging
    """
    from obsctl.core.errors import UsageError

    actx = _actx(ctx)
    doc = _doc(ctx)
    if name not in doc.contexts:
        raise UsageError(f"no context named {name!r}", hint="see `obsctl config get-contexts`")
    target = doc.context_origin[name]
    data = _raw(target)
    data.get("contexts", {}).pop(name, None)
    if data.get("current-context") == name:
        data.pop("current-context")
    _write(actx, target, data)
    actx.out.info(f"deleted context {name!r} from {target}")


@app.command("path")
def path(ctx: typer.Context) -> None:
    """Print the contexts file(s) obsctl reads, first one wins.

    \b
    Example:
      obsctl config path
    """
    from obsctl.core.settings import config_paths

    actx = _actx(ctx)
    for p in config_paths(actx.env, actx.config_flag):
        suffix = "" if p.exists() or not actx.out.is_tty else "  (does not exist yet)"
        actx.out.write(f"{p}{suffix}")


def _raw(path: Path) -> dict[str, Any]:
    """The file as written (for editing it back); any unreadable or invalid file exits 2."""
    from obsctl.core.errors import ConfigError
    from obsctl.core.yamlio import load_file

    if not path.exists():
        return {}
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None
    data = load_file(raw, path, "contexts file") or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
    return data


def _write(actx: Any, target: Path, data: dict[str, Any]) -> None:
    from obsctl.core.settings import write_config_atomic

    ordered: dict[str, Any] = {k: data[k] for k in ("current-context", "contexts") if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    backup = write_config_atomic(target, ordered)
    if backup is not None:
        actx.out.warn(f"comments in {target} are not kept on rewrite; the previous file is saved as {backup}")
