"""The task list pages: role tabs, filters, sorting, htmx partials, saved filters, bulk actions, the create and
edit form (also from a chat message, a stream post or a template) and the templates pages."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from portal.chat import services as chat_services
from portal.chat.models import Message
from portal.core.models import AuditLog
from portal.stream.models import Entry
from tasks.choices import MemberRole, Repeat, TaskPriority, TaskStatus
from tasks.models import ChecklistItem, SavedFilter, Tag, Task, TaskMember, TaskTag, TaskTemplate
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.stream.factories import post
from tests.tasks.factories import TagFactory, TaskFactory, TaskTagFactory, TaskTemplateFactory
from tests.tasks.lists_setup import HTMX, html_of, lay_roles, page_client

pytestmark = pytest.mark.django_db
HOME = "/tasks/"


def shown(response) -> list[int]:
    """The ids of the task rows on a list page, in order."""
    return [int(pk) for pk in re.findall(r'<tr data-task="(\d+)"', html_of(response))]


def role_count(html: str, role: str) -> int:
    return int(re.search(rf'data-role-count="{role}">(\d+)<', html).group(1))


def test_home_is_the_list_page():
    assert reverse("tasks:home") == HOME


# --- role tabs -----------------------------------------------------------------------------------------


def test_the_default_tab_is_i_do_and_every_tab_counts_open_tasks(org):
    t = lay_roles(org)
    response = page_client(org.east_rep).get(HOME)
    assert response.status_code == 200
    assert shown(response) == [t.do.pk]
    html = html_of(response)
    assert 'class="nav-link active" aria-current="page" href="?role=do' in html
    counts = {role: role_count(html, role) for role in ("do", "help", "set", "observe", "all")}
    assert counts == {"do": 1, "help": 1, "set": 1, "observe": 1, "all": 4}  # the closed one is not counted
    assert response.context["nav_area"] == "tasks"


@pytest.mark.parametrize("role, expected", [("help", "help"), ("set", "set"), ("observe", "observe")])
def test_each_role_tab_lists_its_tasks(org, role, expected):
    t = lay_roles(org)
    response = page_client(org.east_rep).get(HOME, {"role": role})
    assert shown(response) == [getattr(t, expected).pk]


def test_the_all_tab_lists_every_visible_open_task_and_never_hidden_ones(org):
    t = lay_roles(org)
    ids = set(shown(page_client(org.east_rep).get(HOME, {"role": "all"})))
    assert ids == {t.do.pk, t.help.pk, t.set.pk, t.observe.pk}
    assert t.hidden.pk not in set(shown(page_client(org.east_rep).get(HOME, {"role": "all", "open": "all"})))


def test_closed_tasks_show_on_request(org):
    t = lay_roles(org)
    client = page_client(org.east_rep)
    assert shown(client.get(HOME, {"open": "false"})) == [t.closed.pk]
    assert set(shown(client.get(HOME, {"open": "all"}))) == {t.do.pk, t.closed.pk}


def test_a_supervisor_sees_the_tasks_of_their_people(org):
    t = lay_roles(org)
    ids = set(shown(page_client(org.sales_head).get(HOME, {"role": "all"})))
    assert {t.do.pk, t.help.pk, t.set.pk, t.observe.pk} <= ids
    assert t.hidden.pk not in ids


# --- filters, sorting, paging, htmx --------------------------------------------------------------------


def test_filters_narrow_the_list(org):
    now = timezone.now()
    group = WorkgroupFactory(name="Fair 2030")
    overdue = TaskFactory(responsible=org.east_rep, title="Late", deadline=now - datetime.timedelta(days=1))
    soon = TaskFactory(
        responsible=org.east_rep, title="Soon", deadline=now + datetime.timedelta(days=1), group=group
    )
    no_deadline = TaskFactory(
        responsible=org.east_rep, title="Whenever flyers", status=TaskStatus.IN_PROGRESS
    )
    client = page_client(org.east_rep)
    assert shown(client.get(HOME, {"overdue": "true"})) == [overdue.pk]
    assert shown(client.get(HOME, {"no_deadline": "true"})) == [no_deadline.pk]
    assert shown(client.get(HOME, {"status": "in_progress"})) == [no_deadline.pk]
    assert set(shown(client.get(HOME, {"status": ["in_progress", "new"]}))) == {
        overdue.pk,
        soon.pk,
        no_deadline.pk,
    }
    assert shown(client.get(HOME, {"group": group.pk})) == [soon.pk]
    assert shown(client.get(HOME, {"q": "flyers"})) == [no_deadline.pk]
    assert shown(client.get(HOME, {"role": "all", "responsible": org.east_rep.pk, "q": "late"})) == [
        overdue.pk
    ]


def test_several_tags_mean_all_of_them(org):
    both = TaskFactory(responsible=org.east_rep, title="Both tags")
    one = TaskFactory(responsible=org.east_rep, title="One tag")
    TaskFactory(responsible=org.east_rep, title="No tags")
    fair, urgent = TagFactory(owner=org.east_rep, name="fair"), TagFactory(owner=org.east_rep, name="urgent")
    TaskTagFactory(task=both, tag=fair)
    TaskTagFactory(task=both, tag=urgent)
    TaskTagFactory(task=one, tag=fair)
    client = page_client(org.east_rep)
    assert set(shown(client.get(HOME, {"tag": [fair.pk]}))) == {both.pk, one.pk}
    # Several values of the multi-select, or one comma-separated value (the API's form), mean the same.
    assert shown(client.get(HOME, {"tag": [fair.pk, urgent.pk]})) == [both.pk]
    assert shown(client.get(HOME, {"tag": f"{fair.pk},{urgent.pk}"})) == [both.pk]
    html = html_of(client.get(HOME, {"tag": [fair.pk, urgent.pk]}))
    assert (
        f'<option value="{fair.pk}" selected>#fair' in html
        and f'<option value="{urgent.pk}" selected>' in html
    )


def test_created_and_closed_periods(org):
    old = TaskFactory(responsible=org.east_rep, title="Old")
    Task.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))
    new = TaskFactory(responsible=org.east_rep, title="New")
    done = TaskFactory(
        responsible=org.east_rep,
        status=TaskStatus.COMPLETED,
        completed_at=timezone.now() - datetime.timedelta(days=10),
    )
    client = page_client(org.east_rep)
    since = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    assert shown(client.get(HOME, {"created_after": since})) == [new.pk]
    assert shown(client.get(HOME, {"created_before": since})) == [old.pk]
    assert shown(client.get(HOME, {"open": "false", "closed_before": since})) == [done.pk]
    assert shown(client.get(HOME, {"open": "false", "closed_after": since})) == []


def test_a_filter_that_is_not_understood_is_reported_and_the_rest_still_applies(org):
    t = lay_roles(org)
    response = page_client(org.east_rep).get(HOME, {"role": "set", "created_after": "yesterday-ish"})
    assert response.status_code == 200
    assert 'id="filter-errors"' in html_of(response)
    assert shown(response) == [t.set.pk]


def test_sorting_by_column(org):
    b = TaskFactory(
        responsible=org.east_rep, title="Bravo", deadline=timezone.now() + datetime.timedelta(days=1)
    )
    a = TaskFactory(
        responsible=org.east_rep, title="Alpha", deadline=timezone.now() + datetime.timedelta(days=3)
    )
    c = TaskFactory(
        responsible=org.east_rep,
        title="Charlie",
        deadline=timezone.now() + datetime.timedelta(days=2),
        priority=TaskPriority.HIGH,
    )
    client = page_client(org.east_rep)
    assert shown(client.get(HOME, {"sort": "title"})) == [a.pk, b.pk, c.pk]
    assert shown(client.get(HOME, {"sort": "deadline"})) == [b.pk, c.pk, a.pk]
    assert shown(client.get(HOME, {"sort": "-deadline"})) == [a.pk, c.pk, b.pk]
    assert shown(client.get(HOME, {"sort": "priority"}))[0] == c.pk
    assert shown(client.get(HOME)) == [c.pk, a.pk, b.pk]  # newest first by default
    # The header of the sorted column offers the reverse order, and keeps the filters.
    html = html_of(client.get(HOME, {"sort": "deadline", "q": "a"}))
    link = re.search(r'<a class="[^"]*task-sort" href="([^"]*)"[^>]*data-sort="-deadline"', html).group(1)
    assert "sort=-deadline" in link and "q=a" in link


def test_htmx_gets_the_results_only_and_a_history_restore_the_whole_page(org):
    t = lay_roles(org)
    client = page_client(org.east_rep)
    response = client.get(HOME, {"role": "help"}, **HTMX)
    html = html_of(response)
    assert "<html" not in html and html.lstrip().startswith('<div id="task-results"')
    assert shown(response) == [t.help.pk]
    full = client.get(HOME, {"role": "help"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in html_of(full)


def test_pages_of_fifty(org):
    Task.objects.bulk_create(
        [Task(title=f"Task {i:02d}", creator=org.sales_head, responsible=org.east_rep) for i in range(53)]
    )
    client = page_client(org.east_rep)
    first = client.get(HOME, {"sort": "title"})
    assert len(shown(first)) == 50
    assert "Page 1 of 2" in html_of(first)
    second = client.get(HOME, {"sort": "title", "page": 2}, **HTMX)
    assert len(shown(second)) == 3
    assert 'rel="prev"' in html_of(second)


def test_a_row_shows_what_matters(org):
    group = WorkgroupFactory(name="Fair 2030")
    task = TaskFactory(
        responsible=org.east_rep,
        title="Book the stand",
        priority=TaskPriority.HIGH,
        deadline=timezone.now() - datetime.timedelta(hours=2),
        group=group,
        subtasks_count=4,
        subtasks_done=1,
        comments_count=7,
    )
    TaskTagFactory(task=task, tag=TagFactory(owner=org.east_rep, name="fair"))
    html = html_of(page_client(org.east_rep).get(HOME))
    row = re.search(rf'<tr data-task="{task.pk}".*?</tr>', html, re.S).group(0)
    assert 'name="ids"' in row and 'form="bulk-form"' in row
    assert "task-priority-high" in row
    assert f'href="{task.get_absolute_url()}"' in row
    assert 'data-status="new"' in row
    assert "task-overdue" in row and "text-danger" in row
    assert org.east_rep.full_name in row
    assert "Fair 2030" in row and "#fair" in row
    assert "1 of 4 subtasks" in row and 'data-width="25"' in row
    assert "bi-chat" in row and "7" in row


def test_board_links_are_offered_with_the_filters(org):
    html = html_of(page_client(org.east_rep).get(HOME, {"q": "x"}))
    # The boards show closed tasks in columns of their own: the list's "open" default is not passed on.
    assert f'href="{reverse("tasks:kanban")}?q=x&amp;role=do"' in html
    assert f'href="{reverse("tasks:gantt")}?q=x&amp;role=do"' in html
    assert f'href="{reverse("tasks:plan")}"' in html
    html = html_of(page_client(org.east_rep).get(HOME, {"open": "false"}))
    assert f'href="{reverse("tasks:kanban")}?open=false&amp;role=do"' in html


# --- saved filters -------------------------------------------------------------------------------------


def test_save_a_filter_and_find_it_above_the_list(org):
    client = page_client(org.east_rep)
    response = client.post(
        reverse("tasks:filter_save"), {"name": "Late ones", "query": "role=do&overdue=true&page=2"}
    )
    saved = SavedFilter.objects.get(user=org.east_rep)
    assert saved.query == "role=do&overdue=true"
    assert response.status_code == 302 and response["Location"] == f"{HOME}?role=do&overdue=true"
    html = html_of(client.get(HOME))
    assert f'href="{HOME}?role=do&amp;overdue=true">Late ones</a>' in html
    assert "Late ones" not in html_of(page_client(org.field_rep).get(HOME))


def test_the_save_form_carries_the_current_query(org):
    html = html_of(page_client(org.east_rep).get(HOME, {"role": "help", "q": "offer", "page": "1"}))
    form = re.search(r'<form[^>]*id="saved-filter-form".*?</form>', html, re.S).group(0)
    assert 'name="query" value="role=help&amp;q=offer&amp;open=true"' in form


def test_a_filter_without_a_name_is_not_saved(org):
    response = page_client(org.east_rep).post(
        reverse("tasks:filter_save"), {"name": " ", "query": "role=set"}, follow=True
    )
    assert not SavedFilter.objects.exists()
    assert "alert-danger" in html_of(response)


def test_delete_a_saved_filter(org):
    client = page_client(org.east_rep)
    client.post(reverse("tasks:filter_save"), {"name": "Mine", "query": "role=set"})
    saved = SavedFilter.objects.get()
    assert page_client(org.field_rep).post(reverse("tasks:filter_delete", args=[saved.pk])).status_code == 404
    response = client.post(reverse("tasks:filter_delete", args=[saved.pk]), {"next": f"{HOME}?role=set"})
    assert response.status_code == 302 and response["Location"] == f"{HOME}?role=set"
    assert not SavedFilter.objects.exists()


# --- bulk actions --------------------------------------------------------------------------------------


def _bulk(client, ids, **data):
    return client.post(reverse("tasks:bulk"), {"ids": ids, "next": f"{HOME}?role=all", **data}, follow=True)


def test_bulk_change_of_responsible_reports_changed_and_skipped(org):
    t = lay_roles(org)
    mine = TaskFactory(creator=org.east_rep, responsible=org.field_rep, title="Mine too")
    client = page_client(org.east_rep)
    response = _bulk(
        client,
        [t.set.pk, mine.pk, t.help.pk, t.hidden.pk],
        action="responsible",
        responsible=org.sales_rep.pk,
    )
    assert response.redirect_chain[-1][0] == f"{HOME}?role=all"
    html = html_of(response)
    assert "2 tasks changed, 2 skipped" in html
    assert "Not found. (1)" in html  # the task east_rep may not see is not revealed
    assert Task.objects.get(pk=t.set.pk).responsible == org.sales_rep
    assert Task.objects.get(pk=mine.pk).responsible == org.sales_rep
    assert Task.objects.get(pk=t.help.pk).responsible == org.field_rep
    assert Task.objects.get(pk=t.hidden.pk).responsible == org.developer


def test_bulk_status_and_deadline(org):
    first = TaskFactory(creator=org.sales_head, responsible=org.east_rep)
    second = TaskFactory(creator=org.sales_head, responsible=org.east_rep)
    client = page_client(org.east_rep)
    html = html_of(_bulk(client, [first.pk, second.pk], action="status", status=TaskStatus.IN_PROGRESS))
    assert "2 tasks changed." in html
    assert set(Task.objects.values_list("status", flat=True)) == {TaskStatus.IN_PROGRESS}
    mine = TaskFactory(creator=org.east_rep, responsible=org.east_rep, deadline=timezone.now())
    _bulk(client, [mine.pk], action="deadline", deadline="")
    assert Task.objects.get(pk=mine.pk).deadline is None  # an empty deadline removes it


def test_bulk_add_and_remove_a_tag(org):
    t = lay_roles(org)
    client = page_client(org.east_rep)
    html = html_of(_bulk(client, [t.do.pk, t.set.pk], action="add_tag", tag_name="fair"))
    assert "2 tasks changed." in html
    tag = Tag.objects.get(owner=org.east_rep, name="fair")
    assert set(TaskTag.objects.filter(tag=tag).values_list("task_id", flat=True)) == {t.do.pk, t.set.pk}
    _bulk(client, [t.do.pk], action="remove_tag", tag=tag.pk)
    assert set(TaskTag.objects.filter(tag=tag).values_list("task_id", flat=True)) == {t.set.pk}


def test_bulk_without_rows_or_value_changes_nothing(org):
    t = lay_roles(org)
    client = page_client(org.east_rep)
    html = html_of(_bulk(client, [], action="status", status=TaskStatus.IN_PROGRESS))
    assert "Choose at least one task." in html
    html = html_of(_bulk(client, [t.do.pk], action="responsible"))
    assert "Choose the new responsible person." in html
    assert Task.objects.get(pk=t.do.pk).responsible == org.east_rep


def test_bulk_redirects_only_inside_the_site(org):
    t = lay_roles(org)
    response = page_client(org.east_rep).post(
        reverse("tasks:bulk"),
        {"ids": [t.do.pk], "action": "status", "status": "in_progress", "next": "https://evil.test/"},
    )
    assert response["Location"] == HOME


# --- create and edit -----------------------------------------------------------------------------------


def _form_data(**overrides) -> dict:
    data = {
        "title": "Prepare the fair",
        "description": "**Bold** plan",
        "priority": TaskPriority.NORMAL,
        "deadline": "",
        "planned_start": "",
        "planned_end": "",
        "tags": "",
        "checklist": "",
        "time_estimate": "",
        "parent": "",
        "group": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_new_task_form_defaults_to_me(org):
    response = page_client(org.east_rep).get(reverse("tasks:create"))
    assert response.status_code == 200
    assert response.context["form"]["responsible"].value() == org.east_rep.pk
    html = html_of(response)
    assert 'type="datetime-local"' in html and 'name="checklist"' in html and 'name="dependants"' not in html


def test_create_a_task_with_everything(org):
    from portal.people.models import User

    User.objects.filter(pk=org.east_rep.pk).update(time_zone="Europe/Berlin")
    group = WorkgroupFactory(name="Fair 2030")
    MembershipFactory(group=group, user=org.east_rep)
    data = _form_data(
        responsible=org.field_rep.pk,
        participants=[org.sales_rep.pk],
        observers=[org.sales_head.pk],
        deadline="2030-01-10T09:00",
        planned_start="2030-01-08T09:00",
        planned_end="2030-01-09T17:30",
        priority=TaskPriority.HIGH,
        group=group.pk,
        tags="Fair, urgent, fair",
        checklist="Book the stand\n\n  Print flyers  \n",
        time_estimate="1.5",
        requires_control="on",
        allow_change_deadline="on",
    )
    response = page_client(org.east_rep).post(reverse("tasks:create"), data)
    task = Task.objects.get(title="Prepare the fair")
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    assert task.creator == org.east_rep and task.responsible == org.field_rep
    # 09:00 in Berlin in January is 08:00 UTC.
    assert task.deadline == datetime.datetime(2030, 1, 10, 8, 0, tzinfo=datetime.UTC)
    assert task.planned_end == datetime.datetime(2030, 1, 9, 16, 30, tzinfo=datetime.UTC)
    assert task.priority == TaskPriority.HIGH and task.group == group
    assert task.requires_control and task.allow_change_deadline and not task.deadline_in_work_hours
    assert task.time_estimate == 5400
    assert dict(TaskMember.objects.filter(task=task).values_list("user_id", "role")) == {
        org.sales_rep.pk: MemberRole.PARTICIPANT,
        org.sales_head.pk: MemberRole.OBSERVER,
    }
    assert sorted(task.tags.values_list("name", flat=True)) == ["Fair", "urgent"]
    assert list(ChecklistItem.objects.filter(task=task).values_list("text", flat=True)) == [
        "Book the stand",
        "Print flyers",
    ]


def test_form_errors_show_on_their_fields_and_nothing_is_created(org):
    client = page_client(org.east_rep)
    response = client.post(reverse("tasks:create"), _form_data(title="", responsible=org.east_rep.pk))
    assert response.status_code == 200
    assert 'data-error-for="title"' in html_of(response)
    # A rule of the service (planned end before start) lands on its field too.
    response = client.post(
        reverse("tasks:create"),
        _form_data(
            responsible=org.east_rep.pk, planned_start="2030-01-10T10:00", planned_end="2030-01-10T09:00"
        ),
    )
    assert response.status_code == 200
    html = html_of(response)
    assert 'data-error-for="planned_end"' in html and "planned end cannot be before" in html
    assert not Task.objects.exists()


def test_a_parent_i_cannot_see_is_refused(org):
    hidden = TaskFactory(creator=org.it_head, responsible=org.developer)
    response = page_client(org.east_rep).post(
        reverse("tasks:create"), _form_data(responsible=org.east_rep.pk, parent=hidden.pk)
    )
    assert 'data-error-for="parent"' in html_of(response)
    assert Task.objects.count() == 1


def test_a_subtask_from_the_parent_link(org):
    group = WorkgroupFactory()
    parent = TaskFactory(creator=org.east_rep, responsible=org.east_rep, title="The fair", group=group)
    client = page_client(org.east_rep)
    url = reverse("tasks:create") + f"?parent={parent.pk}"
    response = client.get(url)
    assert response.context["form"]["parent"].value() == parent.pk
    assert response.context["form"]["group"].value() == group.pk
    assert "New subtask" in html_of(response)
    client.post(url, _form_data(responsible=org.east_rep.pk, title="Book the stand", parent=parent.pk))
    child = Task.objects.get(title="Book the stand")
    assert child.parent == parent
    hidden = TaskFactory(creator=org.it_head, responsible=org.developer)
    assert client.get(reverse("tasks:create") + f"?parent={hidden.pk}").status_code == 404


def test_edit_prefills_and_changes_only_what_changed(org):
    task = TaskFactory(
        creator=org.east_rep,
        responsible=org.field_rep,
        title="Draft",
        deadline=datetime.datetime(2030, 3, 1, 12, 0, 17, tzinfo=datetime.UTC),
        time_estimate=5400,
    )
    TaskTagFactory(task=task, tag=TagFactory(owner=org.east_rep, name="fair"))
    client = page_client(org.east_rep)
    url = reverse("tasks:edit", args=[task.pk])
    response = client.get(url)
    form = response.context["form"]
    assert form["title"].value() == "Draft" and form["tags"].value() == [
        "fair"
    ]  # the picker's chips: one name each
    assert 'value="2030-03-01T12:00"' in html_of(response)  # UTC user: the wall time is UTC
    assert 'name="checklist"' not in html_of(response) and 'name="dependants"' in html_of(response)
    data = _form_data(
        title="Final",
        description="Do the thing.",
        responsible=org.field_rep.pk,
        deadline="2030-03-01T12:00",
        time_estimate="1.5",
        tags="fair, stand",
        participants=[org.sales_rep.pk],
        dependants="flag",
    )
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    task.refresh_from_db()
    assert task.title == "Final"
    assert task.deadline.second == 17  # untouched: the form did not send the unchanged deadline
    assert sorted(task.tags.values_list("name", flat=True)) == ["fair", "stand"]
    assert TaskMember.objects.filter(task=task, user=org.sales_rep, role=MemberRole.PARTICIPANT).exists()
    update = AuditLog.objects.filter(action="task.update", target_id=str(task.pk)).get()
    assert set(update.changes) == {"title"}


def test_edit_keeps_a_parent_the_editor_cannot_see(org):
    parent = TaskFactory(creator=org.it_head, responsible=org.developer, title="IT plan")
    task = TaskFactory(creator=org.east_rep, responsible=org.east_rep, title="Draft", parent=parent)
    response = page_client(org.east_rep).post(
        reverse("tasks:edit", args=[task.pk]),
        _form_data(
            title="Renamed", description="Do the thing.", responsible=org.east_rep.pk, parent=parent.pk
        ),
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "Renamed" and task.parent == parent


def test_the_new_task_page_offers_my_templates(org):
    mine = TaskTemplateFactory(creator=org.east_rep, title="Weekly report")
    TaskTemplateFactory(creator=org.field_rep, title="Not mine")
    html = html_of(page_client(org.east_rep).get(reverse("tasks:create")))
    assert f'href="{reverse("tasks:template_run", args=[mine.pk])}"' in html and "Not mine" not in html


def test_edit_errors_roll_back_every_part(org):
    task = TaskFactory(creator=org.east_rep, responsible=org.field_rep, title="Draft")
    response = page_client(org.east_rep).post(
        reverse("tasks:edit", args=[task.pk]),
        _form_data(
            title="Renamed",
            responsible=org.field_rep.pk,
            planned_start="2030-01-10T10:00",
            planned_end="2030-01-10T09:00",
            tags="new-tag",
        ),
    )
    assert response.status_code == 200 and 'data-error-for="planned_end"' in html_of(response)
    task.refresh_from_db()
    assert task.title == "Draft" and not task.tags.exists()
    assert not Tag.objects.filter(name="new-tag").exists()


def test_edit_is_for_the_creator(org):
    task = TaskFactory(creator=org.east_rep, responsible=org.field_rep)
    assert page_client(org.field_rep).get(reverse("tasks:edit", args=[task.pk])).status_code == 403
    assert page_client(org.developer).get(reverse("tasks:edit", args=[task.pk])).status_code == 404
    assert page_client(org.admin).get(reverse("tasks:edit", args=[task.pk])).status_code == 200


# --- from a chat message or a stream post --------------------------------------------------------------


@pytest.fixture
def chat_message(org):
    chat = chat_services.chat_group_create(actor=org.sales_rep, title="Sales", members=[org.east_rep])
    message = chat_services.message_send(
        actor=org.sales_rep, chat=chat, body="Fix the login page\nIt fails on Safari."
    )
    return message


def test_a_task_from_a_chat_message_quotes_it_and_shows_under_it(org, chat_message):
    client = page_client(org.east_rep)
    url = reverse("tasks:create") + f"?from_message={chat_message.pk}"
    response = client.get(url)
    form = response.context["form"]
    assert form["title"].value() == "Fix the login page"
    assert "> It fails on Safari." in form["description"].value()
    assert org.sales_rep.full_name in form["description"].value()
    data = _form_data(title=form["title"].value(), description=form["description"].value())
    client.post(url, {**data, "responsible": org.east_rep.pk})
    task = Task.objects.get()
    assert task.source_type == ContentType.objects.get_for_model(Message)
    assert task.source_id == str(chat_message.pk)
    chat_url = reverse("chat:detail", args=[chat_message.chat_id])
    html = html_of(client.get(chat_url))
    assert 'data-annotation="tasks.made_from"' in html
    assert "Task: Fix the login page" in html and task.get_absolute_url() in html
    # The other member of the chat may not see the task: no note for them.
    assert "Task: Fix the login page" not in html_of(page_client(org.sales_rep).get(chat_url))


def test_a_message_i_cannot_read_answers_404(org, chat_message):
    url = reverse("tasks:create") + f"?from_message={chat_message.pk}"
    assert page_client(org.developer).get(url).status_code == 404
    assert page_client(org.developer).post(url, _form_data(responsible=org.developer.pk)).status_code == 404
    assert page_client(org.east_rep).get(reverse("tasks:create") + "?from_message=999999").status_code == 404
    assert not Task.objects.exists()


def test_a_task_from_a_stream_post(org):
    entry = post(org.sales_head, "Prepare the offer\nFor the fair in March.", everyone=True)
    client = page_client(org.east_rep)
    feed = html_of(client.get(reverse("stream:feed")))
    create_url = reverse("tasks:create") + f"?from_entry={entry.pk}"
    assert 'data-action="tasks.from_entry"' in feed and create_url in feed
    response = client.get(create_url)
    assert response.context["form"]["title"].value() == "Prepare the offer"
    client.post(create_url, _form_data(title="Prepare the offer", responsible=org.east_rep.pk))
    task = Task.objects.get()
    assert task.source_type == ContentType.objects.get_for_model(Entry) and task.source_id == str(entry.pk)
    feed = html_of(client.get(reverse("stream:feed")))
    assert "Task: Prepare the offer" in feed and task.get_absolute_url() in feed
    detail = html_of(client.get(entry.get_absolute_url()))
    assert "Task: Prepare the offer" in detail
    # Someone who may not see the task sees no note under the post.
    assert "Task: Prepare the offer" not in html_of(page_client(org.developer).get(reverse("stream:feed")))


def test_a_post_i_cannot_see_answers_404(org):
    entry = post(org.sales_head, "For Sales only", users=[org.sales_rep])
    assert (
        page_client(org.developer).get(reverse("tasks:create") + f"?from_entry={entry.pk}").status_code == 404
    )


# --- templates -----------------------------------------------------------------------------------------


def test_create_from_a_template_asks_then_creates(org):
    template = TaskTemplateFactory(creator=org.east_rep, title="Weekly report", checklist=["Collect numbers"])
    client = page_client(org.east_rep)
    url = reverse("tasks:create") + f"?template={template.pk}"
    response = client.get(url)
    assert response.status_code == 200 and "Weekly report" in html_of(response)
    assert not Task.objects.exists()
    response = client.post(url)
    task = Task.objects.get()
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    assert task.template == template and task.title == "Weekly report" and task.responsible == org.east_rep
    assert list(task.checklist.values_list("text", flat=True)) == ["Collect numbers"]
    other = TaskTemplateFactory(creator=org.field_rep)
    assert client.get(reverse("tasks:create") + f"?template={other.pk}").status_code == 404
    assert client.post(reverse("tasks:template_run", args=[other.pk])).status_code == 404


def _template_data(**overrides) -> dict:
    data = {
        "title": "Weekly report",
        "description": "",
        "priority": TaskPriority.NORMAL,
        "repeat": Repeat.NONE,
        "tags": "",
        "checklist": "",
        "subtasks": "",
        "deadline_days": "",
        "time_estimate": "",
        "month_day": "",
        "repeat_time": "",
        "repeat_until": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_templates_pages_create_list_edit_run_delete(org):
    client = page_client(org.east_rep)
    response = client.post(
        reverse("tasks:template_create"),
        _template_data(
            repeat=Repeat.WEEKLY,
            weekdays=["0", "3"],
            repeat_time="09:00",
            subtasks="Collect numbers\nWrite the summary",
            checklist="Check totals",
            tags="report",
            deadline_days="2",
            responsible=org.field_rep.pk,
        ),
    )
    assert response.status_code == 302 and response["Location"] == reverse("tasks:templates")
    template = TaskTemplate.objects.get(parent__isnull=True)
    assert template.creator == org.east_rep and template.weekdays == [0, 3]
    assert template.tag_names == ["report"] and template.checklist == ["Check totals"]
    assert template.next_run_at is not None
    assert list(template.subtemplates.order_by("id").values_list("title", flat=True)) == [
        "Collect numbers",
        "Write the summary",
    ]
    html = html_of(client.get(reverse("tasks:templates")))
    assert "Weekly report" in html and "Every week on Mon, Thu at 09:00" in html
    assert "Weekly report" not in html_of(page_client(org.field_rep).get(reverse("tasks:templates")))

    edit = reverse("tasks:template_edit", args=[template.pk])
    form = client.get(edit).context["form"]
    assert form["subtasks"].value() == "Collect numbers\nWrite the summary"
    sub_ids = set(template.subtemplates.values_list("pk", flat=True))
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        title="Monday report",
        weekdays=["0", "3"],
        repeat_time="09:00",
        responsible=org.field_rep.pk,
        is_active="on",
        participants=[],
        observers=[],
    )
    data.pop("allow_change_deadline")
    data.pop("requires_control")
    assert client.post(edit, data).status_code == 302
    template.refresh_from_db()
    assert template.title == "Monday report"
    # Subtasks left as they were are not replaced.
    assert set(template.subtemplates.values_list("pk", flat=True)) == sub_ids

    response = client.post(reverse("tasks:template_run", args=[template.pk]))
    task = Task.objects.get(parent__isnull=True)
    assert response["Location"] == task.get_absolute_url()
    assert task.responsible == org.field_rep and task.subtasks.count() == 2

    client.post(reverse("tasks:template_delete", args=[template.pk]))
    assert not TaskTemplate.objects.exists()
    assert Task.objects.filter(pk=task.pk).exists()  # tasks made from it stay


def test_template_errors_show_on_their_fields(org):
    client = page_client(org.east_rep)
    response = client.post(
        reverse("tasks:template_create"), _template_data(repeat=Repeat.WEEKLY, repeat_time="09:00")
    )
    assert response.status_code == 200
    assert 'data-error-for="weekdays"' in html_of(response)
    response = client.post(reverse("tasks:template_create"), _template_data(repeat=Repeat.MONTHLY))
    html = html_of(response)
    assert 'data-error-for="month_day"' in html and 'data-error-for="repeat_time"' in html
    assert not TaskTemplate.objects.exists()


def test_a_subtask_row_names_its_parent_only_when_the_viewer_sees_it(org):
    parent = TaskFactory(creator=org.sales_head, responsible=org.east_rep, title="Prepare the fair")
    sub = TaskFactory(creator=org.sales_head, responsible=org.east_rep, title="Book the stand", parent=parent)
    hidden = TaskFactory(creator=org.it_head, responsible=org.developer, title="Patch the servers")
    orphan = TaskFactory(
        creator=org.it_head, responsible=org.east_rep, title="Reboot the router", parent=hidden
    )
    html = html_of(page_client(org.east_rep).get(HOME))
    row = re.search(rf'<tr data-task="{sub.pk}".*?</tr>', html, re.S).group(0)
    assert f'href="{parent.get_absolute_url()}"' in row and "↳ Prepare the fair" in row
    top = re.search(rf'<tr data-task="{parent.pk}".*?</tr>', html, re.S).group(0)
    assert "task-parent" not in top
    row = re.search(rf'<tr data-task="{orphan.pk}".*?</tr>', html, re.S).group(0)
    assert "task-parent" in row and "Patch the servers" not in row
    assert hidden.get_absolute_url() not in row
