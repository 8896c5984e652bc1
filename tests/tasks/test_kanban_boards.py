"""The Kanban that fits: a head's "My team" tab, a project board in swimlanes by responsible person, and columns
that load their cards on demand ("Show more") with the same filters and visibility as the board."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tasks.choices import TaskStatus
from tasks.selectors import boards as board_selectors
from tests.groups.factories import MembershipFactory, ProjectFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def board_ids(response) -> set[int]:
    return {task.pk for column in response.context["columns"] for task in column.tasks}


def test_a_head_sees_the_tasks_of_their_people_under_my_team(org):
    rep = TaskFactory(responsible=org.sales_rep, creator=org.sales_rep, title="Rep's call")
    field = TaskFactory(responsible=org.field_rep, creator=org.field_rep, title="Field visit")
    own = TaskFactory(responsible=org.sales_head, creator=org.sales_head, title="Head's own")
    other = TaskFactory(responsible=org.developer, creator=org.developer, title="Dev work")

    response = client_of(org.sales_head).get(reverse("tasks:kanban"), {"role": "team"})

    assert response.status_code == 200
    # People of Sales and of the departments under it; not the head's own tasks, not another department's.
    assert board_ids(response) == {rep.pk, field.pk}
    html = response.content.decode()
    assert 'value="team"' in html and "My team" in html
    assert own.title not in html and other.title not in html
    # The list and Gantt links open on all the tasks the head sees (they have no "My team" tab).
    assert "role=all" in response.context["query"]


def test_a_middle_head_sees_only_their_own_subtree(org):
    TaskFactory(responsible=org.sales_rep, creator=org.sales_rep)
    east = TaskFactory(responsible=org.east_rep, creator=org.east_rep)
    field = TaskFactory(responsible=org.field_rep, creator=org.field_rep)

    response = client_of(org.east_head).get(reverse("tasks:kanban"), {"role": "team"})

    assert board_ids(response) == {east.pk, field.pk}


def test_someone_who_heads_nothing_gets_no_team_tab_and_no_team(org):
    TaskFactory(responsible=org.sales_rep, creator=org.sales_head)

    plain = client_of(org.east_rep).get(reverse("tasks:kanban"))
    assert 'value="team"' not in plain.content.decode()
    response = client_of(org.east_rep).get(reverse("tasks:kanban"), {"role": "team"})
    assert response.status_code == 200
    assert board_ids(response) == set()


def test_a_project_board_in_swimlanes_by_responsible_person(org):
    project = ProjectFactory(name="Launch")
    for person in (org.sales_rep, org.east_rep, org.developer):
        MembershipFactory(group=project, user=person)
    a = TaskFactory(group=project, responsible=org.sales_rep, creator=org.sales_rep, status=TaskStatus.NEW)
    b = TaskFactory(group=project, responsible=org.east_rep, creator=org.sales_rep, status=TaskStatus.PENDING)
    c = TaskFactory(group=project, responsible=org.east_rep, creator=org.east_rep, status=TaskStatus.NEW)
    TaskFactory(responsible=org.east_rep, creator=org.east_rep)  # not in the project

    response = client_of(org.developer).get(
        reverse("tasks:kanban"), {"group": project.pk, "swimlanes": "responsible"}
    )

    assert response.status_code == 200
    lanes = response.context["lanes"]
    by_person = {lane.person.pk: lane for lane in lanes}
    assert set(by_person) == {org.sales_rep.pk, org.east_rep.pk}
    east = {c.status: [t.pk for t in c.tasks] for c in by_person[org.east_rep.pk].columns}
    assert east[TaskStatus.NEW] == [c.pk] and east[TaskStatus.PENDING] == [b.pk]
    assert [t.pk for t in by_person[org.sales_rep.pk].columns[0].tasks] == [a.pk]
    heads = {column.status: column.total for column in response.context["columns"]}
    assert heads[TaskStatus.NEW] == 2 and heads[TaskStatus.PENDING] == 1
    html = response.content.decode()
    # Each cell is its own drop list in its person's row.
    assert f'data-status="new" data-lane="{org.east_rep.pk}"' in html
    assert 'data-swimlanes="responsible"' in html


def test_swimlanes_need_a_project(org):
    TaskFactory(responsible=org.east_rep, creator=org.east_rep)
    response = client_of(org.east_rep).get(reverse("tasks:kanban"), {"swimlanes": "responsible"})
    assert response.context["lanes"] is None


def test_long_columns_load_their_next_cards_on_demand(org, monkeypatch):
    monkeypatch.setattr(board_selectors, "KANBAN_COLUMN_CAP", 3)
    me = org.east_rep
    made = [TaskFactory(responsible=me, creator=me, status=TaskStatus.PENDING) for _ in range(7)]
    expected = [t.pk for t in sorted(made, key=lambda t: (t.created_at, t.pk), reverse=True)]

    response = client_of(me).get(reverse("tasks:kanban"))
    html = response.content.decode()
    shown = [t.pk for t in {c.status: c for c in response.context["columns"]}["pending"].tasks]
    assert shown == expected[:3]
    button = re.search(r'hx-get="([^"]+)"\s+hx-target="#kanban-cards-pending"', html)
    assert button, "no 'Show more' button on the long column"
    assert "Show 3 more" in html

    more = client_of(me).get(button.group(1).replace("&amp;", "&"))
    assert more.status_code == 200
    body = more.content.decode()
    ids = [int(pk) for pk in re.findall(r'<article class="[^"]*board-card[^"]*" data-id="(\d+)"', body)]
    assert ids == expected[3:6]
    # The slot comes back out of band, for the last card.
    assert 'id="kanban-more-pending" hx-swap-oob="true"' in body
    last = re.search(r'hx-get="([^"]+)"', body)
    assert last and "offset=6" in last.group(1)
    assert "Show 1 more" in body

    rest = client_of(me).get(last.group(1).replace("&amp;", "&")).content.decode()
    assert re.findall(r'data-id="(\d+)"', rest) == [str(expected[6])]
    assert "hx-get" not in rest  # nothing left to load


def test_more_cards_keep_the_filters_and_the_visibility(org, monkeypatch):
    monkeypatch.setattr(board_selectors, "KANBAN_COLUMN_CAP", 1)
    for _ in range(3):
        TaskFactory(responsible=org.east_rep, creator=org.east_rep, status=TaskStatus.NEW)
    url = reverse("tasks:kanban_more")
    params = {"status": "new", "offset": "1", "role": "all"}

    outsider = client_of(org.developer).get(url, params).content.decode()
    assert "board-card" not in outsider
    head = client_of(org.sales_head).get(url, {**params, "role": "team"}).content.decode()
    assert head.count("board-card ") + head.count('board-card"') == 1

    assert client_of(org.east_rep).get(url, {"status": "nonsense", "offset": "1"}).status_code == 400
    assert client_of(org.east_rep).get(url, {"status": "new"}).status_code == 400
    assert Client().get(url, params).status_code == 302  # anonymous: to the login page
