"""The task fragments of the control dashboard: what a cell of a controlled person opens in place (the tasks
waiting for the viewer's control, the overdue tasks, the tasks without a deadline) and the actions taken there
(accept, return, accept all; remind, remind about all; move or set a deadline).

A fragment is a GET answering 404 when the viewer does not control the person; for htmx it is the fragment,
otherwise a small page around it. An action calls a service and answers the fragment again with a one-line
message and the `controlChanged` event (the dashboard then refreshes its counts); bad input answers the fragment
with the error and changes nothing. Without htmx: a flash message and back to the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import formats, timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from portal.core.errors import NotFound
from portal.core.htmx import partial_or_redirect, render_htmx

from .. import selectors
from ..forms.control import DEADLINE_FRAGMENTS, ControlAcceptAllForm, ControlDeadlineForm, ControlDecisionForm
from ..forms.fields import form_errors
from ..selectors import control as control_selectors
from ..services import control as control_services
from ..services import task_transition, task_update

CHANGED = "controlChanged"
DASHBOARD = "reports:home"
PAGE = "tasks/control/page.html"

# kind -> its fragment (the root element's id is control-detail-<kind>-<person id>, kind with dashes)
FRAGMENTS = {
    "awaiting": "tasks/control/partials/awaiting.html",
    "overdue": "tasks/control/partials/overdue.html",
    "no_deadline": "tasks/control/partials/no_deadline.html",
}


def _name(person) -> str:
    return person.full_name or person.email


def _person(request: HttpRequest, person_id: int):
    return control_selectors.control_person_get(viewer=request.user, person_id=person_id)


def _task_of_controlled(request: HttpRequest, pk: int):
    """A task the viewer may see whose responsible person they control (404 for anything else)."""
    task = selectors.task_get(user=request.user, pk=pk)
    if not control_selectors.controls_person(request.user, task.responsible):
        raise NotFound(_("No task matches the given query."))
    return task


def _rows(tasks: list) -> tuple[list, bool]:
    return tasks[: control_selectors.CONTROL_ROWS], len(tasks) > control_selectors.CONTROL_ROWS


# --- what each fragment shows ------------------------------------------------------------------------


def _awaiting_context(request: HttpRequest, person) -> dict:
    tasks, more = _rows(control_selectors.tasks_awaiting_control_of(viewer=request.user, person=person))
    return {
        "kind": "awaiting",
        "person": person,
        "person_name": _name(person),
        "tasks": tasks,
        "more": more,
        "title": _("Waiting for my control"),
    }


def _deadline_rows(request: HttpRequest, tasks: list, *, now) -> list[dict]:
    return [
        {
            "task": task,
            "can_move": selectors.can_change_deadline(request.user, task),
            "late": _("%(time)s late") % {"time": timesince(task.deadline, now, depth=1)}
            if task.deadline
            else "",
        }
        for task in tasks
    ]


def _overdue_context(request: HttpRequest, person) -> dict:
    from portal.notifications.services import reminders_sent

    now = timezone.now()
    today = timezone.localdate(now)
    tasks, more = _rows(control_selectors.tasks_overdue_of(viewer=request.user, person=person, now=now))
    key_of = control_services.overdue_reminder_key
    every = key_of(control_services.ALL_OVERDUE)
    sent = (
        {
            key
            for _id, key in reminders_sent(
                recipients=[person], keys=[every, *(key_of(t.pk) for t in tasks)], date=today
            )
        }
        if tasks
        else set()
    )
    rows = _deadline_rows(request, tasks, now=now)
    for row in rows:
        row["reminded"] = every in sent or key_of(row["task"].pk) in sent
    return {
        "kind": "overdue",
        "person": person,
        "person_name": _name(person),
        "rows": rows,
        "more": more,
        "all_reminded": every in sent,
        "title": _("Overdue tasks"),
    }


def _no_deadline_context(request: HttpRequest, person) -> dict:
    tasks, more = _rows(control_selectors.tasks_without_deadline_of(viewer=request.user, person=person))
    return {
        "kind": "no_deadline",
        "person": person,
        "person_name": _name(person),
        "rows": _deadline_rows(request, tasks, now=timezone.now()),
        "more": more,
        "title": _("Tasks without a deadline"),
    }


CONTEXTS: dict[str, Callable[[HttpRequest, object], dict]] = {
    "awaiting": _awaiting_context,
    "overdue": _overdue_context,
    "no_deadline": _no_deadline_context,
}


def _fragment(request: HttpRequest, kind: str, person) -> HttpResponse:
    context = CONTEXTS[kind](request, person)
    return render_htmx(request, PAGE, {**context, "fragment": FRAGMENTS[kind]}, partial=FRAGMENTS[kind])


def _answer(request: HttpRequest, kind: str, person, *, success: str = "", errors=()) -> HttpResponse:
    """After an action: the fragment again with its one-line message (and `controlChanged` when something
    changed) for htmx; for a page, the message flashed and back to the dashboard."""
    errors = [str(e) for e in errors]

    def context() -> dict:
        return {**CONTEXTS[kind](request, person), "errors": errors, "success": "" if errors else success}

    return partial_or_redirect(
        request,
        DASHBOARD,
        partial=FRAGMENTS[kind],
        context=context,
        success=success,
        errors=errors,
        trigger=None if errors else CHANGED,
    )


def _attempt(call: Callable[[], object]) -> list[str]:
    """Run a service; its refusal (bad input, a rule, a right the viewer lacks) becomes the error lines."""
    try:
        call()
    except ValidationError as exc:
        return list(exc.messages)
    except PermissionDenied as exc:
        return [str(getattr(exc, "message", "") or exc) or _("You are not allowed to do this.")]
    return []


# --- the fragments ---------------------------------------------------------------------------------------


@login_required
@require_GET
def control_awaiting(request: HttpRequest, person_id: int) -> HttpResponse:
    """The person's tasks waiting for the viewer's control, each with Accept and Return, and Accept all."""
    return _fragment(request, "awaiting", _person(request, person_id))


@login_required
@require_GET
def control_overdue(request: HttpRequest, person_id: int) -> HttpResponse:
    """The person's overdue tasks the viewer sees, each with Remind and Move deadline, and Remind about all."""
    return _fragment(request, "overdue", _person(request, person_id))


@login_required
@require_GET
def control_no_deadline(request: HttpRequest, person_id: int) -> HttpResponse:
    """The person's running tasks without a deadline the viewer sees, each with a deadline to set."""
    return _fragment(request, "no_deadline", _person(request, person_id))


# --- the actions -----------------------------------------------------------------------------------------


@login_required
@require_POST
def control_awaiting_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a task waiting for the viewer's control, or return it for rework (with a comment)."""
    task = _task_of_controlled(request, pk)
    person = task.responsible
    form = ControlDecisionForm(request.POST)
    if not form.is_valid():
        return _answer(request, "awaiting", person, errors=form_errors(form))
    action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
    errors = _attempt(lambda: task_transition(actor=request.user, task=task, action=action, comment=comment))
    names = {"title": task.title}
    success = (
        _("Accepted: %(title)s.") % names
        if action == "approve"
        else _("Returned for rework: %(title)s.") % names
    )
    return _answer(request, "awaiting", person, success=success, errors=errors)


@login_required
@require_POST
def control_awaiting_accept_all(request: HttpRequest, person_id: int) -> HttpResponse:
    """Accept every task the fragment showed that still waits for the viewer's control (all or none)."""
    person = _person(request, person_id)
    form = ControlAcceptAllForm(request.POST)
    if not form.is_valid():
        return _answer(request, "awaiting", person, errors=form_errors(form))
    accepted: list = []

    def accept() -> None:
        accepted.extend(
            control_services.tasks_control_accept_all(
                actor=request.user, person=person, task_ids=form.cleaned_data["task_ids"]
            )
        )

    errors = _attempt(accept)
    success = ngettext("Accepted %(count)d task.", "Accepted %(count)d tasks.", len(accepted)) % {
        "count": len(accepted)
    }
    return _answer(request, "awaiting", person, success=success, errors=errors)


@login_required
@require_POST
def control_overdue_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """Remind the responsible person of one overdue task (once a day)."""
    task = _task_of_controlled(request, pk)
    person = task.responsible
    sent: list[bool] = []
    errors = _attempt(
        lambda: sent.append(
            control_services.task_overdue_remind(actor=request.user, task=task, today=timezone.localdate())
        )
    )
    success = (
        _("%(name)s is reminded of “%(title)s”.") % {"name": _name(person), "title": task.title}
        if sent and sent[0]
        else _("%(name)s was already reminded of it today.") % {"name": _name(person)}
    )
    return _answer(request, "overdue", person, success=success, errors=errors)


@login_required
@require_POST
def control_overdue_remind_all(request: HttpRequest, person_id: int) -> HttpResponse:
    """Remind the person of all their overdue tasks the viewer sees, with one notification (once a day)."""
    person = _person(request, person_id)
    now = timezone.now()
    tasks, _more = _rows(control_selectors.tasks_overdue_of(viewer=request.user, person=person, now=now))
    sent: list[bool] = []
    errors = _attempt(
        lambda: sent.append(
            control_services.tasks_overdue_remind_all(
                actor=request.user, person=person, tasks=tasks, today=timezone.localdate(now)
            )
        )
    )
    success = (
        _("%(name)s is reminded of their overdue tasks.") % {"name": _name(person)}
        if sent and sent[0]
        else _("%(name)s was already reminded of them today.") % {"name": _name(person)}
    )
    return _answer(request, "overdue", person, success=success, errors=errors)


@login_required
@require_POST
def control_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    """Move (or set) a task's deadline through `task_update`: its rules, history and notifications apply."""
    task = _task_of_controlled(request, pk)
    person = task.responsible
    form = ControlDeadlineForm(request.POST)
    kind = request.POST.get("fragment")
    kind = kind if kind in DEADLINE_FRAGMENTS else "overdue"
    if not form.is_valid():
        return _answer(request, kind, person, errors=form_errors(form))
    deadline = form.cleaned_data["deadline"]
    errors = _attempt(lambda: task_update(actor=request.user, task=task, deadline=deadline))
    success = _("New deadline of “%(title)s”: %(deadline)s.") % {
        "title": task.title,
        "deadline": _local(deadline),
    }
    return _answer(request, kind, person, success=success, errors=errors)


def _local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
