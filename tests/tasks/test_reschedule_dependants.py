"""Rescheduling shifts only the dependent tasks the actor may reschedule, and says (on the task page, the
Gantt chart and in the API) which were only flagged.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks import selectors, services
from tasks.choices import LinkKind
from tests.tasks.factories import TaskFactory, TaskLinkFactory
from tests.tasks.review_setup import HOUR, fresh, page_client
from tests.utils import client_as

# --- 4. shifting dependants asks for the right --------------------------------------------------------------


@pytest.fixture
def chain(org):
    """sales_rep plans A; after A come B (IT's, hidden from sales_rep), C (sales_head's, with sales_rep
    responsible but no right to move its deadline) and D (sales_rep's own); E comes after C."""
    t = timezone.now().replace(microsecond=0) + 24 * HOUR
    a = TaskFactory(
        creator=org.sales_rep, responsible=org.sales_rep, title="A", planned_start=t, planned_end=t + HOUR
    )

    def after(title, creator, responsible, **kwargs):
        return TaskFactory(
            title=title,
            creator=creator,
            responsible=responsible,
            planned_start=t + 2 * HOUR,
            planned_end=t + 3 * HOUR,
            **kwargs,
        )

    b = after("Hidden IT job", org.it_head, org.developer)
    c = after("Stand order", org.sales_head, org.sales_rep, deadline=t + 4 * HOUR)
    d = after("Brochures", org.sales_rep, org.sales_rep, deadline=t + 4 * HOUR)
    e = TaskFactory(
        title="Stand set-up",
        creator=org.sales_rep,
        responsible=org.sales_rep,
        planned_start=t + 4 * HOUR,
        planned_end=t + 5 * HOUR,
    )
    for successor in (b, c, d):
        TaskLinkFactory(predecessor=a, successor=successor, kind=LinkKind.FINISH_TO_START)
    TaskLinkFactory(predecessor=c, successor=e, kind=LinkKind.FINISH_TO_START)
    assert not selectors.can_see(org.sales_rep, b)
    return SimpleNamespace(t=t, a=a, b=b, c=c, d=d, e=e)


def test_shift_moves_only_the_dependants_the_actor_may_reschedule(org, chain):
    t = chain.t
    result = services.task_reschedule(
        actor=org.sales_rep, task=chain.a, planned_end=t + 6 * HOUR, dependants="shift"
    )
    # D is sales_rep's own: it moves by the three hours now needed (and keeps its duration and deadline gap).
    d = fresh(chain.d)
    assert (d.planned_start, d.planned_end, d.deadline) == (t + 6 * HOUR, t + 7 * HOUR, t + 8 * HOUR)
    assert not d.schedule_conflict
    # B (hidden) and C (deadline locked) stay and are flagged; E after C has no reason to move.
    for task in (chain.b, chain.c):
        moved = fresh(task)
        assert (moved.planned_start, moved.planned_end) == (t + 2 * HOUR, t + 3 * HOUR)
        assert moved.schedule_conflict
    assert fresh(chain.c).deadline == t + 4 * HOUR
    assert fresh(chain.e).planned_start == t + 4 * HOUR
    assert {task.pk for task in result} == {chain.a.pk, chain.b.pk, chain.c.pk, chain.d.pk}
    assert [task.pk for task in result.flagged] == [chain.b.pk, chain.c.pk]


def test_the_same_change_by_update_lists_the_flagged_dependants(org, chain):
    task = services.task_update(actor=org.sales_rep, task=chain.a, planned_end=chain.t + 6 * HOUR)
    assert [t.pk for t in task.dependants_flagged] == [chain.b.pk, chain.c.pk]
    assert fresh(chain.d).planned_start == chain.t + 6 * HOUR


def test_whoever_may_reschedule_them_shifts_them_all(org, chain):
    result = services.task_reschedule(actor=org.admin, task=chain.a, planned_end=chain.t + 6 * HOUR)
    assert result.flagged == []
    assert fresh(chain.b).planned_start == chain.t + 6 * HOUR and not fresh(chain.b).schedule_conflict
    assert fresh(chain.e).planned_start == chain.t + 7 * HOUR


def test_gantt_and_api_say_which_dependants_were_only_flagged(org, chain):
    response = page_client(org.sales_rep).post(
        reverse("tasks:gantt_reschedule", args=[chain.a.pk]),
        {
            "planned_start": chain.t.isoformat(),
            "planned_end": (chain.t + 6 * HOUR).isoformat(),
            "dependants": "shift",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["flagged"] == [
        {"id": str(chain.b.pk), "title": None, "visible": False},
        {"id": str(chain.c.pk), "title": "Stand order", "visible": True},
    ]
    assert f"#{chain.c.pk} Stand order" in body["notice"] and "1 task you cannot see" in body["notice"]
    assert "Hidden IT job" not in response.content.decode()

    response = client_as(org.sales_rep).post(
        f"/api/v1/tasks/{chain.a.pk}/reschedule/",
        {"planned_end": (chain.t + 9 * HOUR).isoformat(), "dependants": "shift"},
        format="json",
    )
    assert response.status_code == 200
    flagged = response.json()["dependants_flagged"]
    assert flagged == [
        {"id": chain.b.pk, "title": None, "visible": False},
        {"id": chain.c.pk, "title": "Stand order", "visible": True},
    ]
    # Nothing to change: nothing flagged either.
    response = client_as(org.sales_rep).post(
        f"/api/v1/tasks/{chain.a.pk}/reschedule/",
        {"planned_end": (chain.t + 9 * HOUR).isoformat()},
        format="json",
    )
    assert response.status_code == 200 and response.json()["dependants_flagged"] == []


def test_the_task_pages_dates_form_says_which_dependants_were_only_flagged(org, chain):
    response = page_client(org.sales_rep).post(
        reverse("tasks:detail_dates", args=[chain.a.pk]),
        {
            "planned_start": _local_input(org.sales_rep, chain.t),
            "planned_end": _local_input(org.sales_rep, chain.t + 6 * HOUR),
            "dependants": "shift",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="task-dates-notice"' in html
    assert f"#{chain.c.pk} Stand order" in html and "1 task you cannot see" in html
    assert "Hidden IT job" not in html
    moved = chain.t.replace(second=0) + 6 * HOUR  # the form speaks in minutes
    assert fresh(chain.d).planned_start == moved


def _local_input(user, moment: datetime.datetime) -> str:
    import zoneinfo

    zone = zoneinfo.ZoneInfo(user.time_zone or "UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
