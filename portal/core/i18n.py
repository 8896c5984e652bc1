"""Texts translated when they are shown, not when they are made.

A service that tells other people something (a notification, an e-mail) runs in the actor's language, but
each recipient must read it in their own. So the service hands over a *message*: the untranslated msgid
(`gettext_lazy`/`ngettext_lazy`) with its parameters. `str(message)` formats the translation of the
language active at that moment, and the code that knows the reader renders it inside
`translation.override(reader.language)`:

    notify(
        recipients=[responsible],
        title=message(gettext_lazy("%(name)s gave you a task: %(title)s"), name=actor_name, title=task.title),
        ...
    )

A parameter may itself be language-dependent: another message, a lazy string (a choice label), or
`deferred(func, *args)`, a call made at rendering time (a date in the reader's locale format).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.functional import Promise

__all__ = ["Deferred", "Message", "deferred", "message", "render"]


class Deferred:
    """`func(*args, **kwargs)` called each time the value is turned into text (in the active language)."""

    __slots__ = ("args", "func", "kwargs")

    def __init__(self, func: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs

    def __str__(self) -> str:
        return str(self.func(*self.args, **self.kwargs))

    def __repr__(self) -> str:
        return f"deferred({getattr(self.func, '__name__', self.func)!r})"


class Message:
    """A msgid and its parameters; `str()` gives the translation of the active language, formatted."""

    __slots__ = ("params", "template")

    def __init__(self, template, params: dict[str, Any]) -> None:
        self.template = template
        self.params = params

    def __str__(self) -> str:
        if not self.params:
            return str(self.template)
        params = {key: _resolve(value) for key, value in self.params.items()}
        # `%` on the lazy template itself: an `ngettext_lazy` one picks the plural form from the parameters.
        return str(self.template % params)

    def __repr__(self) -> str:
        return f"message({str(self.template)!r}, {self.params!r})"

    def __eq__(self, other) -> bool:
        if isinstance(other, Message):
            return str(self.template) == str(other.template) and self.params == other.params
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def _resolve(value):
    """A parameter as the format wants it: language-dependent values become text now, others stay (`%d`)."""
    if isinstance(value, Message | Deferred | Promise):
        return str(value)
    return value


def message(template, /, **params) -> Message:
    """A text to translate when shown: `template` is a lazy msgid (`gettext_lazy('%(name)s did X')`, or
    `ngettext_lazy(singular, plural, "count")`), `params` its named parameters."""
    return Message(template, params)


def deferred(func: Callable[..., Any], /, *args, **kwargs) -> Deferred:
    """A parameter computed when the message is shown, e.g. `deferred(date_format, day, "DATE_FORMAT")`."""
    return Deferred(func, args, kwargs)


def render(value) -> str:
    """Any text (a plain string, a lazy string, a message, nothing) as a string of the active language."""
    if value is None:
        return ""
    return str(value)
