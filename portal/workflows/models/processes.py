"""Running processes: a request following its template version's route, step by step.

`Process` is the request; its `steps` are the route as resolved for it (a step per route step of the current
round; a resubmission after "return for rework" starts a new round, the old steps stay for the history);
`StepAssignment` says who must act on a step and why (the approver, their deputy, the supervisor of an absent
approver, an escalation); `ProcessAction` is the history: every act with who, when, what and the comment.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from portal.core.attachments import AttachmentBase
from portal.core.models import TimeStampedModel
from portal.core.visibility import by_role, owned_by, supervised_by, viewer_rule, visible

from ..choices import (
    ActionKind,
    AssignmentReason,
    ProcessStatus,
    StepAction,
    StepKind,
    StepMode,
    StepStatus,
    TemplateKind,
)


@viewer_rule(heads=True)
def process_visibility_q(user) -> Q:
    """The rule of `ProcessQuerySet.visible_to` (the roles that see all are decided before it)."""
    return (
        owned_by(user, "requester")
        | Exists(StepAssignment.objects.filter(step__process_id=OuterRef("pk"), user_id=user.pk))
        | supervised_by(user, "requester")
        | Exists(
            _template_viewers().objects.filter(
                processtemplate_id=OuterRef("template_id"), processrole__members=user.pk
            )
        )
    )


class ProcessQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProcessQuerySet:
        """The requester; anyone assigned to a step of it (approvers, deputies, escalations, the informed);
        the requester's supervisors up the tree; holders of a role the template lets see all its processes
        ("HR" sees leave, "accountant" sees payments); portal admins."""
        return visible(
            self,
            user,
            lambda: process_visibility_q(user),
            sees_all=lambda: by_role(user, "workflows.view_all_processes"),
        )

    def waiting_for(self, user) -> ProcessQuerySet:
        """Running processes whose active step waits for `user`'s decision."""
        return self.filter(
            status=ProcessStatus.RUNNING,
            current_step__assignments__user_id=user.pk,
            current_step__assignments__decision="",
            current_step__assignments__active=True,
        )


def _template_viewers():
    from .templates import ProcessTemplate

    return ProcessTemplate.viewer_roles.through


class Process(TimeStampedModel):
    """One request on its way through its route."""

    template = models.ForeignKey(
        "workflows.ProcessTemplate", on_delete=models.PROTECT, related_name="processes"
    )
    version = models.ForeignKey(
        "workflows.TemplateVersion", on_delete=models.PROTECT, related_name="processes"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TemplateKind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="processes",
        verbose_name=_("requester"),
    )
    data = models.JSONField(_("form"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProcessStatus.choices,
        default=ProcessStatus.RUNNING,
        db_index=True,
    )
    round = models.PositiveIntegerField(_("round"), default=1)
    current_step = models.ForeignKey(
        "workflows.ProcessStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Copied from the form for the lists, the payment register and its totals by currency.
    amount = MoneyField(
        _("amount"), max_digits=16, decimal_places=2, null=True, blank=True, default_currency=None
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    counterparty = models.CharField(_("counterparty"), max_length=300, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProcessQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["requester", "-submitted_at"], name="workflows_process_requester"),
            models.Index(fields=["template", "status", "-submitted_at"], name="workflows_process_template"),
            models.Index(fields=["kind", "status", "paid_at"], name="workflows_process_register"),
        ]
        permissions = [("view_all_processes", "Can see every process")]
        verbose_name = _("process")
        verbose_name_plural = _("processes")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("workflows:process_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in (ProcessStatus.RUNNING, ProcessStatus.RETURNED)


class ProcessStep(models.Model):
    """A step of a process's route in one round, as resolved when the round started."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveIntegerField(default=1)
    index = models.PositiveIntegerField()
    key = models.CharField(max_length=50)
    name = models.CharField(_("step"), max_length=200)
    kind = models.CharField(max_length=20, choices=StepKind.choices, default=StepKind.APPROVAL)
    mode = models.CharField(max_length=10, choices=StepMode.choices, default=StepMode.ANY)
    actions = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=StepStatus.choices, default=StepStatus.WAITING, db_index=True
    )
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["process_id", "round", "index"]
        constraints = [
            models.UniqueConstraint(fields=["process", "round", "index"], name="workflows_step_unique_index")
        ]
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")

    def __str__(self) -> str:
        return f"{self.process_id}/{self.round}/{self.index} {self.name}"

    def allows(self, action: str) -> bool:
        return action in (self.actions or [StepAction.APPROVE, StepAction.REJECT])


class StepAssignment(models.Model):
    """Who must act on a step, and why: `instead_of` names the approver the rule named when someone else
    (a deputy, an absent approver's supervisor, an escalation) acts in their place."""

    step = models.ForeignKey(ProcessStep, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="step_assignments"
    )
    reason = models.CharField(
        max_length=20, choices=AssignmentReason.choices, default=AssignmentReason.DIRECT
    )
    instead_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "" while undecided; else approve / reject / return (or "informed" on an information step).
    decision = models.CharField(max_length=20, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    # False once another assignee decided an "anyone of" step, or the step ended.
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["step", "user"], name="workflows_assignment_unique_user")
        ]
        indexes = [models.Index(fields=["user", "decision", "active"], name="workflows_assignment_waiting")]
        verbose_name = _("step assignment")
        verbose_name_plural = _("step assignments")

    def __str__(self) -> str:
        return f"{self.step_id} -> {self.user_id} ({self.reason})"


class ProcessAction(models.Model):
    """The history of a process: who did what when, with the comment (and for whom, when acting as a deputy)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="actions")
    step = models.ForeignKey(ProcessStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    comment = models.TextField(blank=True)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("process action")
        verbose_name_plural = _("process actions")

    def __str__(self) -> str:
        return f"{self.process_id} {self.kind}"


class ProcessFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(process__in=Process.objects.visible_to(user).values("pk"))


class ProcessFile(AttachmentBase):
    """A file of a process's form (an invoice, a contract draft, a receipt); a new version of a field's file
    keeps the old ones (`version`)."""

    storage_folder = "workflows"
    storage_owner_field = ""
    download_url_name = "workflows:file_download"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="files")
    field = models.CharField(max_length=50)
    version = models.PositiveIntegerField(default=1)

    objects = ProcessFileQuerySet.as_manager()

    class Meta:
        ordering = ["process_id", "field", "-version", "-id"]
        verbose_name = _("process file")
        verbose_name_plural = _("process files")


__all__ = ["Process", "ProcessAction", "ProcessFile", "ProcessStep", "StepAssignment"]
