"""Template helpers of the chat pages."""

import re

from django import template
from django.utils.html import escape, urlize
from django.utils.safestring import mark_safe

from portal.chat.services import MENTION_RE

register = template.Library()


@register.filter
def chat_body(text) -> str:
    """A message's text as safe HTML: escaped, links made clickable, @mentions marked, line breaks kept."""
    html = urlize(escape(str(text or "")), nofollow=True, autoescape=False)
    html = MENTION_RE.sub(lambda m: f'<span class="chat-mention">@{m.group(1)}</span>', html)
    return mark_safe(re.sub(r"\n", "<br>", html))  # noqa: S308 - everything above was escaped


@register.filter
def chat_title(chat, viewer) -> str:
    """The chat's name as the viewer sees it (the other person's name for a direct chat)."""
    others = getattr(chat, "direct_others", None)
    if chat.is_direct and others:
        other = others[0].user
        return other.full_name or other.email
    return chat.display_title(viewer)


@register.filter
def chat_other(chat):
    """The other person of a direct chat from the list's prefetch, else None."""
    others = getattr(chat, "direct_others", None)
    return others[0].user if others else None
