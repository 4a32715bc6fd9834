"""One way to read YAML: libyaml's C loader wherever PyYAML was built with it, and never a crash.

PyYAML's pure-Python loader is 5-10x slower than the libyaml-backed `CSafeLoader`; every YAML the
tool reads (contexts, probes, alertmanager.yml, case files, rule files) goes through here so none
falls back to the slow path by accident. PyYAML itself is imported on first use, not at start-up.

Whatever a file holds, reading it ends in a value or in YAMLError, never in Python's own limits:
nesting deeper than MAX_DEPTH (PyYAML and every recursive walk over the result would hit the
recursion limit), an alias inside its own anchor (a cycle every walker loops on), integers longer
than Python converts (4300 digits), aliasing that expands past MAX_EXPANDED and impossible dates
are all reported as invalid YAML.
`load_file` turns that, and bytes that are not UTF-8, into one exit-2 line naming the file.
"""

from __future__ import annotations

import re
import sys

TYPE_CHECKING = False  # typing is not imported at run time (TAB and route-test start-up read through here)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from obsctl.core.errors import ObsctlError

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPANDED",
    "YAMLError",
    "load",
    "load_file",
    "load_text_scalars",
    "node_children",
    "safe_loader",
    "shape_problem",
]

# Far beyond any real config (contexts ~5 levels, an Alertmanager route tree a few dozen), and far
# below what recursive code over the result (dumping, validation) can take at ~4 frames a level.
MAX_DEPTH = 100
# Containers a document may reach once its aliases are expanded, when most of them are repeats
# (yaml.v2 refuses such "excessive aliasing" too): a real file far beyond this has no aliases.
MAX_EXPANDED = 1_000_000


class YAMLError(ValueError):
    """Text that is not valid YAML: `problem` says what, `line`/`column` (1-based) where, when known."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(problem if line is None else f"line {line}: {problem}")
        self.problem = problem
        self.line = line
        self.column = column if line is not None else None

    @property
    def where(self) -> str:
        """`:line:column`, `:line` or nothing, to follow a file name."""
        if self.line is None:
            return ""
        return f":{self.line}" if self.column is None else f":{self.line}:{self.column}"

    @classmethod
    def from_pyyaml(cls, exc: Exception, text: str | bytes | None = None) -> YAMLError:
        """Keep PyYAML's problem text and line, on one line (a bad character gets its line too)."""
        import yaml

        if isinstance(exc, yaml.reader.ReaderError):
            char = exc.character
            code = f"#x{char:02x}" if isinstance(char, int) else f"#x{ord(char):04x}"
            line = None
            if isinstance(text, str):
                line = text.count("\n", 0, exc.position) + 1
            elif isinstance(text, bytes):
                line = text.count(b"\n", 0, exc.position) + 1
            return cls(f"unacceptable character {code}: {exc.reason}", line)
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if mark is None:
            return cls(problem)
        return cls(problem, mark.line + 1, mark.column + 1)


def safe_loader() -> Any:
    """The fastest safe Loader class PyYAML offers here (`CSafeLoader`, else `SafeLoader`)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str | bytes) -> Any:
    """Parse one YAML document safely (no arbitrary tags) with libyaml when available.

    Raises YAMLError for bad syntax and also for what the text may say but Python cannot hold or
    walk: see the module docstring.
    """
    import yaml

    try:
        doc = yaml.load(text, Loader=safe_loader())  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise YAMLError.from_pyyaml(exc, text) from None
    except RecursionError:
        raise YAMLError(f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # from a constructor: a huge integer, a date like 2026-13-45
        raise _value_error(exc, text) from None
    problem = shape_problem(doc)
    if problem is not None:
        raise YAMLError(problem[0])
    return doc


def _value_error(exc: ValueError, text: str | bytes) -> YAMLError:
    message = str(exc)
    if "integer string conversion" in message:
        limit = sys.get_int_max_str_digits()
        src = text if isinstance(text, str) else text.decode("utf-8", "replace")
        found = re.search(r"[0-9_]{%d,}" % (limit + 1), src)
        line = src.count("\n", 0, found.start()) + 1 if found else None
        return YAMLError(f"a number with more than {limit} digits is too long to read", line)
    return YAMLError(f"invalid value: {message.splitlines()[0] if message else type(exc).__name__}")


def shape_problem(
    doc: Any, limit: int = MAX_DEPTH, children: Callable[[Any], Any] | None = None
) -> tuple[str, Any] | None:
    """Why `doc` cannot be walked safely, with the container where that shows; None when it can.

    Too deep (more than `limit` containers inside each other), cyclic (a YAML alias inside the
    anchor it names, `x: &a [*a]`) or aliases that expand past MAX_EXPANDED containers ("billion
    laughs": every walk or dump of the result would be exponential). `children(x)` gives a
    container's children or None for a leaf: dict values and list items by default, `node_children`
    for a composed node tree. Iterative, and a shared container (an alias used many times) is
    measured once: linear in the text's size.
    """
    kids_of = children or _data_children
    top = kids_of(doc)
    if top is None:
        return None
    heights: dict[int, int] = {}  # id -> levels of containers from it down, once fully walked
    sizes: dict[int, int] = {}  # id -> containers in it with every alias expanded
    on_path = {id(doc)}
    stack: list[list[Any]] = [[doc, iter(top), 1, 1]]  # container, children left, height, size
    while stack:
        frame = stack[-1]
        for child in frame[1]:
            cid = id(child)
            if cid in on_path:
                return "an alias is used inside its own anchor (a recursive structure)", child
            height = heights.get(cid)
            if height is None:
                kids = kids_of(child)
                if kids is None:
                    continue
                if len(stack) >= limit:
                    return f"nested more than {limit} levels deep", child
                on_path.add(cid)
                stack.append([child, iter(kids), 1, 1])
                break
            if len(stack) + height > limit:
                return f"nested more than {limit} levels deep", child
            frame[2] = max(frame[2], height + 1)
            frame[3] += sizes[cid]
        else:
            stack.pop()
            done = id(frame[0])
            on_path.discard(done)
            heights[done], sizes[done] = frame[2], frame[3]
            if frame[3] > MAX_EXPANDED and frame[3] > 10 * len(sizes):
                return f"aliases expand it to more than {MAX_EXPANDED:,} mappings and lists", frame[0]
            if stack:
                stack[-1][2] = max(stack[-1][2], frame[2] + 1)
                stack[-1][3] += frame[3]
    return None


def _data_children(node: Any) -> Any:
    if isinstance(node, dict):
        return node.values()
    return node if isinstance(node, list) else None


def node_children(node: Any) -> Any:
    """`shape_problem` children of a composed PyYAML node: keys and values, items; None for scalars."""
    value = node.value
    if isinstance(value, str):
        return None
    if value and isinstance(value[0], tuple):
        return [part for pair in value for part in pair]
    return value


def load_file(
    data: str | bytes, source: object, what: str = "file", error: type[ObsctlError] | None = None
) -> Any:
    """Parse a YAML (or JSON) file's contents; any problem is `error` (default ConfigError, exit 2).

    The one-line message names `source` (the file as the user wrote it), the line when known and
    the problem: `probes.yaml:3:7: invalid YAML: ...`, `ctx.yaml:2: not UTF-8 (byte 0xe9 ...)`;
    `what` ("probes file") names the file in the hint.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise _error_kind(error)(
                f"{source}:{line}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                hint=f"save the {what} as UTF-8, e.g. iconv -f latin1 -t utf-8",
            ) from None
    else:
        text = data
    try:
        return load(text)
    except YAMLError as exc:
        raise _error_kind(error)(f"{source}{exc.where}: invalid YAML: {exc.problem}") from None


def _error_kind(error: type[ObsctlError] | None) -> type[ObsctlError]:
    from obsctl.core.errors import ConfigError  # only on failure: TAB reads through this module

    return error or ConfigError


_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_MISSING: Any = object()


def load_text_scalars(text: str) -> Any:
    """One YAML document with every non-null scalar kept as its text, as Go's yaml.v2 sees strings.

    `code: 500` gives "500" and `on: yes` gives "yes" (no YAML 1.1 int/bool/date guessing); only a
    plain `~`, `null` or empty value is None. Built straight from libyaml's parse events (no node
    tree, no tag resolution), which is what makes a 10,000-case file load in a fraction of
    `yaml.safe_load`'s time. Merge keys (`<<`) are refused: their text meaning would be ambiguous.
    Raises YAMLError with the line of the problem.
    """
    import yaml
    import yaml.events

    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)(text)
    try:
        return _build(loader, yaml.events, anchored=("&" in text) if isinstance(text, str) else True)
    except yaml.YAMLError as exc:
        raise YAMLError.from_pyyaml(exc, text) from exc
    finally:
        loader.dispose()


def _fail(event: Any, message: str) -> YAMLError:
    mark = getattr(event, "start_mark", None)
    return YAMLError(message, mark.line + 1 if mark is not None else None)


def _build(loader: Any, events: Any, *, anchored: bool = True) -> Any:
    """The event loop of `load_text_scalars`: the open container in locals, no per-node objects.

    Scalars (most events) take the first branch; a container start saves the enclosing state on a
    stack and its end restores it. `anchored=False` (no `&` in the text) skips the anchor bookkeeping.
    """
    alias_ev, doc_end, scalar_ev = events.AliasEvent, events.DocumentEndEvent, events.ScalarEvent
    map_start, map_end = events.MappingStartEvent, events.MappingEndEvent
    seq_start, seq_end, stream_end = events.SequenceStartEvent, events.SequenceEndEvent, events.StreamEndEvent
    get = loader.get_event
    get()  # StreamStartEvent
    if isinstance(get(), stream_end):  # no document at all
        return None
    nulls, missing = _NULLS, _MISSING
    anchors: dict[str, Any] = {}
    root: Any = missing
    stack: list[tuple[Any, bool, Any]] = []  # enclosing (container, is_mapping, pending key)
    cur: Any = None  # the open container (None at the top level)
    is_map = False
    key: Any = missing  # in a mapping: the key waiting for its value
    while True:
        ev = get()
        cls = type(ev)
        opened = False
        if cls is scalar_ev:
            value = ev.value
            if value in nulls and ev.implicit[0]:
                value = None
            elif is_map and key is missing and value == "<<" and ev.implicit[0]:
                raise _fail(ev, "YAML merge keys (<<) are not supported here")
        elif cls is map_start or cls is seq_start:
            value = {} if cls is map_start else []
            opened = True
        elif cls is map_end or cls is seq_end:
            cur, is_map, key = stack.pop()
            continue
        elif cls is alias_ev:
            if ev.anchor not in anchors:
                raise _fail(ev, f"found undefined alias {ev.anchor!r}")
            value = anchors[ev.anchor]
            opened = isinstance(value, (dict, list))  # only to refuse it as a key below
            if opened and (value is cur or any(value is frame[0] for frame in stack)):
                raise _fail(ev, f"alias *{ev.anchor} is used inside its own anchor (a recursive structure)")
        elif cls is doc_end:
            break
        else:  # pragma: no cover - libyaml emits nothing else inside a document
            raise _fail(ev, f"unexpected {cls.__name__}")
        if anchored and ev.anchor is not None and cls is not alias_ev:
            anchors[ev.anchor] = value
        if is_map:
            if key is missing:
                if opened:
                    raise _fail(ev, "a mapping or sequence cannot be a mapping key here")
                key = value
                continue
            cur[key] = value
            key = missing
        elif cur is not None:
            cur.append(value)
        else:
            root = value
        if opened and cls is not alias_ev:
            if len(stack) >= MAX_DEPTH:
                raise _fail(ev, f"nested more than {MAX_DEPTH} levels deep")
            stack.append((cur, is_map, key))
            cur, is_map, key = value, cls is map_start, missing
    if not isinstance(get(), stream_end):
        raise YAMLError("expected a single document in the stream, found another")
    return None if root is missing else root
