"""Command groups that build only the sub-command being run.

Typer builds every command of a group (signature inspection, annotation evaluation) before running
one; for `obsctl alerts test a=b` that is most of the start-up after imports. `LazyCommands` keeps
the names up front (for `--help`, TAB and the docs generator) and builds each one on first lookup;
`build_command` builds one exactly as registering it on the group would have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

__all__ = ["LazyCommands", "build_command", "verb_group"]


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


def verb_group(verbs: Mapping[str, tuple[str, str]]) -> type:
    """A TyperGroup class (for `typer.Typer(cls=...)`) whose verbs are built on first use.

    `verbs` maps verb -> (module, attribute): a command function or a Typer app; listed in order.
    """
    import importlib

    from typer.core import TyperGroup

    def build_verb(name: str) -> Any:
        module, attribute = verbs[name]
        return build_command(name, getattr(importlib.import_module(module), attribute))

    class VerbGroup(TyperGroup):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.commands = LazyCommands(list(verbs), build_verb)

        def list_commands(self, ctx: Any) -> list[str]:
            return list(self.commands)

    return VerbGroup
