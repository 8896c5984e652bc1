"""Actions on a message that other apps add to each message's menu ("Turn into a task", ...).

An app registers its action once, in its `AppConfig.ready()`:

    from portal.chat.actions import register_message_action

    register_message_action(
        "tasks.from_message",
        label=_("Turn into a task"),
        icon="bi-check2-square",
        url=lambda message: reverse("tasks:create") + f"?from_message={message.pk}",
        available=lambda user, message: user.has_perm("tasks.add_task"),
    )

The chat page lists, for each message, the actions whose `available(user, message)` is true, as links
to `url(message)`. The target view must check permissions itself (a link is not a grant). `available`
runs once per message shown, so it must not query the database per call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MessageAction:
    key: str
    label: Any  # a (lazy) string
    icon: str
    url: Callable[[Any], str]
    available: Callable[[Any, Any], bool]


@dataclass(frozen=True)
class BoundMessageAction:
    """An action ready to show for one message: what the menu item needs."""

    key: str
    label: str
    icon: str
    url: str


_registry: dict[str, MessageAction] = {}


def register_message_action(
    key: str,
    *,
    label,
    icon: str,
    url: Callable[[Any], str],
    available: Callable[[Any, Any], bool],
) -> MessageAction:
    """Add (or replace, for the same key) an action in every message's menu."""
    if not key:
        raise ValueError("A message action needs a key.")
    action = MessageAction(key=key, label=label, icon=icon, url=url, available=available)
    _registry[key] = action
    return action


def unregister_message_action(key: str) -> None:
    """Remove an action (tests, or an app that switches a feature off)."""
    _registry.pop(key, None)


def registered_message_actions() -> list[MessageAction]:
    return list(_registry.values())


def message_actions(user, message) -> list[BoundMessageAction]:
    """The actions this user may take on this message, in registration order. Deleted messages have none."""
    if getattr(message, "is_deleted", False):
        return []
    return [
        BoundMessageAction(key=a.key, label=str(a.label), icon=a.icon, url=a.url(message))
        for a in _registry.values()
        if a.available(user, message)
    ]
