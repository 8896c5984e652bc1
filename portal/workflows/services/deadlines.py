"""Deadlines of approval steps: a reminder once a step is past due, an escalation one level up the org chart
after a further delay (`settings.LUMEN_WORKFLOWS_ESCALATE_AFTER_HOURS`, default 24).

Beat runs `deadlines_sweep` every few minutes (`portal.workflows.jobs.workflows_deadlines_sweep`). Each step is
claimed by a conditional update of its `reminded_at` / `escalated_at` (set only where still empty), so a re-run
or two beats at once remind and escalate each step once. An escalation adds the supervisor of every approver
who has not decided yet as an extra assignee (reason "escalated", standing in for that approver); the original
approver can still act.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.i18n import message

from ..choices import ActionKind, AssignmentReason, ProcessStatus, StepKind, StepStatus
from ..models import ProcessAction, ProcessStep, StepAssignment
from ..registrations.processes import WAITING_COUNTER
from .routes import supervisors_of

__all__ = ["deadlines_sweep", "escalate_after"]

BATCH = 500


def escalate_after() -> datetime.timedelta:
    return datetime.timedelta(hours=int(getattr(settings, "LUMEN_WORKFLOWS_ESCALATE_AFTER_HOURS", 24)))


def _late_steps():
    return ProcessStep.objects.filter(
        status=StepStatus.ACTIVE,
        kind=StepKind.APPROVAL,
        process__status=ProcessStatus.RUNNING,
        due_at__isnull=False,
    )


def deadlines_sweep(*, now: datetime.datetime | None = None) -> dict:
    """Remind the approvers of the steps past due, escalate the steps past due by the further delay. Returns
    {"reminders": steps reminded, "escalations": steps escalated} by this run."""
    now = now or timezone.now()
    reminded = escalated = 0
    due = _late_steps().filter(due_at__lte=now, reminded_at__isnull=True).order_by("due_at", "pk")
    for step_id in list(due.values_list("pk", flat=True)[:BATCH]):
        reminded += _remind(step_id, now=now)
    late = (
        _late_steps()
        .filter(due_at__lte=now - escalate_after(), escalated_at__isnull=True)
        .order_by("due_at", "pk")
    )
    for step_id in list(late.values_list("pk", flat=True)[:BATCH]):
        escalated += _escalate(step_id, now=now)
    return {"reminders": reminded, "escalations": escalated}


def _claim(step_id: int, field: str, now) -> ProcessStep | None:
    """Set `field` on the step if it is still empty (and the step still active): the one run that does gets
    the step, any other gets None."""
    claimed = _late_steps().filter(pk=step_id, **{f"{field}__isnull": True}).update(**{field: now})
    if not claimed:
        return None
    return ProcessStep.objects.select_related("process").get(pk=step_id)


def _undecided(step: ProcessStep):
    return StepAssignment.objects.filter(step=step, decision="", active=True)


def _notify(people, *, title, body, process) -> None:
    from portal.notifications.services import notify

    if people:
        notify(
            recipients=people,
            kind="workflows_reminder",
            title=title,
            body=body,
            url=process.get_absolute_url(),
            target=process,
        )


@transaction.atomic
def _remind(step_id: int, *, now) -> int:
    step = _claim(step_id, "reminded_at", now)
    if step is None:
        return 0
    process = step.process
    people = list(_undecided(step).order_by("user_id").values_list("user_id", flat=True))
    ProcessAction.objects.create(
        process=process, step=step, kind=ActionKind.REMIND, details={"users": people}
    )
    _notify(
        people,
        title=message(gettext_lazy("Reminder: %(title)s waits for your decision"), title=process.title),
        body=message(
            gettext_lazy("The step %(step)s was due %(when)s."),
            step=step.name,
            when=formats.date_format(timezone.localtime(step.due_at), "SHORT_DATETIME_FORMAT"),
        ),
        process=process,
    )
    return 1


@transaction.atomic
def _escalate(step_id: int, *, now) -> int:
    from portal.notifications.counters import counters_recount

    step = _claim(step_id, "escalated_at", now)
    if step is None:
        return 0
    process = step.process
    waiting = list(_undecided(step).select_related("user", "user__department").order_by("id"))
    supervisors = supervisors_of([a.user for a in waiting])
    taken = set(StepAssignment.objects.filter(step=step).values_list("user_id", flat=True))
    added: list[StepAssignment] = []
    for assignment in waiting:
        supervisor = supervisors.get(assignment.user_id)
        if supervisor is None or supervisor.pk in taken or supervisor.pk == process.requester_id:
            continue
        taken.add(supervisor.pk)
        added.append(
            StepAssignment(
                step=step,
                user=supervisor,
                reason=AssignmentReason.ESCALATED,
                instead_of_id=assignment.user_id,
            )
        )
    StepAssignment.objects.bulk_create(added)
    names = ", ".join(
        _("%(name)s (for %(other)s)")
        % {
            "name": a.user.full_name or a.user.email,
            "other": next(w.user.full_name or w.user.email for w in waiting if w.user_id == a.instead_of_id),
        }
        for a in added
    )
    ProcessAction.objects.create(
        process=process,
        step=step,
        kind=ActionKind.ESCALATE,
        comment=(_("Escalated to %(names)s.") % {"names": names})
        if added
        else _("Nobody above to escalate to."),
        details={"users": [a.user_id for a in added], "instead_of": [a.instead_of_id for a in added]},
    )
    _notify(
        [a.user_id for a in added],
        title=message(gettext_lazy("Escalated to you: %(title)s"), title=process.title),
        body=message(
            gettext_lazy("The step %(step)s is past its deadline; you may decide it."), step=step.name
        ),
        process=process,
    )
    counters_recount([a.user_id for a in added], [WAITING_COUNTER])
    return 1 if added else 0
