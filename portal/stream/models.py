"""The activity stream: entries (posts and published events) with their audience, comments, likes,
polls, important-announcement reads and photo albums.

Who sees an entry is stored as data: `Entry.audience_everyone` or rows of `EntryAudience`
(a department with its sub-tree, a workgroup's members, or one person). `Entry.objects.visible_to(user)`
turns that into one indexed query: a flag test, the author test and one `EXISTS` over the audience rows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.links import url_for_pk
from portal.core.models import TimeStampedModel

from .choices import AudienceKind, EntryKind


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _is_admin(user) -> bool:
    return bool(user.is_staff or user.is_superuser)


def department_ancestor_ids(user) -> list[int]:
    """Ids of the user's department and every department above it (a post to any of them reaches the
    user). One small query per user object; the answer is cached on it for the rest of the request."""
    cached = getattr(user, "_stream_department_ids", None)
    if cached is not None and cached[0] == user.department_id:
        return cached[1]
    ids: list[int] = []
    if user.department_id:
        from portal.people.models import Department

        # One query: the departments whose path begins the path of the user's department.
        own = Department.objects.filter(pk=user.department_id, path__startswith=OuterRef("path"))
        ids = list(Department.objects.filter(Exists(own)).order_by("path").values_list("id", flat=True))
    user._stream_department_ids = (user.department_id, ids)
    return ids


class EntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> EntryQuerySet:
        """Entries `user` may see: addressed to everyone, written by them, or addressed to them through
        a department above theirs, a workgroup they belong to, or by name. Admins see everything."""
        if not _active(user):
            return self.none()
        if _is_admin(user):
            return self.all()
        from portal.groups.models import Membership

        audience = EntryAudience.objects.filter(entry=OuterRef("pk"))
        reach = Q(user_id=user.pk) | Q(
            group_id__in=Membership.objects.filter(user_id=user.pk).values("group_id")
        )
        departments = department_ancestor_ids(user)
        if departments:
            reach |= Q(department_id__in=departments)
        return self.filter(Q(audience_everyone=True) | Q(author_id=user.pk) | Exists(audience.filter(reach)))


class Entry(TimeStampedModel):
    """One item of the stream: a post written by a person, or an event another app published
    (`services.entry_publish`) with its own audience and a template that renders it."""

    # Not indexed alone: the feed's (created_at, id) index serves every look-up by date, and a second index
    # on created_at only tempted the planner into reading it and sorting each page by id.
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices, default=EntryKind.POST)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="stream_entries",
    )
    body = models.TextField(_("text"), blank=True)
    # Events: what happened, to what, and how it renders.
    verb = models.CharField(_("verb"), max_length=64, blank=True)
    template = models.CharField(_("template"), max_length=200, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    audience_everyone = models.BooleanField(_("for everyone"), default=False)
    is_important = models.BooleanField(_("important"), default=False)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    # Stored counters, kept by services with F().
    comments_count = models.PositiveIntegerField(default=0)
    likes_count = models.PositiveIntegerField(default=0)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("stream entry")
        verbose_name_plural = _("stream entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="stream_entry_feed_idx"),
            models.Index(fields=["author", "-created_at", "-id"], name="stream_entry_author_idx"),
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(is_important=True),
                name="stream_entry_important_idx",
            ),
            models.Index(fields=["target_type", "target_id"], name="stream_entry_target_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=EntryKind.POST) | ~Q(verb=""), name="stream_entry_event_has_verb"
            ),
        ]

    def __str__(self) -> str:
        text = self.body or self.verb
        return f"{self.author} · {text[:60]}" if text else f"{self.author} · #{self.pk}"

    def get_absolute_url(self) -> str:
        return url_for_pk("stream:entry", self.pk)

    @property
    def is_event(self) -> bool:
        return self.kind == EntryKind.EVENT


class EntryAudience(models.Model):
    """One addressee of an entry: a department (and so its sub-tree), a workgroup, or a person."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="audience")
    kind = models.CharField(max_length=16, choices=AudienceKind.choices)
    department = models.ForeignKey(
        "people.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        "workgroups.Workgroup", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("audience")
        indexes = [
            models.Index(fields=["user", "entry"], name="stream_aud_user_idx"),
            models.Index(fields=["group", "entry"], name="stream_aud_group_idx"),
            models.Index(fields=["department", "entry"], name="stream_aud_dept_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=AudienceKind.DEPARTMENT,
                        department__isnull=False,
                        group__isnull=True,
                        user__isnull=True,
                    )
                    | Q(
                        kind=AudienceKind.GROUP,
                        department__isnull=True,
                        group__isnull=False,
                        user__isnull=True,
                    )
                    | Q(
                        kind=AudienceKind.USER,
                        department__isnull=True,
                        group__isnull=True,
                        user__isnull=False,
                    )
                ),
                name="stream_audience_one_target",
            ),
        ]

    def __str__(self) -> str:
        return str(self.department or self.group or self.user)

    @property
    def target(self):
        return self.department or self.group or self.user


class EntryRead(models.Model):
    """A reader pressed "I have read it" on an important entry."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stream_reads")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("read confirmation")
        constraints = [models.UniqueConstraint(fields=["entry", "user"], name="stream_read_once")]
        indexes = [models.Index(fields=["user", "entry"], name="stream_read_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} read #{self.entry_id}"


class CommentQuerySet(models.QuerySet):
    def visible_to(self, user) -> CommentQuerySet:
        return self.filter(entry__in=Entry.objects.visible_to(user))


class Comment(TimeStampedModel):
    """A comment on an entry or on one of its photos; replies go one level deep."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comments")
    photo = models.ForeignKey(
        "Photo", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stream_comments"
    )
    body = models.TextField(_("comment"))
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["entry", "photo", "created_at"], name="stream_comment_entry_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="stream_comment_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:60]}"


class Like(models.Model):
    """A person likes an entry, or one photo of an entry's album."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="likes")
    photo = models.ForeignKey("Photo", null=True, blank=True, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stream_likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("like")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "user"], condition=Q(photo__isnull=True), name="stream_like_entry_once"
            ),
            models.UniqueConstraint(
                fields=["photo", "user"], condition=Q(photo__isnull=False), name="stream_like_photo_once"
            ),
        ]
        indexes = [models.Index(fields=["user", "entry"], name="stream_like_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} likes #{self.entry_id}"


class Poll(models.Model):
    """A poll attached to a post. Results show after voting or once the poll is closed."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="poll")
    question = models.CharField(_("question"), max_length=300)
    multiple = models.BooleanField(_("several answers allowed"), default=False)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    voters_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("poll")
        indexes = [
            models.Index(
                fields=["closes_at"], condition=Q(closed_at__isnull=True), name="stream_poll_due_idx"
            )
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None or (self.closes_at is not None and self.closes_at <= timezone.now())


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("answer"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    votes_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("poll option")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["poll", "position"], name="stream_option_position")]

    def __str__(self) -> str:
        return self.text


class PollBallot(models.Model):
    """That a person voted in a poll: one ballot per person and poll, enforced by the database."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stream_ballots"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ballot")
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="stream_ballot_once")]

    def __str__(self) -> str:
        return f"{self.user} voted in {self.poll_id}"


class PollVote(models.Model):
    """One chosen answer. In an anonymous poll it is not linked to the ballot, so nobody (not even the
    database) can tell who chose what."""

    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")
    ballot = models.ForeignKey(
        PollBallot, null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )

    class Meta:
        verbose_name = _("vote")
        constraints = [models.UniqueConstraint(fields=["ballot", "option"], name="stream_vote_once")]

    def __str__(self) -> str:
        return f"vote for {self.option_id}"


class Album(models.Model):
    """A photo album attached to a post."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="album")
    title = models.CharField(_("album title"), max_length=200, blank=True)
    photos_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("album")

    def __str__(self) -> str:
        return self.title or f"Album #{self.pk}"

    def get_absolute_url(self) -> str:
        return url_for_pk("stream:album", self.pk)


def photo_path(instance: Photo, filename: str) -> str:
    # The services name files with the extension of the type detected from their bytes.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"stream/photos/{instance.album_id}/{uuid.uuid4().hex}.{ext}"


def thumbnail_path(instance: Photo, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"stream/thumbs/{instance.album_id}/{uuid.uuid4().hex}.{ext}"


class PhotoQuerySet(models.QuerySet):
    def visible_to(self, user) -> PhotoQuerySet:
        return self.filter(album__entry__in=Entry.objects.visible_to(user))


class Photo(models.Model):
    """An image of an album, served only through a permission-checked view; the thumbnail is made by a job."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_path, max_length=300)
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=300, blank=True)
    name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=50)
    thumbnail_content_type = models.CharField(max_length=50, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="stream_photos"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    comments_count = models.PositiveIntegerField(default=0)
    likes_count = models.PositiveIntegerField(default=0)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("photo")
        ordering = ["album", "id"]

    def __str__(self) -> str:
        return self.name or f"Photo #{self.pk}"

    def get_absolute_url(self) -> str:
        return url_for_pk("stream:photo", self.pk)
