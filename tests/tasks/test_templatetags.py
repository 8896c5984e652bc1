"""Template helpers of the task pages."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from tasks.choices import Repeat, TaskPriority, TaskStatus
from tasks.models import Task, TaskTemplate
from tasks.templatetags import tasks_tags


def test_status_badge_for_a_task_or_a_value():
    assert 'data-status="in_progress"' in tasks_tags.status_badge(Task(status=TaskStatus.IN_PROGRESS))
    assert ">Awaiting control<" in tasks_tags.status_badge("awaiting_control")
    assert "text-bg-success" in tasks_tags.status_badge("completed")


def test_priority_mark_only_for_high():
    assert "task-priority-high" in tasks_tags.priority_mark(Task(priority=TaskPriority.HIGH))
    assert tasks_tags.priority_mark(Task(priority=TaskPriority.NORMAL)) == ""


def test_deadline_is_red_only_when_an_open_task_is_late():
    past = timezone.now() - datetime.timedelta(hours=1)
    assert "task-overdue" in tasks_tags.task_deadline(Task(deadline=past, status=TaskStatus.NEW))
    assert "task-overdue" not in tasks_tags.task_deadline(Task(deadline=past, status=TaskStatus.COMPLETED))
    future = timezone.now() + datetime.timedelta(days=1)
    assert "task-overdue" not in tasks_tags.task_deadline(Task(deadline=future, status=TaskStatus.NEW))
    assert "task-deadline-none" in tasks_tags.task_deadline(Task())


def test_deadline_shows_in_the_viewers_time_zone():
    deadline = datetime.datetime(2030, 1, 10, 8, 0, tzinfo=datetime.UTC)
    with timezone.override("Europe/Berlin"):
        html = tasks_tags.task_deadline(Task(deadline=deadline))
    assert 'datetime="2030-01-10T09:00:00+01:00"' in html


@pytest.mark.parametrize(
    "seconds, text", [(0, ""), (None, ""), (3600, "1 h"), (5400, "1.5 h"), (900, "0.25 h")]
)
def test_hours(seconds, text):
    assert tasks_tags.hours(seconds) == text


def test_repeat_labels():
    assert tasks_tags.repeat_label(TaskTemplate(repeat=Repeat.NONE)) == "Does not repeat"
    daily = TaskTemplate(repeat=Repeat.DAILY, repeat_time=datetime.time(8, 30))
    assert tasks_tags.repeat_label(daily) == "Every day at 08:30"
    weekly = TaskTemplate(repeat=Repeat.WEEKLY, weekdays=[4, 0], repeat_time=datetime.time(9, 0))
    assert tasks_tags.repeat_label(weekly) == "Every week on Mon, Fri at 09:00"
    monthly = TaskTemplate(
        repeat=Repeat.MONTHLY,
        month_day=31,
        repeat_time=datetime.time(9, 0),
        repeat_until=datetime.date(2030, 6, 1),
    )
    assert tasks_tags.repeat_label(monthly).startswith("Every month on day 31 at 09:00 until ")


def test_subtasks_progress_label():
    assert tasks_tags.subtasks_progress_label(Task(subtasks_count=0)) == ""
    assert tasks_tags.subtasks_progress_label(Task(subtasks_count=1, subtasks_done=1)) == "1 of 1 subtask"
    assert tasks_tags.subtasks_progress_label(Task(subtasks_count=5, subtasks_done=2)) == "2 of 5 subtasks"


def _sort_header(query: str, key: str) -> str:
    request = RequestFactory().get("/tasks/?" + query)
    template = Template('{% load tasks_tags %}{% sort_header key "Label" %}')
    return template.render(Context({"request": request, "key": key}))


def test_sort_header_toggles_and_keeps_the_filters():
    assert 'data-sort="deadline"' in _sort_header("q=x&page=3", "deadline")
    html = _sort_header("q=x&page=3&sort=deadline", "deadline")
    assert 'data-sort="-deadline"' in html and "bi-sort-up" in html and "page=" not in html and "q=x" in html
    html = _sort_header("sort=-deadline", "deadline")
    assert 'data-sort="deadline"' in html and "bi-sort-down" in html
    # A column without a reverse order stays as it is.
    assert 'data-sort="title"' in _sort_header("sort=title", "title")


@pytest.mark.django_db
def test_person_chip(org):
    html = tasks_tags.person_chip(org.east_rep)
    assert org.east_rep.get_absolute_url() in html and org.east_rep.full_name in html
    assert "—" in tasks_tags.person_chip(None)


@pytest.mark.django_db
def test_history_of_a_created_task_names_its_reverse_relations(org):
    """task_create records "checklist" (a reverse relation of Task, without a verbose name): the history
    shows it by its key instead of breaking the task page."""
    from types import SimpleNamespace

    from tasks import services
    from tasks.selectors.history import task_history

    task = services.task_create(
        actor=org.sales_head,
        title="Price list",
        responsible=org.sales_rep,
        participants=[org.east_head, org.east_rep],
        checklist=["Collect", "Check"],
    )
    (row,) = task_history(task=task)
    lines = {line["field"]: line for line in tasks_tags.history_lines(row)}
    assert lines["checklist"]["new"] == "2"
    assert lines["title"]["new"] == "Price list"
    # Two participants are two people, not a change from the one to the other.
    participants = lines["participants"]
    assert participants["pair"] is False
    assert participants["new"] == f"{org.east_head.full_name}, {org.east_rep.full_name}"
    (members,) = tasks_tags.history_lines(
        SimpleNamespace(action="task.update", changes={"members": [1, 2, 3]})
    )
    assert (members["field"], members["new"]) == ("members", "1, 2, 3")


def test_history_shows_values_as_people_read_them():
    """Audit rows keep raw values (dates as text, choice keys, seconds): the history shows labels, dates
    in the reader's time zone and durations."""
    from types import SimpleNamespace

    from django.utils import translation

    row = SimpleNamespace(
        action="task.update",
        changes={
            "deadline": ["2026-12-06 18:00:00+00:00", "2026-12-07T09:30:00+00:00"],
            "planned_start": [None, "2026-12-01"],
            "status": ["in_progress", "awaiting_control"],
            "priority": ["normal", "high"],
            "requires_control": [True, False],
            "time_estimate": [5400, 7500],
            "title": ["new", "high"],  # a title is never taken for a status or a priority
        },
    )
    with translation.override("en"), timezone.override("Europe/Berlin"):
        lines = {line["field"]: line for line in tasks_tags.history_lines(row)}
    deadline = lines["deadline"]
    assert (deadline["old"], deadline["new"]) == ("12/06/2026 7 p.m.", "12/07/2026 10:30 a.m.")
    assert lines["planned start"]["old"] == "—" and lines["planned start"]["new"] == "12/01/2026"
    assert (lines["status"]["old"], lines["status"]["new"]) == ("In progress", "Awaiting control")
    assert (lines["priority"]["old"], lines["priority"]["new"]) == ("Normal", "High")
    control = lines["task requires my control after completion"]
    assert (control["old"], control["new"]) == ("Yes", "No")
    assert (lines["time estimate"]["old"], lines["time estimate"]["new"]) == ("1 h 30 min", "2 h 05 min")
    assert (lines["title"]["old"], lines["title"]["new"]) == ("new", "high")


def test_history_names_link_kinds_status_actions_and_time():
    from types import SimpleNamespace

    link = SimpleNamespace(
        action="task.link_add",
        changes={"predecessor": {"id": 1, "repr": "Plan"}, "kind": "fs", "schedule_conflict": [False, True]},
    )
    lines = {line["field"]: line for line in tasks_tags.history_lines(link)}
    assert lines["link kind"]["new"] == "Finish to start" and lines["predecessor"]["new"] == "Plan"
    assert (lines["schedule conflict"]["old"], lines["schedule conflict"]["new"]) == ("No", "Yes")
    status = SimpleNamespace(
        action="task.status", changes={"status": ["awaiting_control", "completed"], "action": "approve"}
    )
    lines = {line["field"]: line for line in tasks_tags.history_lines(status)}
    assert lines["action"]["new"] == "Accepted the result" and lines["status"]["new"] == "Completed"
    spent = SimpleNamespace(
        action="task.over_estimate", changes={"time_estimate": 3600, "time_spent": 3900, "time_entry": 7}
    )
    lines = {line["field"]: line for line in tasks_tags.history_lines(spent)}
    assert (lines["time estimate"]["new"], lines["time spent"]["new"]) == ("1 h 00 min", "1 h 05 min")
    assert lines["time entry"]["new"] == "7"  # an id stays a number, not a duration
    timer = SimpleNamespace(action="task.timer_stop", changes={"seconds": 125})
    assert tasks_tags.history_lines(timer)[0]["new"] == "2 min"
    removed = SimpleNamespace(action="task.update", changes={"participants": {"removed": "Ann Lee"}})
    assert tasks_tags.history_lines(removed)[0]["new"] == "Ann Lee (removed)"
