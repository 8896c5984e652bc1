"""Comments on the timeline are Markdown, shown as sanitised HTML (like the stream's and the tasks' texts):
`markdown` converts, `nh3` keeps only harmless tags, and links to http(s) and mailto."""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

EXTENSIONS = ["sane_lists", "nl2br", "fenced_code", "tables"]
TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "hr", "i", "li", "ol", "p", "pre", "s", "strong",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}


def markdown_html(text: str) -> SafeString:
    """Markdown to HTML with nothing a browser could run: no scripts, styles, event handlers or images."""
    if not (text or "").strip():
        return mark_safe("")  # noqa: S308 - empty
    html = markdown_lib.markdown(text, extensions=EXTENSIONS, output_format="html")
    clean = nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 above
