"""What the stream adds to the pages of other apps through core's registry (STYLE rule 13): the start page's
card of important posts I have not confirmed yet. Registered from `StreamConfig.ready()`."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from portal.core.links import url_for_pk
from portal.core.registry import HOME_CARD_ROWS, HOME_DAY, HomeCard, HomeRow, registry

from .choices import FeedShow


def _title(body: str) -> str:
    from .mentions import plain

    lines = [line.strip() for line in plain(body).splitlines() if line.strip()]
    return Truncator(lines[0]).chars(90) if lines else "…"


def _home_important(request) -> dict:
    """Important posts I may see and have not confirmed: two queries (the departments above me, then the
    lines with their total)."""
    from .selectors import important_unread_first

    entries, total = important_unread_first(user=request.user, limit=HOME_CARD_ROWS)
    rows = []
    for entry in entries:
        author = " ".join(p for p in (entry["author__first_name"], entry["author__last_name"]) if p)
        when = formats.date_format(timezone.localtime(entry["created_at"]), "MONTH_DAY_FORMAT")
        rows.append(
            HomeRow(
                _title(entry["body"]),
                url_for_pk("stream:entry", entry["id"]),
                meta=" · ".join(p for p in (author, when) if p),
            )
        )
    url = f"{reverse('stream:feed')}?{urlencode({'show': FeedShow.IMPORTANT})}"
    return {"count": total, "rows": rows, "url": url, "level": "warning"}


HOME_CARDS = (
    HomeCard(
        "stream.important_unread",
        "",
        _home_important,
        order=50,
        section=HOME_DAY,
        title=gettext_lazy("Important posts to read"),
        icon="bi-megaphone",
        empty=gettext_lazy("You have read every important post."),
    ),
)


def register() -> None:
    for card in HOME_CARDS:
        registry.home_cards.register(card)
