"""Activities on CRM records: calls, meetings, e-mails and to-dos, each done or planned with a deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import ActivityKind, CallResult, Direction
from .links import RecordLinks, linked_visible


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Activities of records the person sees, and the person's own (they are responsible)."""
        return linked_visible(self, user, own=Q(responsible=user))


class Activity(RecordLinks):
    """A call, meeting, e-mail or to-do on one or more records (a deal and its contact, say)."""

    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("description"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="crm_activities",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Planned activities have a deadline (to-dos, meetings, calls to make); overdue = open and past it.
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    is_done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # Calls.
    duration = models.PositiveIntegerField(_("duration, seconds"), null=True, blank=True)
    call_result = models.CharField(_("result"), max_length=16, choices=CallResult.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    recording_url = models.URLField(_("recording"), max_length=1000, blank=True)
    # E-mails.
    email_from = models.CharField(_("from"), max_length=300, blank=True)
    email_to = models.CharField(_("to"), max_length=1000, blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    mailbox = models.ForeignKey(
        "crm.Mailbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The task made from this to-do (tasks is another app: its id, not a foreign key).
    task_id = models.PositiveBigIntegerField(null=True, blank=True)
    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["responsible", "is_done", "deadline"], name="crm_activity_resp_open"),
            models.Index(fields=["deal", "-created_at"], name="crm_activity_deal"),
            models.Index(fields=["contact", "-created_at"], name="crm_activity_contact"),
            models.Index(fields=["company", "-created_at"], name="crm_activity_company"),
            models.Index(fields=["lead", "-created_at"], name="crm_activity_lead"),
            models.Index(fields=["done_at"], name="crm_activity_done_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "message_id"],
                condition=~Q(message_id=""),
                name="crm_activity_message_once",
            ),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.subject
