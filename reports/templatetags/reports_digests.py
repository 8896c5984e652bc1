"""Template helpers of the digest panel, pages and e-mail."""

from __future__ import annotations

from django import template

from reports.selectors import digest_sections as _digest_sections

register = template.Library()


@register.filter
def digest_sections(digest):
    """The sections of a digest as shown, titles in the active language (see selectors.digest_sections)."""
    return _digest_sections(digest) if digest is not None else []


@register.filter
def digest_signals(sections) -> list:
    """Only the sections that found something."""
    return [section for section in sections or [] if section.total]


@register.simple_tag
def digest_link(base_url: str, url: str) -> str:
    """A link of the digest's data made absolute for an e-mail (relative links start with "/")."""
    if not url:
        return ""
    return f"{(base_url or '').rstrip('/')}{url}" if url.startswith("/") else url
