"""Sending e-mail from jobs: one helper renders a template pair (.txt and .html) and sends it."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation


def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The named zone; None (the site's default) when there is none or it is unknown."""
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


def mail_send(
    *,
    to: list[str],
    subject,
    template: str,
    context: dict,
    language: str | None = None,
    time_zone: str | None = None,
) -> int:
    """Render `<template>.txt` (and `<template>.html` when present) and send. Returns messages sent.

    Everything is rendered in `language` (the recipient's; the site's default without one): the
    templates, and the subject, which may be a lazy text (`gettext_lazy`, `portal.core.i18n.message`);
    times in the templates show in `time_zone` (the recipient's; the site's default without one).
    Called from jobs (never inside a request's transaction), so a slow SMTP server delays nobody.
    """
    from django.template import TemplateDoesNotExist

    context = {"base_url": settings.LUMEN_BASE_URL.rstrip("/"), **context}
    with translation.override(language or settings.LANGUAGE_CODE), timezone.override(_zone(time_zone)):
        subject = " ".join(str(subject).split())  # a header: one line
        text = render_to_string(f"{template}.txt", context)
        try:
            html = render_to_string(f"{template}.html", context)
        except TemplateDoesNotExist:
            html = None
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
