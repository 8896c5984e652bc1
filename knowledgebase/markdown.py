"""A page's Markdown as safe HTML (core's renderer), with its internal links ``[[Page title]]`` and
``[[Page title|shown text]]`` resolved among the pages of the same space the reader may see: a link to a page
that is gone, or hidden from the reader, is shown as broken (the same for both, so that nothing leaks)."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from portal.core.markdown import CODE_RE, render_markdown

from .models import Space
from .selectors.pages import pages_titled

LINK_RE = re.compile(r"\[\[([^\[\]|\n]{1,255})(?:\|([^\[\]\n]{1,255}))?\]\]")


def link_titles(text: str) -> set[str]:
    """The page titles the text links to (not counting examples in code)."""
    return {m.group(1).strip() for m in LINK_RE.finditer(CODE_RE.sub("", text or ""))}


def broken_links(*, user, space: Space, text: str) -> list[str]:
    """The titles linked from `text` that resolve to no page `user` sees in `space` (one query)."""
    titles = link_titles(text)
    found = pages_titled(user=user, space=space, titles=titles)
    return sorted(t for t in titles if t.lower() not in found)


def render_page_body(*, user, space: Space, text: str) -> SafeString:
    """The page text as sanitised HTML with its internal links (one query for all the links)."""
    found = pages_titled(user=user, space=space, titles=link_titles(text))

    def make(match: re.Match) -> str:
        title = match.group(1).strip()
        shown = escape((match.group(2) or title).strip())
        page = found.get(title.lower())
        if page is None:
            tip = escape(_("No such page in this space: %(title)s") % {"title": title})
            return f'<span class="kb-link-broken" title="{tip}">{shown}</span>'
        return f'<a class="kb-link" href="{escape(reverse("kb:page_detail", args=[page.pk]))}">{shown}</a>'

    return render_markdown(text, tokens=[(LINK_RE, make)])
