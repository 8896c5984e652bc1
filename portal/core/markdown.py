"""Markdown to safe HTML, for every app that keeps long texts in Markdown (knowledge base pages, descriptions).

The text is converted by the `markdown` package and the result sanitised by `nh3`: scripts and styles go
with their content, event handler attributes, `javascript:` (and every scheme but http, https and mailto)
links and unknown tags go; links get rel="noopener noreferrer". Relative URLs stay (an inline image served
by an app's permission-checked download view).

An app turns its own inline syntax into links with `tokens`: each ``(pattern, make)`` pair swaps every match
of ``pattern`` for an opaque token before the conversion (Markdown would read ``[[x]]`` or ``[Name](user:12)``
its own way) and puts ``make(match)`` (HTML the app built from escaped parts) in its place after the
sanitiser ran (not inside code: fenced blocks and `spans` are shown as written). The tokens carry a random
nonce, so that no text can forge one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br", "toc"]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto"}

Token = tuple[re.Pattern, Callable[[re.Match], str]]
CODE_RE = re.compile(r"^(```|~~~).*?^\1|`[^`\n]+`", re.MULTILINE | re.DOTALL)


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


def render_markdown(text: str, *, tokens: Iterable[Token] = ()) -> SafeString:
    """Markdown to sanitised HTML, with the app's `tokens` made into its own markup. Empty text gives ""."""
    if not (text or "").strip():
        return mark_safe("")  # noqa: S308 - a constant
    nonce = secrets.token_hex(6)
    made: list[str] = []
    # Code (fenced blocks and `spans`) is shown as written: the app's syntax is not made into markup there.
    code: list[str] = []
    source = CODE_RE.sub(lambda m: code.append(m.group(0)) or f"lumencode{nonce}x{len(code) - 1}x", text)
    for pattern, make in tokens:

        def stash(match: re.Match, make=make) -> str:
            made.append(make(match))
            return f"lumentoken{nonce}x{len(made) - 1}x"

        source = pattern.sub(stash, source)
    if code:
        source = re.sub(rf"lumencode{nonce}x(\d+)x", lambda m: code[int(m.group(1))], source)
    html = sanitize_html(markdown_lib.markdown(source, extensions=EXTENSIONS, output_format="html"))
    if made:
        html = re.sub(rf"lumentoken{nonce}x(\d+)x", lambda m: made[int(m.group(1))], html)
    return mark_safe(html)  # noqa: S308 - sanitised above; the tokens' markup is built by the app from escaped parts
