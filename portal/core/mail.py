"""Sending e-mail from jobs: one helper renders a template pair (.txt and .html) and sends it."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def mail_send(
    *, to: list[str], subject: str, template: str, context: dict, language: str | None = None
) -> int:
    """Render `<template>.txt` (and `<template>.html` when present) and send. Returns messages sent.

    Called from jobs (never inside a request's transaction), so a slow SMTP server delays nobody.
    """
    from django.template import TemplateDoesNotExist

    context = {"base_url": settings.LUMEN_BASE_URL.rstrip("/"), **context}
    with translation.override(language or settings.LANGUAGE_CODE):
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
