"""Mentions in texts: `@[Full Name](user:12)`, inserted by the person picker of the composer and the
comment box (and easy to type by hand). Rendered as links to the profile."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

MENTION_RE = re.compile(r"@\[(?P<name>[^\]\n]{1,120})\]\(user:(?P<id>\d{1,12})\)")


def mention_markup(user) -> str:
    name = (user.full_name or user.email).replace("]", "").replace("[", "")
    return f"@[{name}](user:{user.pk})"


def mentioned_ids(text: str) -> list[int]:
    """Ids of the people mentioned in `text`, in order, without repeats."""
    return list(dict.fromkeys(int(m.group("id")) for m in MENTION_RE.finditer(text or "")))


def plain(text: str) -> str:
    """The text with mentions shown as "@Name" (for notifications, titles and search snippets)."""
    return MENTION_RE.sub(lambda m: "@" + m.group("name"), text or "")


def render(text: str) -> SafeString:
    """Escape the text, turn mentions into profile links and line breaks into paragraphs."""
    escaped = escape(text or "")

    def link(match: re.Match) -> str:
        url = reverse("people:profile", args=[int(match.group("id"))])
        return f'<a class="lumen-mention" href="{url}" data-mention="{match.group("id")}">@{match.group("name")}</a>'

    # The pattern's characters survive escaping (a name's own "&" or "<" are already entities).
    return mark_safe(linebreaks(MENTION_RE.sub(link, escaped), autoescape=False))  # noqa: S308
