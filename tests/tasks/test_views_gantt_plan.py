"""The Gantt chart's server side for issue 13, bug 4: the first day of the week the page hands the chart, bars
planned past their deadline (marked, and warned about when a drag puts them there), closed tasks last."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tasks.choices import TaskStatus
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def day(n: int, hour: int = 9) -> datetime.datetime:
    return NOW.replace(hour=hour, minute=0, second=0, microsecond=0) + datetime.timedelta(days=n)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("language, first_day", [("en", 0), ("ru", 1), ("de", 1)])
def test_the_page_gives_the_languages_first_day_of_the_week(org, language, first_day):
    me = org.east_rep
    me.language = language
    me.save(update_fields=["language"])
    html = client_for(me).get(reverse("tasks:gantt")).content.decode()
    assert f'data-first-day="{first_day}"' in html


def test_bars_planned_past_their_deadline_are_marked(org):
    me = org.east_rep
    late = TaskFactory(creator=me, responsible=me, planned_start=day(1), planned_end=day(5), deadline=day(3))
    fits = TaskFactory(creator=me, responsible=me, planned_start=day(1), planned_end=day(2), deadline=day(3))
    no_deadline = TaskFactory(creator=me, responsible=me, planned_start=day(1), planned_end=day(9))
    data = client_for(me).get(reverse("tasks:gantt_data")).json()
    bars = {row["id"]: row for row in data["tasks"]}
    assert bars[str(late.pk)]["past_deadline"] is True
    assert bars[str(late.pk)]["custom_class"] == "lumen-bar-late"
    for task in (fits, no_deadline):
        assert bars[str(task.pk)]["past_deadline"] is False
        assert bars[str(task.pk)]["custom_class"] == "lumen-bar-open"
    html = client_for(me).get(reverse("tasks:gantt")).content.decode()
    assert 'id="gantt-legend-late"' in html and "gantt-swatch-late" in html


def test_a_drag_past_the_deadline_is_saved_with_a_warning_naming_it(org):
    me = org.east_rep
    task = TaskFactory(creator=me, responsible=me, planned_start=day(1), planned_end=day(2), deadline=day(3))
    url = reverse("tasks:gantt_reschedule", args=[task.pk])
    client = client_for(me)

    inside = client.post(url, {"planned_start": day(1).isoformat(), "planned_end": day(3).isoformat()}).json()
    assert inside["deadline_warning"] == ""

    past = client.post(url, {"planned_start": day(2).isoformat(), "planned_end": day(5).isoformat()})
    assert past.status_code == 200
    body = past.json()
    shown = timezone.localtime(task.deadline).strftime("%m/%d/%Y")
    assert "after the task's deadline" in body["deadline_warning"] and shown in body["deadline_warning"]
    assert body["changed"][0]["past_deadline"] is True
    task.refresh_from_db()
    assert task.planned_end == day(5)  # a warning, not a refusal


def test_closed_tasks_come_last_when_shown(org):
    me = org.east_rep
    old_done = TaskFactory(
        creator=me,
        responsible=me,
        status=TaskStatus.COMPLETED,
        completed_at=NOW,
        planned_start=day(-30),
        planned_end=day(-28),
    )
    running = TaskFactory(creator=me, responsible=me, planned_start=day(1), planned_end=day(2))
    soon = TaskFactory(creator=me, responsible=me, planned_start=day(-2), planned_end=day(4))
    client = client_for(me)
    order = [row["id"] for row in client.get(reverse("tasks:gantt_data"), {"closed": "1"}).json()["tasks"]]
    assert order == [str(soon.pk), str(running.pk), str(old_done.pk)]
    hidden = [row["id"] for row in client.get(reverse("tasks:gantt_data")).json()["tasks"]]
    assert hidden == [str(soon.pk), str(running.pk)]
