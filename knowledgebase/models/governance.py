"""Governance of pages: the responsible editor's "verified on <date> by <person>" mark, which holds until the
page's review-by date passes."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PageVerificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> PageVerificationQuerySet:
        """A page's verification mark is seen by whoever reads the page."""
        from .pages import Page

        return self.filter(page__in=Page.objects.visible_to(user).values("pk"))


class PageVerification(models.Model):
    """The last time a page's responsible editor confirmed it is up to date (the audit log keeps the earlier
    ones)."""

    page = models.OneToOneField("knowledgebase.Page", on_delete=models.CASCADE, related_name="verification")
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified"), default=timezone.now)
    revision = models.PositiveIntegerField(_("revision"), default=0)

    objects = PageVerificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("page verification")
        verbose_name_plural = _("page verifications")

    def __str__(self) -> str:
        return f"{self.page_id} verified {self.verified_at:%Y-%m-%d}"

    def is_valid(self, review_by: datetime.date | None, today: datetime.date) -> bool:
        """The mark expires when the page's review-by date has passed."""
        return review_by is None or review_by >= today
