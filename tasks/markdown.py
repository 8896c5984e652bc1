"""Markdown of task descriptions and comments, rendered to safe HTML.

The text is converted by the `markdown` package and the result sanitised by `nh3` (scripts, event handler
attributes, `javascript:` links and unknown tags go; links get rel="noopener noreferrer"). Mentions
`@[Name](user:12)` become profile links like in the stream (portal/stream/mentions.py).
"""

from __future__ import annotations

import re
import secrets

import markdown as markdown_lib
import nh3
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal.stream.mentions import MENTION_RE

EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br"]

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def _mention_link(match: re.Match) -> str:
    user_id = int(match.group("id"))
    url = reverse("people:profile", args=[user_id])
    return (
        f'<a class="lumen-mention" href="{escape(url)}" data-mention="{user_id}">'
        f"@{escape(match.group('name'))}</a>"
    )


def sanitize_html(html: str) -> str:
    """Keep only harmless markup: the tags and attributes above, links to http(s) and mailto."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render_markdown(text: str) -> SafeString:
    """Markdown to sanitised HTML, with mentions as profile links. Empty text gives an empty string."""
    if not (text or "").strip():
        return mark_safe("")  # noqa: S308 - a constant
    # Mentions are swapped for opaque tokens first: Markdown would read `[Name](user:12)` as a link with a
    # scheme the sanitiser drops. The tokens carry a random nonce so that no text can forge one.
    nonce = secrets.token_hex(6)
    links: list[str] = []

    def stash(match: re.Match) -> str:
        links.append(_mention_link(match))
        return f"lumenmention{nonce}x{len(links) - 1}x"

    source = MENTION_RE.sub(stash, text)
    html = sanitize_html(markdown_lib.markdown(source, extensions=EXTENSIONS, output_format="html"))
    if links:
        token_re = re.compile(rf"lumenmention{nonce}x(\d+)x")
        html = token_re.sub(lambda m: links[int(m.group(1))], html)
    return mark_safe(html)  # noqa: S308 - sanitised above; the mention links are built from escaped parts
