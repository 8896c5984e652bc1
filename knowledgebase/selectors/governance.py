"""Reads of governance: which pages wait for their responsible editor's review, the verification mark, and
the counters "pages to review" (stored per person, computed here for the counters registry)."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..choices import PageStatus
from ..models.governance import PageVerification
from ..models.pages import Page


def review_due_q(today: datetime.date) -> Q:
    """Published pages whose review-by date has come."""
    return Q(status=PageStatus.PUBLISHED, review_by__isnull=False, review_by__lte=today)


def _answering() -> Coalesce:
    return Coalesce(F("responsible_id"), F("space__responsible_id"))


def pages_to_review_counts(user_ids: list[int], today: datetime.date | None = None) -> dict[int, int]:
    """The counter "pages to review": per responsible editor (the page's, else its space's), one query."""
    today = today or timezone.localdate()
    rows = (
        Page.objects.filter(review_due_q(today))
        .annotate(editor=_answering())
        .filter(editor__in=user_ids)
        .values("editor")
        .annotate(n=Count("id"))
        .values_list("editor", "n")
    )
    return dict(rows)


def pages_to_review(*, user, today: datetime.date | None = None) -> QuerySet[Page]:
    """The pages the user answers for whose review-by date has come, the oldest date first."""
    today = today or timezone.localdate()
    return (
        Page.objects.visible_to(user)
        .filter(review_due_q(today))
        .annotate(editor=_answering())
        .filter(editor=user.pk)
        .select_related("space")
        .order_by("review_by", "id")
    )


def page_verification(*, page: Page, today: datetime.date | None = None) -> PageVerification | None:
    """The page's verification mark while it holds (until the review-by date passes), else None."""
    today = today or timezone.localdate()
    mark = PageVerification.objects.filter(page=page).select_related("verified_by").first()
    if mark is None or not mark.is_valid(page.review_by, today):
        return None
    return mark


def may_verify(user, page: Page) -> bool:
    """The page's responsible editor (the space's when the page names none) and admins mark it verified."""
    from .discussion import can_moderate

    return can_moderate(user, page)
