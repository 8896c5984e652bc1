"""Template helpers of the task pages: status badges, deadlines (overdue in red), person chips, sortable
column headers, durations and recurrence labels. Other task pages may append their helpers here."""

from __future__ import annotations

import datetime

from django import template
from django.db import models
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.core.links import url_for_pk
from portal.core.templatetags.lumen import avatar_html
from tasks.choices import HANDED_IN_STATUSES, LinkKind, Repeat, TaskPriority, TaskStatus
from tasks.filters import SORTS

register = template.Library()

STATUS_STYLES = {
    TaskStatus.NEW: "text-bg-secondary",
    TaskStatus.PENDING: "text-bg-info",
    TaskStatus.IN_PROGRESS: "text-bg-primary",
    TaskStatus.AWAITING_CONTROL: "text-bg-warning",
    TaskStatus.COMPLETED: "text-bg-success",
    TaskStatus.DEFERRED: "text-bg-light border",
    TaskStatus.DECLINED: "text-bg-dark",
}
WEEKDAYS_SHORT = (
    (gettext_lazy("Mon"), 0),
    (gettext_lazy("Tue"), 1),
    (gettext_lazy("Wed"), 2),
    (gettext_lazy("Thu"), 3),
    (gettext_lazy("Fri"), 4),
    (gettext_lazy("Sat"), 5),
    (gettext_lazy("Sun"), 6),
)


def _status_of(value) -> str:
    return str(getattr(value, "status", value) or "")


@register.filter
def status_badge(value):
    """A task's (or a status value's) badge: `{{ task|status_badge }}`."""
    status = _status_of(value)
    label = TaskStatus(status).label if status in TaskStatus.values else status
    return format_html(
        '<span class="badge {} task-status" data-status="{}">{}</span>',
        STATUS_STYLES.get(status, "text-bg-secondary"),
        status,
        label,
    )


@register.filter
def task_status_label(value) -> str:
    """A status value's label in the active language ("" for an unknown value): stream entries store the
    value, and each reader sees its label in their own language."""
    status = _status_of(value)
    return str(TaskStatus(status).label) if status in TaskStatus.values else ""


@register.filter
def priority_mark(task):
    """A red mark for high-priority tasks, nothing for normal ones."""
    if getattr(task, "priority", None) != TaskPriority.HIGH:
        return ""
    return format_html(
        '<i class="bi bi-exclamation-circle-fill text-danger task-priority-high" title="{}" aria-label="{}"></i>',
        _("High priority"),
        _("High priority"),
    )


@register.simple_tag
def task_deadline(task, empty=None):
    """The deadline in the viewer's time zone; red with a warning when the open task is overdue."""
    deadline = getattr(task, "deadline", None)
    if deadline is None:
        return format_html('<span class="text-body-secondary task-deadline-none">{}</span>', empty or "—")
    local = timezone.localtime(deadline)
    text = formats.date_format(local, "SHORT_DATETIME_FORMAT")
    # Overdue as the counters judge it: not once the responsible person has completed it (awaiting control).
    handed_in = getattr(task, "status", None) in HANDED_IN_STATUSES
    if not handed_in and deadline < timezone.now():
        return format_html(
            '<time class="text-danger fw-semibold task-deadline task-overdue" datetime="{}" title="{}">'
            '<i class="bi bi-alarm" aria-hidden="true"></i> {}</time>',
            local.isoformat(),
            _("Overdue"),
            text,
        )
    return format_html('<time class="task-deadline" datetime="{}">{}</time>', local.isoformat(), text)


@register.simple_tag
def person_chip(person, size=20):
    """A small avatar and the person's name, linking to their profile."""
    if person is None:
        return format_html('<span class="text-body-secondary">{}</span>', "—")
    avatar = avatar_html(person, size, max(8, int(size) // 2))
    return format_html(
        '<a class="d-inline-flex align-items-center gap-1 lumen-person-link text-reset task-person" '
        'href="{}" data-person="{}">{}<span class="text-truncate">{}</span></a>',
        person.get_absolute_url(),
        person.pk,
        avatar,
        person.full_name or person.email,
    )


@register.simple_tag(takes_context=True)
def sort_header(context, key, label, target="#task-results"):
    """A column header that sorts by `key` (a second click reverses it when the reverse exists)."""
    request = context["request"]
    current = request.GET.get("sort", "")
    reverse_key = f"-{key}"
    if current == key and reverse_key in SORTS:
        next_key, icon = reverse_key, "bi-sort-up"
    elif current == key:
        next_key, icon = key, "bi-sort-up"
    elif current == reverse_key:
        next_key, icon = key, "bi-sort-down"
    else:
        next_key, icon = key, ""
    params = request.GET.copy()
    params.pop("page", None)
    params["sort"] = next_key
    url = "?" + params.urlencode()
    return format_html(
        '<a class="link-body-emphasis text-decoration-none text-nowrap task-sort" href="{}" hx-get="{}" '
        'hx-target="{}" hx-swap="outerHTML" hx-push-url="true" data-sort="{}">{}{}</a>',
        url,
        url,
        target,
        next_key,
        label,
        format_html(' <i class="bi {}" aria-hidden="true"></i>', icon) if icon else "",
    )


@register.filter
def hours(seconds):
    """Seconds as hours for people ("1.5 h"), empty for nothing."""
    if not seconds:
        return ""
    value = round(int(seconds) / 3600, 2)
    text = f"{value:g}"
    return _("%(hours)s h") % {"hours": text}


@register.filter
def repeat_label(template_obj):
    """How a task template repeats, in words ("Every week on Mon, Thu at 09:00 until 31 Dec 2025")."""
    repeat = getattr(template_obj, "repeat", Repeat.NONE)
    if repeat == Repeat.NONE:
        return _("Does not repeat")
    if repeat == Repeat.DAILY:
        text = _("Every day")
    elif repeat == Repeat.WEEKLY:
        chosen = set(template_obj.weekdays or [])
        days = ", ".join(str(name) for name, number in WEEKDAYS_SHORT if number in chosen)
        text = _("Every week on %(days)s") % {"days": days or "—"}
    else:
        text = _("Every month on day %(day)s") % {"day": template_obj.month_day or "—"}
    if template_obj.repeat_time:
        text += " " + _("at %(time)s") % {"time": template_obj.repeat_time.strftime("%H:%M")}
    if template_obj.repeat_until:
        text += " " + _("until %(date)s") % {"date": formats.date_format(template_obj.repeat_until)}
    return text


@register.filter
def subtasks_progress_label(task):
    """ "3 of 5" for a task with subtasks, empty otherwise."""
    if not getattr(task, "subtasks_count", 0):
        return ""
    return ngettext("%(done)d of %(n)d subtask", "%(done)d of %(n)d subtasks", task.subtasks_count) % {
        "done": task.subtasks_done,
        "n": task.subtasks_count,
    }


# --- the task page (appended by the task-page work) ------------------------------------------------------

HISTORY_ACTIONS = {
    "task.create": gettext_lazy("created the task"),
    "task.update": gettext_lazy("changed the task"),
    "task.status": gettext_lazy("changed the status"),
    "task.members": gettext_lazy("changed the people"),
    "task.move": gettext_lazy("moved the task"),
    "task.reschedule": gettext_lazy("rescheduled the task"),
    "task.tags": gettext_lazy("changed the tags"),
    "task.delete": gettext_lazy("deleted the task"),
    "task.link_add": gettext_lazy("added a link"),
    "task.link_remove": gettext_lazy("removed a link"),
    "task.checklist_add": gettext_lazy("added a checklist item"),
    "task.checklist_update": gettext_lazy("changed a checklist item"),
    "task.checklist_toggle": gettext_lazy("changed a checklist tick"),
    "task.checklist_delete": gettext_lazy("deleted a checklist item"),
    "task.checklist_reorder": gettext_lazy("reordered the checklist"),
    "task.comment_add": gettext_lazy("commented"),
    "task.comment_edit": gettext_lazy("edited a comment"),
    "task.comment_delete": gettext_lazy("deleted a comment"),
    "task.file_attach": gettext_lazy("attached a file"),
    "task.file_delete": gettext_lazy("deleted a file"),
    "task.time_add": gettext_lazy("logged time"),
    "task.time_update": gettext_lazy("changed logged time"),
    "task.time_delete": gettext_lazy("deleted logged time"),
    "task.timer_start": gettext_lazy("started the timer"),
    "task.timer_stop": gettext_lazy("stopped the timer"),
    "task.over_estimate": gettext_lazy("went over the time estimate"),
}


@register.filter
def duration(seconds):
    """Seconds as "2 h 05 min" ("0 min" for nothing)."""
    total_minutes = int(seconds or 0) // 60
    hours_part, minutes = divmod(total_minutes, 60)
    if hours_part:
        return _("%(h)d h %(m)02d min") % {"h": hours_part, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


@register.filter
def history_action(action):
    """A readable verb for an audit row of a task ("changed the status")."""
    action = str(action or "")
    if action in HISTORY_ACTIONS:
        return HISTORY_ACTIONS[action]
    return action.split(".", 1)[-1].replace("_", " ")


# How the history names a status action ("action: Accepted the result").
HISTORY_STATUS_ACTIONS = {
    "accept": gettext_lazy("Accepted the task"),
    "start": gettext_lazy("Started work"),
    "pause": gettext_lazy("Paused work"),
    "complete": gettext_lazy("Completed"),
    "approve": gettext_lazy("Accepted the result"),
    "return": gettext_lazy("Returned for rework"),
    "defer": gettext_lazy("Deferred"),
    "decline": gettext_lazy("Declined"),
    "renew": gettext_lazy("Renewed"),
}
# Keys of audit rows that are not task fields but have a vocabulary or a unit.
HISTORY_CHOICES = {"kind": LinkKind, "action": HISTORY_STATUS_ACTIONS}
HISTORY_SECONDS = {"time_estimate", "time_spent", "seconds"}
HISTORY_LABELS = {
    "time_estimate": gettext_lazy("time estimate"),
    "time_spent": gettext_lazy("time spent"),
    "kind": gettext_lazy("link kind"),
    "seconds": gettext_lazy("time"),
    # Recorded keys that are not task fields (or have no verbose name of their own): the English label
    # stays the key itself, the translation names it.
    "action": gettext_lazy("action"),
    "tags": gettext_lazy("tags"),
    "participants": gettext_lazy("participants"),
    "observers": gettext_lazy("observers"),
    "checklist": gettext_lazy("checklist"),
    "item": gettext_lazy("item"),
    "is_done": gettext_lazy("is done"),
    "body": gettext_lazy("body"),
    "comment": gettext_lazy("comment"),
    "time_entry": gettext_lazy("time entry"),
    "predecessor": gettext_lazy("predecessor"),
    "successor": gettext_lazy("successor"),
}


def _task_field(name):
    from django.core.exceptions import FieldDoesNotExist

    from tasks.models import Task

    try:
        return Task._meta.get_field(name)
    except FieldDoesNotExist:  # not a task field (participants, item, kind...)
        return None


def _history_moment(text: str) -> str:
    """An audit row keeps a date as text ("2026-12-06 18:00:00+00:00"): show it in the reader's active
    time zone and the locale's short format. Text that is not a date stays as it is."""
    from django.utils.dateparse import parse_date, parse_datetime

    try:
        day = parse_date(text)  # a date alone first: parse_datetime would read it as midnight UTC
        if day is not None:
            return formats.date_format(day, "SHORT_DATE_FORMAT")
        moment = parse_datetime(text)
    except ValueError:  # well-formed but impossible ("2030-02-30")
        return text
    if moment is None:
        return text
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _history_value(value, field: str = ""):
    """One recorded value as people read it, judged by the key it was recorded under."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        if "removed" in value:  # a member dropped because they became the responsible person
            return _("%(name)s (removed)") % {"name": value["removed"]}
        if value.get("visible") is False:  # another task the reader may not see (see history_redact)
            return _("a task you cannot see")
        return str(value.get("repr", value.get("id", "")))
    if isinstance(value, list):
        return ", ".join(_history_value(v, field) for v in value)
    if field in HISTORY_SECONDS and isinstance(value, int):
        return duration(value)
    text = str(value)
    model_field = _task_field(field)
    choices = HISTORY_CHOICES.get(field)
    if choices is None and model_field is not None and getattr(model_field, "choices", None):
        choices = dict(model_field.choices)
    if choices is not None:
        if isinstance(choices, type):  # a TextChoices class
            return str(choices(text).label) if text in choices.values else text
        return str(choices.get(text, text))
    if isinstance(model_field, models.DateTimeField | models.DateField) or field.endswith("_at"):
        return _history_moment(text)
    return text[:300]


def _history_label(field):
    if field in HISTORY_LABELS:
        return str(HISTORY_LABELS[field])
    # Reverse relations ("checklist", "members", "files"...) are fields without a verbose name.
    label = getattr(_task_field(field), "verbose_name", None)
    return str(label) if label else str(field).replace("_", " ")


@register.filter
def history_lines(row):
    """The changes of an audit row as lines: {"field", "old", "new", "pair"} ("field: old → new")."""
    changes = getattr(row, "changes", None) or {}
    if not isinstance(changes, dict):
        return []
    # A creation records the values as they are (people, tags: lists), not [old, new] pairs.
    snapshot = getattr(row, "action", "") == "task.create"
    lines = []
    for field, value in changes.items():
        pair = not snapshot and isinstance(value, list | tuple) and len(value) == 2
        lines.append(
            {
                "field": _history_label(field),
                "old": _history_value(value[0], field) if pair else "",
                "new": _history_value(value[1] if pair else value, field),
                "pair": pair,
            }
        )
    return lines


def _viewer(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def task_breadcrumbs(context, task):
    """The task's ancestors as the viewer sees them (`selectors.task_ancestors`): a hidden one has
    `visible` False and no title."""
    from tasks import selectors

    return selectors.task_ancestors(task, user=_viewer(context))


@register.simple_tag(takes_context=True)
def history_for_viewer(context, rows, task=None):
    """History rows as the viewer may read them (`selectors.history_redact`)."""
    from tasks import selectors

    return selectors.history_redact(rows, user=_viewer(context), task=task)


_PKS_PLACEHOLDERS = (987654321981, 987654321982)
_pks_parts: dict[tuple, tuple[str, str, str]] = {}


@register.simple_tag
def pks_url(viewname, pk, other_pk=None):
    """`{% url %}` for a task page route with one or two integer ids (`{% pks_url "tasks:detail_comment_edit"
    task.pk comment.pk %}`), reversed once per route and glued after (see `portal.core.links`): every form of
    the page posts to such a route, twice (action and hx-post)."""
    if other_pk is None:
        return url_for_pk(viewname, pk)
    from django.urls import get_script_prefix, get_urlconf, reverse

    key = (viewname, get_script_prefix(), get_urlconf())
    parts = _pks_parts.get(key)
    if parts is None:
        first, second = (str(n) for n in _PKS_PLACEHOLDERS)
        url = reverse(viewname, args=_PKS_PLACEHOLDERS)
        head, found, rest = url.partition(first)
        middle, found_too, tail = rest.partition(second)
        if not (found and found_too) or first in tail or second in tail:
            raise ValueError(f"{viewname} does not take two integer ids")
        parts = _pks_parts[key] = (head, middle, tail)
    return f"{parts[0]}{int(pk)}{parts[1]}{int(other_pk)}{parts[2]}"


@register.simple_tag
def task_errors(errors):
    """A block's error lines (`{% task_errors errors %}`), built here rather than by an include per block."""
    return format_html_join(
        "",
        '<div class="alert alert-danger py-2 px-3 small mb-2 task-error" role="alert">{}</div>',
        ((error,) for error in errors or ()),
    )
