"""Familiarisation: a campaign asks an audience to read pages of a space by a deadline; each person confirms
each page ("I have read and understood", optionally answering a short question right). Newcomers joining the
audience are enrolled; a major revision of a page asks those who confirmed it again."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.links import url_for_pk
from portal.core.permissions import is_portal_admin
from portal.core.visibility import NOTHING, any_of, is_active_person, owned_by, supervised_by


class CampaignStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


class ReadingState(models.TextChoices):
    READ = "read", _("Read")
    PENDING = "pending", _("Not read yet")
    OVERDUE = "overdue", _("Overdue")


def _readable_spaces(user):
    return apps.get_model("knowledgebase", "Space").objects.visible_to(user)


def _readable_pages(user):
    return apps.get_model("knowledgebase", "Page").objects.visible_to(user)


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user) -> CampaignQuerySet:
        """Campaigns of spaces the user may read whose progress concerns them: they started it, answer for the
        space, are asked to read, or supervise someone who is (admins: every campaign of a readable space)."""
        if not is_active_person(user):
            return self.none()
        readable = self.filter(space__in=_readable_spaces(user))
        if is_portal_admin(user):
            return readable
        asked = ReadingAssignment.objects.filter(campaign=OuterRef("pk"))
        subordinates = supervised_by(user, "user")
        rule = any_of(
            owned_by(user, "created_by", "space__responsible"),
            Q(Exists(asked.filter(user=user))),
            Q(Exists(asked.filter(subordinates))) if subordinates is not NOTHING else NOTHING,
        )
        return readable.filter(rule)


class Campaign(models.Model):
    """A request to read pages of one space: the audience (people, departments with their sub-departments,
    workgroups, and whether every newcomer joins it), the deadline, and an optional question whose right
    answer a confirmation needs."""

    space = models.ForeignKey("knowledgebase.Space", on_delete=models.CASCADE, related_name="campaigns")
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(_("message"), blank=True)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.RUNNING
    )
    pages = models.ManyToManyField("knowledgebase.Page", related_name="campaigns", verbose_name=_("pages"))
    departments = models.ManyToManyField(
        settings.LUMEN_GRANT_DEPARTMENT_MODEL, blank=True, related_name="+", verbose_name=_("departments")
    )
    groups = models.ManyToManyField(
        settings.LUMEN_GRANT_GROUP_MODEL, blank=True, related_name="+", verbose_name=_("groups")
    )
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("people")
    )
    newcomers = models.BooleanField(_("every newcomer"), default=False)
    question = models.CharField(_("question"), max_length=300, blank=True)
    options = models.JSONField(_("answers"), default=list, blank=True)
    answer = models.PositiveSmallIntegerField(_("right answer"), null=True, blank=True)
    newcomer_days = models.PositiveSmallIntegerField(_("days a newcomer has"), default=14)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("familiarisation campaign")
        verbose_name_plural = _("familiarisation campaigns")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["space", "-created_at"], name="kb_campaign_space")]
        constraints = [
            models.CheckConstraint(
                condition=Q(question="") | Q(answer__isnull=False), name="kb_campaign_question_has_answer"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return url_for_pk("kb:campaign_detail", self.pk)


class ReadingAssignmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReadingAssignmentQuerySet:
        """A person's own rows, their subordinates' (the supervisor sees progress), and every row of a campaign
        they started or whose space they answer for; only of pages the user may read."""
        if not is_active_person(user):
            return self.none()
        readable = self.filter(page__in=_readable_pages(user))
        if is_portal_admin(user):
            return readable
        return readable.filter(
            any_of(
                owned_by(user, "user", "campaign__created_by", "campaign__space__responsible"),
                supervised_by(user, "user"),
            )
        )

    def open(self) -> ReadingAssignmentQuerySet:
        return self.filter(confirmed_at__isnull=True, campaign__status=CampaignStatus.RUNNING)

    def overdue(self, today) -> ReadingAssignmentQuerySet:
        return self.open().filter(due_on__lt=today)


class ReadingAssignment(models.Model):
    """One person asked to read one page of a campaign: confirmed or not, and by when."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    page = models.ForeignKey("knowledgebase.Page", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(_("due"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_revision = models.PositiveIntegerField(null=True, blank=True)
    asked_again_at = models.DateTimeField(null=True, blank=True)

    objects = ReadingAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("reading assignment")
        verbose_name_plural = _("reading assignments")
        ordering = ["campaign", "user", "page"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "page", "user"], name="kb_reading_unique"),
        ]
        indexes = [
            models.Index(
                fields=["user", "due_on"], name="kb_reading_open", condition=Q(confirmed_at__isnull=True)
            ),
            models.Index(fields=["page", "user"], name="kb_reading_page_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} reads {self.page_id}"

    def state(self, today) -> str:
        if self.confirmed_at is not None:
            return ReadingState.READ
        return ReadingState.OVERDUE if self.due_on < today else ReadingState.PENDING
