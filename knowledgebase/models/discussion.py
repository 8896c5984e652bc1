"""The discussion under a page: comments with one level of replies, mentions and likes; in a moderated space a
new comment waits for the responsible editor's approval (its author sees it meanwhile, nobody else does)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.permissions import is_portal_admin
from portal.core.visibility import is_active_person


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Published")
    REJECTED = "rejected", _("Rejected")


def moderated_by(user, page_field: str = "page") -> Q:
    """Rows of pages whose discussion `user` moderates: the page's responsible editor, or the space's when the
    page names none."""
    return Q(**{f"{page_field}__responsible": user}) | Q(
        **{f"{page_field}__responsible__isnull": True, f"{page_field}__space__responsible": user}
    )


class PageCommentQuerySet(models.QuerySet):
    def visible_to(self, user) -> PageCommentQuerySet:
        """Comments of pages the user may read: published ones, their own whatever their state, and every
        comment of a page whose discussion they moderate (admins: all of readable pages)."""
        if not is_active_person(user):
            return self.none()
        page_model = apps.get_model("knowledgebase", "Page")
        readable = self.filter(page__in=page_model.objects.visible_to(user))
        if is_portal_admin(user):
            return readable
        return readable.filter(Q(status=CommentStatus.APPROVED) | Q(author=user) | moderated_by(user))

    def moderated_by(self, user) -> PageCommentQuerySet:
        """Comments of pages whose discussion `user` moderates (admins: every page)."""
        if not is_active_person(user):
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(moderated_by(user))


class PageComment(models.Model):
    """A comment under a page (Markdown with `@[Name](user:12)` mentions); `parent` makes it a reply (one
    level: a reply to a reply hangs under the same top comment)."""

    page = models.ForeignKey("knowledgebase.Page", on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("comment"))
    status = models.CharField(
        _("status"), max_length=16, choices=CommentStatus.choices, default=CommentStatus.APPROVED
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    likes_count = models.PositiveIntegerField(default=0)

    objects = PageCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("page comment")
        verbose_name_plural = _("page comments")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["page", "created_at", "id"], name="kb_comment_page"),
            models.Index(
                fields=["status", "created_at"],
                name="kb_comment_pending",
                condition=Q(status="pending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=models.F("id")), name="kb_comment_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    def get_absolute_url(self) -> str:
        return f"{self.page.get_absolute_url()}#comment-{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == CommentStatus.PENDING


class PageCommentLike(models.Model):
    """One person's like of a comment (liking twice changes nothing)."""

    comment = models.ForeignKey(PageComment, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment like")
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="kb_comment_like_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.comment_id}"
