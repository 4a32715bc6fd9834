"""One way to read YAML: libyaml's C loader wherever PyYAML was built with it.

PyYAML's pure-Python loader is 5-10x slower than the libyaml-backed `CSafeLoader`; every YAML the
tool reads (contexts, probes, alertmanager.yml, case files, rule files) goes through here so none
falls back to the slow path by accident. PyYAML itself is imported on first use, not at start-up.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time (route-test start-up)
if TYPE_CHECKING:
    from typing import Any


__all__ = ["YAMLError", "load", "load_text_scalars", "safe_loader"]


class YAMLError(ValueError):
    """Text that is not valid YAML: `problem` says what, `line` (1-based) where, when known."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem if line is None else f"line {line}: {problem}")
        self.problem = problem
        self.line = line

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
        return cls(problem, mark.line + 1 if mark is not None else None)


def safe_loader() -> Any:
    """The fastest safe Loader class PyYAML offers here (`CSafeLoader`, else `SafeLoader`)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str | bytes) -> Any:
    """Parse one YAML document safely (no arbitrary tags) with libyaml when available."""
    import yaml

    try:
        return yaml.load(text, Loader=safe_loader())  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise YAMLError.from_pyyaml(exc, text) from exc


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
            stack.append((cur, is_map, key))
            cur, is_map, key = value, cls is map_start, missing
    if not isinstance(get(), stream_end):
        raise YAMLError("expected a single document in the stream, found another")
    return None if root is missing else root
