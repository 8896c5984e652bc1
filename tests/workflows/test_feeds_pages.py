"""Absences in the people pages, the task form and page, and the chat: "Vacation until 20 Nov" through core's
`absence_until` (a fake provider registered with `registry.absence_providers.override`), one call per page.

Time: Wednesday 18 November 2026, 11:00 UTC.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from portal.chat import services as chat_services
from portal.core.registry import AbsenceProvider, registry
from tests.tasks.factories import TaskFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 18, 11, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def day(n: int) -> datetime.date:
    return datetime.date(2026, 11, n)


class Away:
    """A fake absence provider over {user_id: [(start, end, label)]}; counts its calls."""

    def __init__(self, table: dict):
        self.table = table
        self.calls = 0

    def __call__(self, *, user_ids, start, end):
        self.calls += 1
        answer: dict = {}
        for user_id in user_ids:
            for first, last, label in self.table.get(user_id, []):
                date = max(first, start)
                while date <= min(last, end):
                    answer.setdefault(user_id, {})[date] = label
                    date += datetime.timedelta(days=1)
        return answer

    def installed(self):
        return registry.absence_providers.override(AbsenceProvider("feeds.fake", self), clear=True)


@pytest.fixture
def pinned():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


def get(user, name, *args, **params):
    response = client_as(user).get(reverse(name, args=args), params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- people -----------------------------------------------------------------------------------------------


def test_the_directory_says_who_is_away_until_when_in_one_call(org, pinned):
    away = Away(
        {org.field_rep.pk: [(day(16), day(20), "Vacation")], org.east_rep.pk: [(day(19), day(20), "X")]}
    )
    with away.installed():
        html = get(org.developer, "people:directory")
    assert html.count("data-away=") == 1  # east_rep is away only from tomorrow
    assert f'data-away="{org.field_rep.pk}"' in html and "Vacation until 20 Nov" in html
    assert away.calls == 2  # who is away today, then until when (for field_rep alone)


def test_the_profile_says_it_for_the_person_their_supervisor_and_subordinates(org, pinned):
    away = Away(
        {
            org.east_head.pk: [(day(10), day(27), "Business trip")],
            org.east_rep.pk: [(day(18), day(18), "Day off")],
            org.sales_head.pk: [(day(17), day(19), "Sick leave")],
        }
    )
    with away.installed():
        html = get(org.developer, "people:profile", org.east_head.pk)
    assert 'id="profile-away"' in html and "Business trip until 27 Nov" in html
    assert f'data-away="{org.sales_head.pk}"' in html and "Sick leave until 19 Nov" in html  # the supervisor
    assert f'data-away="{org.east_rep.pk}"' in html and "Day off until 18 Nov" in html  # a subordinate
    assert away.calls == 2
    with away.installed():
        assert 'id="profile-away"' not in get(org.developer, "people:profile", org.field_rep.pk)


# --- tasks ------------------------------------------------------------------------------------------------


def test_the_task_form_warns_when_the_responsible_person_is_away_on_the_deadline(org, pinned):
    away = Away({org.field_rep.pk: [(day(19), day(25), "Vacation")]})
    url = reverse("tasks:responsible_away")
    client = client_as(org.east_rep)
    with away.installed():
        on_deadline = client.get(url, {"responsible": org.field_rep.pk, "deadline": "2026-11-20T12:00"})
        today = client.get(url, {"responsible": org.field_rep.pk, "deadline": ""})
        after = client.get(url, {"responsible": org.field_rep.pk, "deadline": "2026-11-26T12:00"})
        garbled = client.get(url, {"responsible": "x", "deadline": "soon"})
    text = on_deadline.content.decode()
    assert on_deadline.status_code == 200 and f'data-away="{org.field_rep.pk}"' in text
    assert f"{org.field_rep.full_name} is away (vacation) until 25 Nov." in " ".join(text.split())
    for quiet in (today, after, garbled):  # away from tomorrow only; back by the deadline; nonsense
        assert quiet.status_code == 200 and "data-away" not in quiet.content.decode()


def test_the_warning_tells_nothing_of_people_the_user_may_not_pick(org, pinned):
    from portal.people.models import User

    User.objects.filter(pk=org.field_rep.pk).update(is_active=False)
    away = Away({org.field_rep.pk: [(day(16), day(25), "Vacation")]})
    with away.installed():
        answer = client_as(org.east_rep).get(
            reverse("tasks:responsible_away"), {"responsible": org.field_rep.pk}
        )
    assert answer.status_code == 200 and "data-away" not in answer.content.decode()
    assert client_as(None).get(reverse("tasks:responsible_away")).status_code == 302  # to the login page


def test_the_task_form_asks_again_on_a_change_and_shows_the_warning_when_it_comes_back(org, pinned):
    away = Away({org.east_rep.pk: [(day(18), day(20), "Vacation")]})
    with away.installed():
        fresh = get(org.east_rep, "tasks:create")  # the responsible person is the author by default
        refused = client_as(org.east_rep).post(
            reverse("tasks:create"), {"title": "", "responsible": org.east_rep.pk, "priority": "normal"}
        )
    assert 'id="task-away"' in fresh and 'hx-get="/tasks/new/away/"' in fresh
    assert "change from:#task-away-responsible, change from:#task-away-deadline" in fresh
    assert (
        f'data-away="{org.east_rep.pk}"' in fresh and "<script>" not in fresh.split('id="task-away"')[1][:600]
    )
    assert refused.status_code == 200 and f'data-away="{org.east_rep.pk}"' in refused.content.decode()


def test_the_task_page_marks_the_responsible_chip(org, pinned):
    task = TaskFactory(
        creator=org.east_rep,
        responsible=org.field_rep,
        deadline=datetime.datetime(2026, 11, 24, 12, tzinfo=datetime.UTC),
    )
    undated = TaskFactory(creator=org.east_rep, responsible=org.field_rep, deadline=None)
    away = Away({org.field_rep.pk: [(day(23), day(27), "Vacation")]})
    with away.installed():
        html = get(org.east_rep, "tasks:detail", task.pk)
        quiet = get(org.east_rep, "tasks:detail", undated.pk)  # not away today
    chip = html.split('id="task-responsible"')[1].split("</dd>")[0]
    assert f'data-away="{org.field_rep.pk}"' in chip and "Vacation until 27 Nov" in chip
    assert "data-away" not in quiet.split('id="task-responsible"')[1].split("</dd>")[0]


# --- chat -------------------------------------------------------------------------------------------------


def test_the_direct_chat_header_says_the_other_person_is_away(org, pinned):
    direct = chat_services.chat_direct_open(actor=org.east_rep, other=org.field_rep)
    group = chat_services.chat_group_create(actor=org.east_rep, title="Team", members=[org.field_rep])
    away = Away({org.field_rep.pk: [(day(16), day(20), "Vacation")]})
    with away.installed():
        html = get(org.east_rep, "chat:detail", direct.pk)
        group_html = get(org.east_rep, "chat:detail", group.pk)
        other_side = get(org.field_rep, "chat:detail", direct.pk)
    assert 'id="chat-away"' in html and "Vacation until 20 Nov" in html
    assert 'id="chat-away"' not in group_html  # only a direct chat has one other person
    assert 'id="chat-away"' not in other_side  # east_rep is not away
