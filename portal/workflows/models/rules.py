"""Automation rules ("robots"): when a trigger happens in a scope (a task's status changes in a project, a
deal reaches a stage, a process ends), if the conditions hold, run the actions in order, each maybe after
a wait. The triggers and actions are registered by the apps (`registry.automation_triggers`/`_actions`);
`conditions` and `actions` are JSON lists in the shape `portal.workflows.definitions` checks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel

from ..choices import RuleRunStatus


class AutomationRule(TimeStampedModel):
    """One rule on one scope ("group:12", "stage:5", "template:3")."""

    name = models.CharField(_("name"), max_length=200)
    trigger = models.CharField(_("when"), max_length=100)
    scope = models.CharField(_("where"), max_length=100, db_index=True)
    conditions = models.JSONField(_("if"), default=list, blank=True)
    actions = models.JSONField(_("then"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["scope", "name"]
        indexes = [models.Index(fields=["trigger", "scope", "is_active"], name="workflows_rule_lookup")]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """One run of a rule for one happening (object, event): at most one, whatever the deliveries."""

    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="runs")
    object_id = models.CharField(max_length=64)
    event_id = models.CharField(max_length=100)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=RuleRunStatus.choices, default=RuleRunStatus.PENDING)
    # The index of the next action to run; a wait stores when to go on.
    position = models.PositiveIntegerField(default=0)
    next_at = models.DateTimeField(null=True, blank=True, db_index=True)
    log = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "object_id", "event_id"], name="workflows_run_once")
        ]
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")

    def __str__(self) -> str:
        return f"{self.rule_id} {self.object_id} {self.event_id} {self.status}"
