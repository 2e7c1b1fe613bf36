"""One registry type for everything apps contribute: indicators, feeds, streams, pages, roles, labels…

Every registry follows one rule: a name is registered once. A second registration under a name already taken
is an error at start-up (`DuplicateRegistration`), naming both places, whatever was registered. Apps do not call
`register` themselves: they declare their contributions in their manifest (apps/core/plugins.py), and the core
registers them all when Django starts.

Tests that need a synthetic entry (or none) use `override`, a context manager that restores the registry as it
was, instead of reaching into a module's private dict:

    with indicator_registry.override(Indicator(code="test.x", ...)):
        ...                                        # the registry holds test.x beside the real indicators
    with simulator_registry.override(replace=True):
        ...                                        # the registry is empty
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

_HERE = os.path.dirname(os.path.abspath(__file__))
# Frames skipped to find who registered: this machinery, and contextlib's (override is a context manager).
_FRAMEWORK = {
    os.path.join(_HERE, "registry.py"),
    os.path.join(_HERE, "plugins.py"),
    os.path.abspath(contextlib.__file__),
}


def qualified_name(function: Callable[..., object]) -> str:
    """A function's name for a registry keyed by functions: its module and qualified name."""
    return f"{function.__module__}.{function.__qualname__}"


class DuplicateRegistration(ImproperlyConfigured):
    """A name registered twice; the message names the registry, the name and both places."""


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    item: T
    origin: str  # where it was declared: the manifest ("apps/traffic/manifest.py"), or a caller's "file.py:41"


def _caller() -> str:
    """The first frame outside the registry machinery, as "path:line" relative to the working directory."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename) in _FRAMEWORK:
        frame = frame.f_back  # None ends the loop
    if frame is None:
        return "?"
    return f"{os.path.relpath(frame.f_code.co_filename)}:{frame.f_lineno}"


class Registry(Generic[T]):
    """Items of one kind by name, kept in registration order.

    kind: what the items are, for messages ("indicator"). key: an item's name (e.g. `lambda i: i.code`).
    """

    def __init__(self, kind: str, *, key: Callable[[T], str]) -> None:
        self.kind = kind
        self._key = key
        self._entries: dict[str, Entry[T]] = {}

    def register(self, item: T, *, origin: str | None = None) -> T:
        """Add an item; raises DuplicateRegistration if its name is taken. Returns the item."""
        name = self._key(item)
        where = origin or _caller()
        taken = self._entries.get(name)
        if taken is not None:
            raise DuplicateRegistration(
                f"{self.kind} {name!r} is registered twice: first by {taken.origin}, again by {where}"
            )
        self._entries[name] = Entry(name, item, where)
        return item

    def get(self, name: str) -> T | None:
        entry = self._entries.get(name)
        return entry.item if entry is not None else None

    def __getitem__(self, name: str) -> T:
        return self._entries[name].item  # KeyError for an unknown name

    def origin(self, name: str) -> str | None:
        entry = self._entries.get(name)
        return entry.origin if entry is not None else None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter([entry.item for entry in self._entries.values()])

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        return list(self._entries)

    def items(self) -> list[T]:
        return [entry.item for entry in self._entries.values()]

    @contextmanager
    def override(self, *items: T, replace: bool = False) -> Iterator[Registry[T]]:
        """For tests: within the block the registry also holds `items` (an item under a name already taken
        replaces it), or only `items` with `replace=True`. The registry is restored afterwards, whatever
        happened inside."""
        names = [self._key(item) for item in items]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise DuplicateRegistration(f"{self.kind} {twice[0]!r} is given twice to one override, at {_caller()}")
        saved = dict(self._entries)
        if replace:
            self._entries.clear()
        try:
            for name, item in zip(names, items, strict=True):
                self._entries.pop(name, None)
                self.register(item, origin=_caller())
            yield self
        finally:
            self._entries = saved

    def __repr__(self) -> str:
        return f"<Registry of {len(self)} {self.kind}s>"
