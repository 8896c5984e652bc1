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

from portal.core.registry import MessageAction, registry


@dataclass(frozen=True)
class BoundMessageAction:
    """An action ready to show for one message: what the menu item needs."""

    key: str
    label: str
    icon: str
    url: str


def register_message_action(
    key: str,
    *,
    label,
    icon: str,
    url: Callable[[Any], str],
    available: Callable[[Any, Any], bool],
) -> MessageAction:
    """Add an action in every message's menu."""
    if not key:
        raise ValueError("A message action needs a key.")
    action = MessageAction(key=key, label=label, icon=icon, url=url, available=available)
    return registry.chat_message_actions.register(action)


def unregister_message_action(key: str) -> None:
    """Remove an action (tests, or an app that switches a feature off)."""
    registry.chat_message_actions.unregister(key)


def registered_message_actions() -> list[MessageAction]:
    return registry.chat_message_actions.items()


def message_actions(user, message) -> list[BoundMessageAction]:
    """The actions this user may take on this message, in registration order. Deleted messages have none."""
    if getattr(message, "is_deleted", False):
        return []
    return [
        BoundMessageAction(key=a.key, label=str(a.label), icon=a.icon, url=a.url(message))
        for a in registry.chat_message_actions
        if a.available(user, message)
    ]
