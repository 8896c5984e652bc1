"""Revisions: every save of a page keeps one (the title and text as saved, who, when, why, minor or not)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .pages import Page


class PageRevisionQuerySet(models.QuerySet):
    def visible_to(self, user) -> PageRevisionQuerySet:
        """A page's revisions are seen by whoever reads the page."""
        return self.filter(page__in=Page.objects.visible_to(user).values("pk"))


class PageRevision(models.Model):
    """One saved state of a page. `number` counts from 1 per page; the page's `revision` is the latest."""

    page = models.ForeignKey(Page, verbose_name=_("page"), on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kb_revisions",
    )
    comment = models.CharField(_("comment"), max_length=255, blank=True)
    minor = models.BooleanField(_("minor edit"), default=False)
    # The revision this one was restored from, if it is a restore.
    restored_from = models.PositiveIntegerField(_("restored from"), null=True, blank=True)
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    objects = PageRevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("page revision")
        verbose_name_plural = _("page revisions")
        ordering = ["page_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="kb_revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.page_id} #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("kb:revision_detail", args=[self.page_id, self.number])
