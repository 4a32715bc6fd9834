"""TAB from the generated CLI table: click's completion rules, replayed without importing typer.

`complete(tree, args, incomplete, env)` resolves the command being typed the way click's
`shell_completion` does (resilient parsing of every level, the same "which parameter wants this
word" rules) over the plain data in obsctl/_surface_data.py. It returns (value, help) pairs, or
None when a parameter's values come from its own Python completer ("live"), which only the full
CLI can run. tests/cli/test_generated.py checks it against typer's own completion.
"""

from __future__ import annotations

from obsctl._argv import hoist_global_options

TYPE_CHECKING = False  # typing itself is not imported on the TAB path
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    Node = tuple[Any, ...]
    Item = tuple[str, str | None]

# Field positions of the generated table's tuples (obsctl._surface_build writes them in this order).
NODE_FIELDS = (
    "group",
    "commands",
    "params",
    "interspersed",
    "ignore_unknown",
    "no_args_is_help",
    "help_names",
)
PARAM_FIELDS = ("kind", "name", "opts", "secondary", "action", "nargs", "hidden", "help", "complete")
GROUP, COMMANDS, PARAMS, INTERSPERSED, IGNORE_UNKNOWN, NO_ARGS_IS_HELP, HELP_NAMES = range(7)
KIND, NAME, OPTS, SECONDARY, ACTION, NARGS, HIDDEN, HELP, COMPLETE = range(9)


class _Usage(Exception):
    """A parse error; under resilient parsing click keeps what it had parsed so far."""


class _Level:
    """One resolved command: its table node, parsed values and leftover words (a click Context)."""

    def __init__(self, path: str, node: Node, args: list[str]) -> None:
        self.path = path
        self.node = node
        self.values, rest = _parse(node, args)
        self.protected: list[str] = []
        self.rest = rest
        if node[GROUP] and rest:
            self.protected, self.rest = rest[:1], rest[1:]

    def from_command_line(self, param: Node) -> bool:
        return self.values.get(param[NAME]) is not None


def _split_opt(opt: str) -> tuple[str, str]:
    first = opt[:1]
    if first.isalnum():
        return "", opt
    if opt[1:2] == first:
        return opt[:2], opt[2:]
    return first, opt[1:]


def _parser_tables(node: Node) -> tuple[dict[str, Node], dict[str, Node], set[str]]:
    short: dict[str, Node] = {}
    long: dict[str, Node] = {}
    prefixes = {"-", "--"}
    for param in node[PARAMS]:
        if param[KIND] != "option":
            continue
        for opt in [*param[OPTS], *param[SECONDARY]]:
            prefix, value = _split_opt(opt)
            prefixes.add(prefix[0])
            if len(prefix) == 1 and len(value) == 1:
                short[opt] = param
            else:
                long[opt] = param
                prefixes.add(prefix)
    return short, long, prefixes


def _store(values: dict[str, Any], param: Node, value: Any) -> None:
    action = param[ACTION]
    if action in ("store", "store_const"):
        values[param[NAME]] = value if action == "store" else True
    elif action in ("append", "append_const"):
        values.setdefault(param[NAME], []).append(value if action == "append" else True)
    else:  # count
        values[param[NAME]] = values.get(param[NAME], 0) + 1


def _take(param: Node, rargs: list[str]) -> Any:
    if param[ACTION] not in ("store", "append"):
        return None
    nargs = param[NARGS]
    if len(rargs) < nargs:
        raise _Usage
    if nargs == 1:
        return rargs.pop(0)
    value = tuple(rargs[:nargs])
    del rargs[:nargs]
    return value


def _parse(node: Node, args: list[str]) -> tuple[dict[str, Any], list[str]]:
    """click's option parser with resilient parsing: (values, leftover words)."""
    short, long, prefixes = _parser_tables(node)
    values: dict[str, Any] = {}
    largs: list[str] = []
    rargs = list(args)
    try:
        while rargs:
            arg = rargs.pop(0)
            if arg == "--":
                break
            if arg[:1] in prefixes and len(arg) > 1:
                _process_opt(node, arg, short, long, prefixes, values, largs, rargs)
            elif node[INTERSPERSED]:
                largs.append(arg)
            else:
                rargs.insert(0, arg)
                break
        return values, _process_arguments(node, values, largs + rargs)
    except _Usage:
        return values, largs


def _process_opt(
    node: Node,
    arg: str,
    short: dict[str, Node],
    long: dict[str, Node],
    prefixes: set[str],
    values: dict[str, Any],
    largs: list[str],
    rargs: list[str],
) -> None:
    name, explicit = arg.split("=", 1) if "=" in arg else (arg, None)
    param = long.get(name)
    if param is not None:
        if param[ACTION] in ("store", "append"):
            if explicit is not None:
                rargs.insert(0, explicit)
            _store(values, param, _take(param, rargs))
        elif explicit is not None:
            raise _Usage
        else:
            _store(values, param, None)
        return
    if arg[:2] in prefixes:
        if not node[IGNORE_UNKNOWN]:
            raise _Usage
        largs.append(arg)
        return
    unknown: list[str] = []
    for i, ch in enumerate(arg[1:], start=2):
        param = short.get(arg[0] + ch)
        if param is None:
            if not node[IGNORE_UNKNOWN]:
                raise _Usage
            unknown.append(ch)
            continue
        takes_value = param[ACTION] in ("store", "append")
        if takes_value and i < len(arg):
            rargs.insert(0, arg[i:])
        _store(values, param, _take(param, rargs))
        if takes_value and i < len(arg):
            break
    if unknown:
        largs.append(arg[0] + "".join(unknown))


def _process_arguments(node: Node, values: dict[str, Any], words: list[str]) -> list[str]:
    arguments = [p for p in node[PARAMS] if p[KIND] == "argument"]
    pending = list(words)
    taken: list[Any] = []
    star: int | None = None
    for param in arguments:
        nargs = param[NARGS]
        if nargs < 0:
            star = len(taken)
            taken.append(None)
        elif star is None:
            taken.append(_pop_n(pending, nargs, front=True))
        else:
            taken.append(_pop_n(pending, nargs, front=False))
    if star is not None:
        taken[star] = tuple(pending)
        pending = []
    for param, value in zip(arguments, taken):
        if param[NARGS] > 1 and value is not None:
            holes = sum(1 for v in value if v is None)
            if holes == len(value):
                value = None
            elif holes:
                raise _Usage
        if param[NARGS] < 0 and value == ():
            value = None
        values[param[NAME]] = value
    return pending


def _pop_n(words: list[str], nargs: int, *, front: bool) -> Any:
    def one() -> str | None:
        if not words:
            return None
        return words.pop(0) if front else words.pop()

    if nargs == 1:
        return one()
    got = [one() for _ in range(nargs)]
    return tuple(got if front else reversed(got))


def resolve(tree: Mapping[str, Node], args: list[str]) -> list[_Level]:
    """The chain of commands the words select, root first (click's `_resolve_context`)."""
    levels = [_Level("", tree[""], hoist_global_options(args))]
    words = levels[0].protected + levels[0].rest
    while words and levels[-1].node[GROUP]:
        level = levels[-1]
        name = words[0]
        if name not in {c[0] for c in level.node[COMMANDS]}:
            break
        path = f"{level.path} {name}".strip()
        levels.append(_Level(path, tree[path], words[1:]))
        words = levels[-1].protected + levels[-1].rest
    return levels


def complete(
    tree: Mapping[str, Node], args: list[str], incomplete: str, env: Mapping[str, str]
) -> list[Item] | None:
    """Completions for the word being typed after `args`; None when only the full CLI can answer."""
    levels = resolve(tree, args)
    level = levels[-1]
    args = list(args)
    if incomplete == "=":
        incomplete = ""
    elif "=" in incomplete and incomplete.startswith("-"):
        name, _, incomplete = incomplete.partition("=")
        args.append(name)
    if "--" not in args and incomplete.startswith("-"):
        return _command_items(level, incomplete)
    params = level.node[PARAMS]
    for param in params:
        if _wants_value(param, args):
            return _param_items(param, levels, incomplete, env)
    if args and args[-1] == "--context" and len(levels) > 1:
        # `--context` may follow any sub-command (it is hoisted to the root), so it completes there too.
        root_context = next(p for p in levels[0].node[PARAMS] if "--context" in p[OPTS])
        return _param_items(root_context, levels, incomplete, env)
    for param in params:
        if param[KIND] == "argument" and (param[NARGS] < 0 or not level.from_command_line(param)):
            return _param_items(param, levels, incomplete, env)
    return _command_items(level, incomplete)


def _wants_value(param: Node, args: list[str]) -> bool:
    if param[KIND] != "option" or param[ACTION] not in ("store", "append"):
        return False
    for index, arg in enumerate(reversed(args)):
        if index + 1 > param[NARGS]:
            break
        if arg.startswith("-"):
            return arg in param[OPTS]
    return False


def _command_items(level: _Level, incomplete: str) -> list[Item]:
    node = level.node
    items: list[Item] = []
    if node[GROUP]:
        items += [
            (name, short)
            for name, short, hidden in node[COMMANDS]
            if name.startswith(incomplete) and not hidden
        ]
    if incomplete and not incomplete[0].isalnum():
        for param in node[PARAMS]:
            if param[KIND] != "option" or param[HIDDEN]:
                continue
            if param[ACTION] not in ("append", "append_const") and level.from_command_line(param):
                continue
            items += [(o, param[HELP]) for o in [*param[OPTS], *param[SECONDARY]] if o.startswith(incomplete)]
    return items


def _param_items(
    param: Node, levels: list[_Level], incomplete: str, env: Mapping[str, str]
) -> list[Item] | None:
    spec = param[COMPLETE]
    if not spec:
        return []
    kind = spec[0]
    if kind == "choices":
        if spec[2]:
            return [(c, None) for c in spec[1] if c.startswith(incomplete)]
        return [(c, None) for c in spec[1] if c.lower().startswith(incomplete.lower())]
    if kind == "file":
        return [(incomplete, None)]
    if kind == "contexts":
        from obsctl.config.complete import context_names

        flag = levels[0].values.get("config")
        return [(n, None) for n in context_names(env, flag if isinstance(flag, str) else None, incomplete)]
    return None
