"""Tasks: what a supervisor does from the control dashboard without leaving it. Remind a person of an overdue
task (once a day, through the notifications' shared reminder), remind them of all their overdue tasks at once,
and accept every task of a person that waits for the supervisor's control in one go (each acceptance through
`task_transition`, so the usual rules, history and notifications apply)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from portal.core import i18n

from ..choices import HANDED_IN_STATUSES, TaskStatus
from ..models import Task
from .effects import _name
from .transitions import task_transition
from .validation import _require_actor, _require_visible

__all__ = [
    "REMINDER_KIND",
    "overdue_reminder_key",
    "task_overdue_remind",
    "tasks_control_accept_all",
    "tasks_overdue_remind_all",
]

# The notification kind of a supervisor's reminders about tasks (registered in `TasksConfig.ready()`).
REMINDER_KIND = "task_reminder"
# "Remind about all" is one reminder a day for all of a person's overdue tasks.
ALL_OVERDUE = "all"


def overdue_reminder_key(task_id: int | str) -> str:
    """The key of the once-a-day reminder about an overdue task (`ALL_OVERDUE` for all of them)."""
    return f"tasks.overdue:{task_id}"


def _require_overdue(task: Task, now: datetime.datetime) -> None:
    # As the overdue counter counts: the deadline has passed while the responsible person still has to act.
    if task.status in HANDED_IN_STATUSES or task.deadline is None or task.deadline >= now:
        raise ValidationError({"task": [_("This task is not overdue any more.")]}, code="not_overdue")


@transaction.atomic
def task_overdue_remind(
    *, actor, task: Task, today: datetime.date, now: datetime.datetime | None = None
) -> bool:
    """Remind the responsible person of an overdue task `actor` may see. False, and nothing sent, when they were
    already reminded of it (or of all their overdue tasks) on `today`."""
    from portal.notifications.services import reminder_send, reminders_sent

    _require_visible(actor, task)
    _require_overdue(task, now or timezone.now())
    keys = (overdue_reminder_key(task.pk), overdue_reminder_key(ALL_OVERDUE))
    if reminders_sent(recipients=[task.responsible_id], keys=keys, date=today):
        return False
    return reminder_send(
        actor=actor,
        recipient=task.responsible_id,
        key=keys[0],
        date=today,
        kind=REMINDER_KIND,
        title=i18n.message(
            gettext_lazy("%(name)s reminds you of an overdue task: %(title)s"),
            name=_name(actor),
            title=task.title,
        ),
        url=task.get_absolute_url(),
        target=task,
    )


@transaction.atomic
def tasks_overdue_remind_all(*, actor, person, tasks: list[Task], today: datetime.date) -> bool:
    """Remind `person` of all their overdue tasks `actor` sees (`tasks`, already read) with one notification.
    False, and nothing sent, when there is none or they were already reminded of all of them on `today`."""
    from portal.notifications.services import reminder_send

    _require_actor(actor)
    if not tasks:
        raise ValidationError({"task": [_("No task of this person is overdue.")]}, code="not_overdue")
    count = len(tasks)
    return reminder_send(
        actor=actor,
        recipient=person,
        key=overdue_reminder_key(ALL_OVERDUE),
        date=today,
        kind=REMINDER_KIND,
        title=i18n.message(
            ngettext_lazy(
                "%(name)s reminds you of %(count)d overdue task: %(title)s",
                "%(name)s reminds you of %(count)d overdue tasks, the oldest: %(title)s",
                "count",
            ),
            name=_name(actor),
            count=count,
            title=tasks[0].title,
        ),
        url=tasks[0].get_absolute_url() if count == 1 else "",
        target=tasks[0] if count == 1 else None,
    )


@transaction.atomic
def tasks_control_accept_all(*, actor, person, task_ids) -> list[Task]:
    """Accept every task of `person` (responsible) among `task_ids` that waits for `actor`'s control (the tasks
    the page showed: one that arrived since is not accepted blind). All or nothing: when one of them cannot
    be accepted (a checklist the creator requires complete), a ValidationError names it and none is."""
    _require_actor(actor)
    ids = {int(pk) for pk in task_ids}
    tasks = list(
        Task.objects.select_for_update()
        .filter(
            pk__in=ids,
            creator_id=actor.pk,
            responsible_id=getattr(person, "pk", person),
            status=TaskStatus.AWAITING_CONTROL,
        )
        .order_by("completed_at", "id")
    )
    if not tasks:
        raise ValidationError({"task": [_("No task waits for your control any more.")]}, code="nothing")
    errors = []
    for task in tasks:
        try:
            task_transition(actor=actor, task=task, action="approve")  # a savepoint of its own
        except ValidationError as exc:
            errors.append(
                _("“%(title)s”: %(reason)s") % {"title": task.title, "reason": " ".join(exc.messages)}
            )
    if errors:  # raised out of the transaction: the acceptances already made are undone too
        raise ValidationError({"task": errors}, code="not_accepted")
    return tasks
