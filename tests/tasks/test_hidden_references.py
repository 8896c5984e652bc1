"""A task hidden from the viewer is never named through another object (the parent chain on the task page,
in the edit form and in the API, the change history with its links, parents and shifted dependants), and
another person's personal tags show nowhere (lists, boards, history, the edit form).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.core.audit import audit_record
from portal.groups.choices import GroupVisibility
from tasks import selectors, services
from tasks.models import Task
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.tasks.factories import TagFactory, TaskFactory, TaskTagFactory
from tests.tasks.review_setup import HOUR, S, fresh, history_of, page, page_client
from tests.utils import client_as

# --- 1. a hidden task is not named through another one ---------------------------------------------------


@pytest.fixture
def hidden_parent(org):
    """A parent task the developer (IT, outside Sales) may not see, and a subtask of it made through the
    service with the developer as a participant: the developer sees the subtask, gets 404 for the parent."""
    parent = services.task_create(actor=org.sales_rep, title="Secret merger plan", responsible=org.field_rep)
    sub = services.task_create(
        actor=org.sales_rep,
        title="Book a meeting room",
        responsible=org.field_rep,
        parent=parent,
        participants=[org.developer],
    )
    assert not selectors.can_see(org.developer, parent) and selectors.can_see(org.developer, sub)
    return SimpleNamespace(parent=parent, sub=sub)


def test_task_page_names_no_parent_the_viewer_cannot_see(org, hidden_parent):
    assert page_client(org.developer).get(hidden_parent.parent.get_absolute_url()).status_code == 404
    html = page(org.developer, "tasks:detail", hidden_parent.sub.pk)
    assert "Secret merger plan" not in html  # neither in the breadcrumbs nor in the history
    assert "A task you cannot see" in html
    # Whoever sees the parent gets it by name and as a link.
    html = page(org.sales_rep, "tasks:detail", hidden_parent.sub.pk)
    assert "Secret merger plan" in html
    assert f'data-ancestor="{hidden_parent.parent.pk}"' in html


def test_ancestors_mark_each_level_for_the_viewer(org, hidden_parent):
    """A visible grandparent keeps its title even above a hidden parent; the chain costs one query a level."""
    root = services.task_create(actor=org.developer, title="Company offsite", responsible=org.developer)
    Task.objects.filter(pk=hidden_parent.parent.pk).update(parent=root)
    sub = fresh(hidden_parent.sub)

    chain = selectors.task_ancestors(sub, user=org.developer)
    assert [(a.pk, a.visible, a.title) for a in chain] == [
        (root.pk, True, "Company offsite"),
        (hidden_parent.parent.pk, False, ""),
    ]
    chain = selectors.task_ancestors(sub, user=org.admin)
    assert [a.title for a in chain] == ["Company offsite", "Secret merger plan"]
    # Without a viewer nothing is shown.
    assert selectors.task_ancestors(sub) == []


def test_api_detail_names_the_parent_only_to_who_sees_it(org, hidden_parent):
    url = f"/api/v1/tasks/{hidden_parent.sub.pk}/"
    body = client_as(org.developer).get(url).json()
    assert body["parent"] == {"id": hidden_parent.parent.pk, "title": None, "status": None, "visible": False}
    assert "Secret merger plan" not in str(body)
    body = client_as(org.sales_rep).get(url).json()
    assert body["parent"] == {
        "id": hidden_parent.parent.pk,
        "title": "Secret merger plan",
        "status": S.NEW,
        "visible": True,
    }


def test_history_names_no_hidden_task_in_links_parents_or_shifts(org, hidden_parent):
    """The subtask's history: its creation names the parent, a link names the task before it, a shift
    names the task whose move caused it. The developer reads the ids only, never the titles."""
    sub = hidden_parent.sub
    before = services.task_create(
        actor=org.sales_rep,
        title="Negotiate the price",
        responsible=org.sales_rep,
        planned_start=timezone.now(),
        planned_end=timezone.now() + HOUR,
    )
    services.task_reschedule(
        actor=org.sales_rep,
        task=sub,
        planned_start=timezone.now() + 2 * HOUR,
        planned_end=timezone.now() + 3 * HOUR,
    )
    services.link_create(actor=org.sales_rep, predecessor=before, successor=sub)
    services.task_reschedule(actor=org.sales_rep, task=before, planned_end=timezone.now() + 5 * HOUR)
    raw = str([row.changes for row in history_of(sub)])
    assert "Secret merger plan" in raw and "Negotiate the price" in raw  # what the rows keep

    html = page(org.developer, "tasks:detail", sub.pk)
    assert "Secret merger plan" not in html and "Negotiate the price" not in html
    assert "a task you cannot see" in html

    rows = client_as(org.developer).get(f"/api/v1/tasks/{sub.pk}/history/").json()
    text = str(rows)
    assert "Secret merger plan" not in text and "Negotiate the price" not in text
    create = next(row for row in rows if row["action"] == "task.create")
    assert create["changes"]["parent"] == {"id": hidden_parent.parent.pk, "visible": False}
    shift = next(row for row in rows if row["action"] == "task.reschedule" and "after" in row["changes"])
    assert shift["changes"]["after"] == {"id": before.pk, "visible": False}
    # The people of the tasks read them.
    text = str(client_as(org.sales_rep).get(f"/api/v1/tasks/{sub.pk}/history/").json())
    assert "Secret merger plan" in text and "Negotiate the price" in text


# --- 2. another person's personal tags -------------------------------------------------------------------


@pytest.fixture
def tagged(org):
    """The creator (sales_rep) tagged the task with a personal tag; the responsible person (east_rep) with
    one of their own; the project shares a third one with its members."""
    group = WorkgroupFactory(name="Fair", visibility=GroupVisibility.SECRET)
    MembershipFactory(group=group, user=org.east_rep)
    MembershipFactory(group=group, user=org.sales_rep)
    task = TaskFactory(
        creator=org.sales_rep, responsible=org.east_rep, title="Quarterly numbers", group=group
    )
    private = TagFactory(owner=org.sales_rep, name="slowpoke")
    mine = TagFactory(owner=org.east_rep, name="mine-tag")
    shared = TagFactory(owner=None, group=group, name="fair-shared")
    for tag in (private, mine, shared):
        TaskTagFactory(task=task, tag=tag)
    return SimpleNamespace(task=task, private=private, mine=mine, shared=shared, group=group)


@pytest.mark.parametrize(
    "name, params",
    [("tasks:home", {"role": "do"}), ("tasks:kanban", {"role": "do"}), ("tasks:plan", {})],
)
def test_pages_show_only_the_tags_the_viewer_may_see(org, tagged, name, params):
    html = page(org.east_rep, name, **params)
    assert "Quarterly numbers" in html
    assert "#mine-tag" in html and "#fair-shared" in html
    assert "slowpoke" not in html


def test_list_selectors_prefetch_the_viewers_tags_only(org, tagged):
    rows = list(selectors.task_list(user=org.east_rep, filters={"role": "do"}))
    assert [sorted(t.name for t in task.tags.all()) for task in rows] == [["fair-shared", "mine-tag"]]
    rows = list(selectors.task_list(user=org.sales_rep, filters={"role": "set"}))
    assert [sorted(t.name for t in task.tags.all()) for task in rows] == [["fair-shared", "slowpoke"]]
    columns = selectors_boards_kanban(org.east_rep)
    assert {t.name for t in columns[0].tags.all()} == {"fair-shared", "mine-tag"}


def selectors_boards_kanban(user) -> list[Task]:
    from tasks.selectors.boards import kanban_columns

    return [task for column in kanban_columns(user=user, filters={"role": "do"}) for task in column.tasks]


def test_history_keeps_other_peoples_personal_tags_to_themselves(org, tagged):
    task = tagged.task
    lazy = TagFactory(owner=org.sales_rep, name="lazy-bones")
    services.task_set_tags(actor=org.sales_rep, task=task, tags=[tagged.private, lazy, tagged.shared])
    services.task_set_tags(actor=org.east_rep, task=task, tags=[tagged.shared])  # drops "mine-tag"

    html = page(org.east_rep, "tasks:detail", task.pk)
    assert "lazy-bones" not in html and "slowpoke" not in html
    rows = client_as(org.east_rep).get(f"/api/v1/tasks/{task.pk}/history/").json()
    assert "lazy-bones" not in str(rows) and "slowpoke" not in str(rows)
    # The creator's change touched only the creator's tag: nothing is left of it for the responsible person.
    assert [row["actor"]["id"] for row in rows if row["action"] == "task.tags"] == [org.east_rep.pk]
    (mine,) = [row for row in rows if row["action"] == "task.tags"]
    assert [[ref["repr"] for ref in value] for value in mine["changes"]["tags"]] == [
        ["fair-shared", "mine-tag"],
        ["fair-shared"],
    ]
    # The creator reads their own tags.
    rows = client_as(org.sales_rep).get(f"/api/v1/tasks/{task.pk}/history/").json()
    assert "lazy-bones" in str(rows) and "mine-tag" not in str(rows)


def test_history_rows_of_the_old_format_show_only_names_the_reader_has(org, tagged):
    """Rows written before tags were recorded with their owners keep names only: a reader sees the names of
    tags they have themselves, nothing else."""
    changes = {"tags": ["fair-shared, mine-tag, slowpoke", "mine-tag, slowpoke"]}
    audit_record(actor=org.east_rep, action="task.tags", target=tagged.task, changes=changes)
    audit_record(
        actor=org.sales_rep, action="task.tags", target=tagged.task, changes={"tags": ["", "slowpoke"]}
    )
    rows = selectors.task_history(task=tagged.task, user=org.east_rep)
    # The row that only added the creator's tag is gone; the other keeps the names the reader has.
    assert [row.changes for row in rows] == [{"tags": ["fair-shared, mine-tag", "mine-tag"]}]
    rows = selectors.task_history(task=tagged.task, user=org.sales_rep)
    assert [row.changes for row in rows] == [
        {"tags": ["", "slowpoke"]},
        {"tags": ["fair-shared, slowpoke", "slowpoke"]},
    ]


def test_the_edit_form_neither_shows_nor_drops_someone_elses_personal_tag(org, tagged):
    client = page_client(org.sales_rep)  # the creator
    html = client.get(reverse("tasks:edit", args=[tagged.task.pk])).content.decode()
    assert "slowpoke" in html and "fair-shared" in html
    assert "mine-tag" not in html  # the responsible person's own tag
    assert set(Task.objects.get(pk=tagged.task.pk).tags.values_list("name", flat=True)) == {
        "slowpoke",
        "mine-tag",
        "fair-shared",
    }


def test_the_edit_form_names_no_parent_the_editor_cannot_see(org, hidden_parent):
    Task.objects.filter(pk=hidden_parent.sub.pk).update(creator=org.developer)  # the developer edits it now
    response = page_client(org.developer).get(reverse("tasks:edit", args=[hidden_parent.sub.pk]))
    assert response.status_code == 200
    assert "Secret merger plan" not in response.content.decode()
