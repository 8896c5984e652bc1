"""Reads of the discussion under pages, already permission-filtered (`PageComment.objects.visible_to`)."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

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


THREAD_PAGE = 50


class Thread(NamedTuple):
    """Top comments, oldest first, each with `thread_replies`; `earlier_before` is the id to ask `before=` for
    the earlier top comments (None when there are none)."""

    comments: list[PageComment]
    earlier_before: int | None


def page_comments(*, user, page: Page) -> list[PageComment]:
    """The whole thread under a page (`page_thread` without a limit)."""
    return page_thread(user=user, page=page, limit=None).comments


def page_thread(*, user, page: Page, before: int | None = None, limit: int | None = THREAD_PAGE) -> Thread:
    """The thread under a page: the latest `limit` top comments (those before the top comment `before`, when
    given) in order, each with its replies (`thread_replies`), the pending ones included where the user may see
    them. Two queries whatever the number of comments."""
    visible = comment_list(user=user).filter(page=page)
    tops = visible.filter(parent__isnull=True)
    if before is not None:
        anchor = PageComment.objects.filter(pk=before, page=page).values("created_at")[:1]
        tops = tops.filter(Q(created_at__lt=Subquery(anchor)) | Q(created_at=Subquery(anchor), pk__lt=before))
    tops = tops.order_by("-created_at", "-id")
    top = list(tops if limit is None else tops[: limit + 1])
    earlier = None
    if limit is not None and len(top) > limit:
        top = top[:limit]
        earlier = top[-1].pk
    top.reverse()
    by_id: dict[int, PageComment] = {}
    for row in top:
        row.thread_replies = []
        by_id[row.pk] = row
    if by_id:
        for row in visible.filter(parent_id__in=list(by_id)).order_by("created_at", "id"):
            by_id[row.parent_id].thread_replies.append(row)
    return Thread(top, earlier)


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
