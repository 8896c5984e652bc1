"""Where the workflows app shows up in the rest of the portal: processes.

- the counter "Approvals waiting for me" (`workflows_waiting`, navigation area "workflows"): a person's
  undecided, still active assignments on the active step of a running process, for many people in one query;
- the notification kinds the engine and the automation rules send.
"""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

WAITING_COUNTER = "workflows_waiting"


def waiting_by_user(user_ids: list[int]) -> dict[int, int]:
    """{user id: approvals waiting for them} in one grouped query (the counter's compute)."""
    from ..choices import ProcessStatus, StepStatus
    from ..models import StepAssignment

    if not user_ids:
        return {}
    return dict(
        StepAssignment.objects.filter(
            user_id__in=list(user_ids),
            decision="",
            active=True,
            step__status=StepStatus.ACTIVE,
            step__process__status=ProcessStatus.RUNNING,
        )
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )


def register() -> None:
    from portal.notifications.counters import register_counter
    from portal.notifications.services import register_notification_kind

    register_counter(
        WAITING_COUNTER,
        label=_("Approvals waiting for me"),
        area="workflows",
        compute=waiting_by_user,
        order=10,
    )
    register_notification_kind(
        "workflows_approval", _("Approvals: a request waits for my decision"), email_default=True
    )
    register_notification_kind(
        "workflows_result", _("Approvals: my request was approved, rejected or returned")
    )
    register_notification_kind("workflows_info", _("Approvals: for my information, and comments"))
    register_notification_kind(
        "workflows_reminder", _("Approvals: deadline reminders and escalations"), email_default=True
    )
    register_notification_kind("workflows_rule", _("Automation rules: messages of a rule"))
