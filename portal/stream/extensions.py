"""What other apps add to stream posts: items in a post's menu ("Create a task") and notes under a post
("Task: Prepare the offer").

An app registers them once, in its `AppConfig.ready()`:

    from portal.stream.extensions import register_entry_action, register_entry_annotation

    register_entry_action(
        "tasks.from_entry",
        label=_("Create a task"),
        icon="bi-check2-square",
        url=lambda entry: reverse("tasks:create") + f"?from_entry={entry.pk}",
        available=lambda user, entry: not entry.is_event,
    )
    register_entry_annotation("tasks.made_from", tasks_made_from_entries, icon="bi-check2-square")

`available(user, entry)` runs once per entry shown: it must not query the database. An annotation provider
runs once per page with all its entries and answers `{entry_id: [(label, url), ...]}` in a constant number
of queries, showing only what the reader may see. A menu link is not a grant: the target view checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from portal.core.registry import EntryAction, EntryAnnotation, registry

Provider = Callable[[Any, list[Any]], dict[int, list[tuple[str, str]]]]


@dataclass(frozen=True)
class BoundEntryLink:
    """A menu item or a note ready to show for one entry."""

    key: str
    label: str
    url: str
    icon: str


def register_entry_action(
    key: str, *, label, icon: str, url: Callable[[Any], str], available: Callable[[Any, Any], bool]
) -> EntryAction:
    """Add an item to every post's menu (core's `registry.stream_entry_actions`)."""
    if not key:
        raise ValueError("An entry action needs a key.")
    return registry.stream_entry_actions.register(
        EntryAction(key=key, label=label, icon=icon, url=url, available=available)
    )


def unregister_entry_action(key: str) -> None:
    registry.stream_entry_actions.unregister(key)


def register_entry_annotation(
    key: str, provider: Provider, *, icon: str = "bi-link-45deg"
) -> EntryAnnotation:
    """Add a provider of notes under posts (core's `registry.stream_entry_annotations`)."""
    if not key:
        raise ValueError("An entry annotation needs a key.")
    return registry.stream_entry_annotations.register(EntryAnnotation(key=key, provider=provider, icon=icon))


def unregister_entry_annotation(key: str) -> None:
    registry.stream_entry_annotations.unregister(key)


class _Notes:
    """The notes under one entry, computed on first use (pages show them, the API never asks).

    Every entry extended for the same reader during a request waits in one pool; the first note read
    computes the notes of the whole pool at once, so a page with pinned posts and the feed pays once.
    """

    __slots__ = ("entry", "pool")

    def __init__(self, entry, pool: _Pool):
        self.entry = entry
        self.pool = pool

    def _items(self) -> list[BoundEntryLink]:
        self.pool.resolve()
        return self.pool.done.get(self.entry.pk, [])

    def __iter__(self):
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __bool__(self) -> bool:
        return bool(self._items())


class _Pool:
    def __init__(self, user):
        self.user = user
        self.pending: dict[int, Any] = {}
        self.done: dict[int, list[BoundEntryLink]] = {}

    def add(self, entries: list[Any]) -> None:
        for entry in entries:
            if entry.pk not in self.done:
                self.pending[entry.pk] = entry

    def resolve(self) -> None:
        if not self.pending:
            return
        entries = list(self.pending.values())
        self.pending = {}
        found: dict[int, list[BoundEntryLink]] = {entry.pk: [] for entry in entries}
        for annotation in registry.stream_entry_annotations:
            for entry_id, notes in (annotation.provider(self.user, entries) or {}).items():
                if entry_id in found:
                    found[entry_id].extend(
                        BoundEntryLink(key=annotation.key, label=str(label), url=url, icon=annotation.icon)
                        for label, url in notes
                    )
        self.done.update(found)


def _pool_of(user) -> _Pool:
    pool = getattr(user, "_lumen_entry_notes", None)
    if pool is None:
        pool = _Pool(user)
        user._lumen_entry_notes = pool
    return pool


def entries_extend(user, entries: Iterable[Any]) -> None:
    """Set `extra_actions` (menu items) and `annotations` (notes, computed on first use) on each entry."""
    entries = list(entries)
    signed_in = bool(user and getattr(user, "is_authenticated", False))
    pool = _pool_of(user) if signed_in and entries else None
    if pool is not None:
        pool.add(entries)
    for entry in entries:
        entry.extra_actions = [
            BoundEntryLink(key=a.key, label=str(a.label), url=a.url(entry), icon=a.icon)
            for a in registry.stream_entry_actions
            if a.available(user, entry)
        ]
        entry.annotations = _Notes(entry, pool) if pool is not None else []
