"""Command groups that build only the sub-command being run.

Typer builds every command of a group (signature inspection, annotation evaluation) before running
one; for `obsctl alerts test a=b` that is most of the start-up after imports. `LazyCommands` keeps
the names up front (for `--help`, TAB and the docs generator) and builds each one on first lookup;
`build_command` builds one exactly as registering it on the group would have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

__all__ = ["LazyCommands", "build_command"]


def build_command(name: str, target: Any) -> Any:
    """The click command for a typer command function, or the click group for a typer app."""
    import typer
    import typer.main

    holder = typer.Typer(rich_markup_mode=None)  # plain help, as the root renders it
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    holder.command("_")(lambda: None)  # two commands, so typer builds a group and keeps the name
    return typer.main.get_group(holder).commands[name]


class LazyCommands(MutableMapping[str, Any]):
    """A group's `commands`: names known up front, each command built on first lookup."""

    def __init__(self, names: list[str], build: Callable[[str], Any]) -> None:
        self._names = names
        self._built: dict[str, Any] = {}
        self._build = build

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._names:
                raise KeyError(name)
            self._built[name] = self._build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._names:
            self._names.append(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)
