"""Reads of the discussion under pages, already permission-filtered (`PageComment.objects.visible_to`)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from portal.core.errors import NotFound
from portal.core.permissions import get_visible, is_portal_admin

from ..models.discussion import CommentStatus, PageComment, PageCommentLike
from ..models.pages import Page


def can_moderate(user, page: Page) -> bool:
    """The page's responsible editor (the space's when the page names none) and portal admins moderate its
    discussion. No query: the page's space is read with it."""
    if is_portal_admin(user):
        return True
    uid = getattr(user, "pk", None)
    if uid is None:
        return False
    if page.responsible_id:
        return page.responsible_id == uid
    return page.space.responsible_id == uid


def page_readable(user, page_id: int) -> Page:
    """The page `user` may read (with its space), else NotFound."""
    page = Page.objects.visible_to(user).select_related("space").filter(pk=page_id).first()
    if page is None:
        raise NotFound()
    return page


def comment_list(
    *, user, filters: dict | None = None, queryset: QuerySet | None = None
) -> QuerySet[PageComment]:
    """Comments the user may see (a FilterSet's queryset when given), with what a row shows: the author,
    the page and its space, and whether the user likes it."""
    qs = queryset if queryset is not None else PageComment.objects.visible_to(user)
    liked = PageCommentLike.objects.filter(comment=OuterRef("pk"), user_id=getattr(user, "pk", None))
    return qs.select_related("author", "page", "page__space").annotate(liked=Exists(liked))


def page_comments(*, user, page: Page) -> list[PageComment]:
    """The thread under a page: top comments in order, each with its replies (`thread_replies`), the pending
    ones included where the user may see them. Two queries whatever the number of comments."""
    rows = list(comment_list(user=user).filter(page=page).order_by("created_at", "id"))
    top: list[PageComment] = []
    by_id: dict[int, PageComment] = {}
    for row in rows:
        row.thread_replies = []
        if row.parent_id is None:
            top.append(row)
            by_id[row.pk] = row
    for row in rows:
        if row.parent_id is not None and row.parent_id in by_id:
            by_id[row.parent_id].thread_replies.append(row)
    return top


def comment_get(*, user, pk: int) -> PageComment:
    """One comment the user may see; 404 for hidden and missing alike."""
    return get_visible(comment_list(user=user), pk=pk)


def moderation_queue(*, user, queryset: QuerySet | None = None) -> QuerySet[PageComment]:
    """Comments waiting for the user's approval, oldest first (of pages they may read and moderate)."""
    qs = queryset if queryset is not None else PageComment.objects.visible_to(user)
    return (
        qs.moderated_by(user)
        .filter(status=CommentStatus.PENDING)
        .select_related("author", "page", "page__space", "parent")
        .order_by("created_at", "id")
    )


def pending_counts(user_ids: list[int]) -> dict[int, int]:
    """The counter "comments waiting for my approval": per moderator, one query."""
    from django.db.models import Count, F
    from django.db.models.functions import Coalesce

    rows = (
        PageComment.objects.filter(status=CommentStatus.PENDING)
        .annotate(moderator=Coalesce(F("page__responsible_id"), F("page__space__responsible_id")))
        .filter(moderator__in=user_ids)
        .values("moderator")
        .annotate(n=Count("id"))
        .values_list("moderator", "n")
    )
    return dict(rows)
