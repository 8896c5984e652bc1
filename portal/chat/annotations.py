"""Notes that other apps show under messages ("Task: Fix the login page", ...).

An app registers a provider once, in its `AppConfig.ready()`:

    from portal.chat.annotations import register_message_annotation

    register_message_annotation("tasks.made_from", tasks_made_from_messages, icon="bi-check2-square")

A provider takes the reader and the messages of a page and answers `{message_id: [(label, url), ...]}`
for the messages it has something to say about. It runs once per page (not once per message), so it must
answer for all the messages in a constant number of queries, and it must show only what the reader may see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from portal.core.registry import MessageAnnotation, registry

Provider = Callable[[Any, list[Any]], dict[int, list[tuple[str, str]]]]


@dataclass(frozen=True)
class BoundAnnotation:
    """One note ready to show under one message."""

    key: str
    label: str
    url: str
    icon: str


def register_message_annotation(
    key: str, provider: Provider, *, icon: str = "bi-link-45deg"
) -> MessageAnnotation:
    """Add a provider of notes under messages."""
    if not key:
        raise ValueError("A message annotation needs a key.")
    annotation = MessageAnnotation(key=key, provider=provider, icon=icon)
    return registry.chat_message_annotations.register(annotation)


def unregister_message_annotation(key: str) -> None:
    registry.chat_message_annotations.unregister(key)


def registered_message_annotations() -> list[MessageAnnotation]:
    return registry.chat_message_annotations.items()


def message_annotations(user, messages: Iterable[Any]) -> dict[int, list[BoundAnnotation]]:
    """Per message id, the notes every provider has for `user` (deleted messages get none)."""
    shown = [m for m in messages if not getattr(m, "is_deleted", False)]
    result: dict[int, list[BoundAnnotation]] = {m.pk: [] for m in messages}
    if not shown or not (user and getattr(user, "is_authenticated", False)):
        return result
    for annotation in registry.chat_message_annotations:
        for message_id, notes in (annotation.provider(user, shown) or {}).items():
            if message_id in result:
                result[message_id].extend(
                    BoundAnnotation(key=annotation.key, label=str(label), url=url, icon=annotation.icon)
                    for label, url in notes
                )
    return result
