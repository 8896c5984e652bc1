"""The picker's lookup endpoint (portal/core/pickers.py) and the forms that take the picker's values: only what
the user may see is offered, anonymous callers get 401, the number of queries does not grow with the rows, and
the forms accept the chips' values and refuse forged ones field by field."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.groups.choices import GroupVisibility
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.factories import TagFactory, TaskFactory

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def lookup(user, sources: str, q: str, status: int = 200) -> dict:
    response = client_of(user).get(reverse("lookup"), {"sources": sources, "q": q})
    assert response.status_code == status, response.content
    return response.json()


def values(answer: dict, source: str) -> list[str]:
    return [
        item["value"] for group in answer["results"] if group["source"] == source for item in group["items"]
    ]


def labels(answer: dict) -> list[str]:
    return [item["label"] for group in answer["results"] for item in group["items"]]


def test_anonymous_callers_get_401():
    response = Client().get(reverse("lookup"), {"sources": "people", "q": "ann"})
    assert response.status_code == 401
    assert response.json()["detail"]


def test_an_unknown_source_is_a_clear_400(org):
    answer = lookup(org.east_rep, "people,secrets", "a", status=400)
    assert "secrets" in answer["detail"]


def test_people_inactive_ones_never_appear(org):
    # A name no generated person has ("anna" also found a generated "Annette").
    UserFactory(first_name="Zyanna", last_name="Active", email="anna.a@acme.test", department=org.east)
    UserFactory(first_name="Zyanna", last_name="Gone", email="anna.g@acme.test", is_active=False)
    answer = lookup(org.east_rep, "people", "zyanna")
    assert labels(answer) == ["Zyanna Active"]
    assert answer["results"][0]["label"] == "People"


def test_departments_groups_and_everyone_in_one_answer(org):
    WorkgroupFactory(name="Sales fair team")
    secret = WorkgroupFactory(name="Sales secret board", visibility=GroupVisibility.SECRET)
    answer = lookup(org.east_rep, "everyone,departments,groups,people", "sales")
    assert str(org.sales.pk) in values(answer, "departments") and str(org.east.pk) in values(
        answer, "departments"
    )
    assert "Sales fair team" in labels(answer)
    assert "Sales secret board" not in labels(answer)  # a secret group of others: never offered
    MembershipFactory(group=secret, user=org.east_rep)
    assert "Sales secret board" in labels(lookup(org.east_rep, "groups", "secret"))
    # "Everyone" with nothing typed, or when the words fit it.
    assert values(lookup(org.east_rep, "everyone,people", ""), "everyone") == ["1"]
    assert values(lookup(org.east_rep, "everyone", "every"), "everyone") == ["1"]
    assert values(lookup(org.east_rep, "everyone", "sales"), "everyone") == []


def test_tasks_by_title_or_number_only_the_visible_ones(org):
    mine = TaskFactory(creator=org.east_rep, responsible=org.east_rep, title="Quarterly brochure print")
    hidden = TaskFactory(creator=org.developer, responsible=org.developer, title="Quarterly server audit")
    answer = lookup(org.east_rep, "tasks", "quarter")
    assert values(answer, "tasks") == [str(mine.pk)]
    assert values(lookup(org.east_rep, "tasks", f"#{mine.pk}"), "tasks") == [str(mine.pk)]
    assert values(lookup(org.east_rep, "tasks", str(hidden.pk)), "tasks") == []
    assert values(lookup(org.developer, "tasks", "quarter"), "tasks") == [str(hidden.pk)]


def test_tags_only_the_users_own_or_their_groups(org):
    TagFactory(name="urgent", owner=org.east_rep)
    TagFactory(name="urgent-it", owner=org.developer)
    assert values(lookup(org.east_rep, "tags", "urg"), "tags") == ["urgent"]
    assert values(lookup(org.east_rep, "tags", ""), "tags") == ["urgent"]


@pytest.mark.parametrize("rows", [2, 12])
def test_the_query_budget_does_not_grow_with_the_rows(org, rows, django_assert_max_num_queries):
    for n in range(rows):
        UserFactory(first_name="Sam", last_name=f"Sample{n}", department=org.east)
        WorkgroupFactory(name=f"Sample group {n}")
        TaskFactory(creator=org.east_rep, responsible=org.east_rep, title=f"Sample task {n}")
        TagFactory(name=f"sample{n}", owner=org.east_rep)
    client = client_of(org.east_rep)
    client.get(reverse("lookup"), {"sources": "people", "q": "x"})  # the session is read once before
    with django_assert_max_num_queries(9):
        response = client.get(
            reverse("lookup"), {"sources": "everyone,departments,groups,people,tasks,tags", "q": "sam"}
        )
    assert response.status_code == 200
    assert len(labels(response.json())) >= min(rows, 8)


# --- the forms take the picker's values ---------------------------------------------------------------------


def test_a_post_to_a_department_through_the_picker_fields(org):
    from portal.stream.models import Entry

    response = client_of(org.east_head).post(
        reverse("stream:post_create"), {"body": "Hi East", "departments": [org.east.pk]}
    )
    assert response.status_code in (302, 200)
    entry = Entry.objects.get(body__contains="Hi East")
    assert not entry.audience_everyone


def test_the_composer_renders_one_picker_with_everyone_chosen(org):
    html = client_of(org.east_head).get(reverse("stream:feed")).content.decode()
    assert "data-chip-picker" in html and 'data-sources="everyone,departments,groups,people"' in html
    assert '<input type="hidden" name="everyone" value="1">' in html
    assert "chip_picker.js" in html


def test_the_post_form_refuses_a_forged_department_clearly(org):
    from portal.stream.forms import PostForm

    form = PostForm({"body": "x", "departments": ["999999"]}, user=org.east_rep)
    assert not form.is_valid()
    assert "departments" in form.errors
    html = client_of(org.east_rep).post(
        reverse("stream:post_create"), {"body": "x", "departments": ["999999"]}
    )
    assert 'data-error-for="departments"' in html.content.decode()


def test_the_task_form_takes_a_parent_tags_and_people_from_the_pickers(org):
    from tasks.forms.tasks import TaskForm

    parent = TaskFactory(creator=org.east_rep, responsible=org.east_rep, title="Spring fair")
    form = TaskForm(
        {
            "title": "Print the flyers",
            "priority": "normal",
            "responsible": org.east_rep.pk,
            "participants": [org.field_rep.pk],
            "parent": str(parent.pk),
            "tags": ["print", "fair", "Print"],
        },
        user=org.east_rep,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tags"] == ["print", "fair"]
    task = form.save(actor=org.east_rep)
    assert task.parent_id == parent.pk
    assert sorted(t.name for t in task.tags.all()) == ["fair", "print"]


def test_the_task_form_refuses_a_hidden_parent_with_a_clear_error(org):
    from tasks.forms.tasks import TaskForm

    hidden = TaskFactory(creator=org.developer, responsible=org.developer, title="Server audit")
    form = TaskForm(
        {"title": "Sneaky", "priority": "normal", "responsible": org.east_rep.pk, "parent": hidden.pk},
        user=org.east_rep,
    )
    assert not form.is_valid()
    assert f"There is no task number {hidden.pk} you can see." in form.errors["parent"]
    html = form["parent"].as_widget()
    assert "Server audit" not in html and f"#{hidden.pk}" in html  # the chip names no hidden title


def test_the_edit_form_shows_chosen_things_as_labelled_chips(org):
    parent = TaskFactory(creator=org.east_rep, responsible=org.east_rep, title="Spring fair")
    task = TaskFactory(creator=org.east_rep, responsible=org.field_rep, title="Flyers", parent=parent)
    html = client_of(org.east_rep).get(reverse("tasks:edit", args=[task.pk])).content.decode()
    assert f'<input type="hidden" name="parent" value="{parent.pk}">' in html
    assert "Spring fair" in html
    assert f'<input type="hidden" name="responsible" value="{org.field_rep.pk}">' in html
    assert 'data-quick-key="week_end"' in html


def test_quick_dates_are_today_tomorrow_friday_next_week_and_month_end():
    import datetime

    from portal.core.widgets import quick_dates

    wednesday = datetime.datetime(2026, 12, 2, 9, 30)
    got = {key: moment for key, _label, moment in quick_dates(wednesday, datetime.time(18, 0))}
    assert got["today"] == datetime.datetime(2026, 12, 2, 18, 0)
    assert got["tomorrow"] == datetime.datetime(2026, 12, 3, 18, 0)
    assert got["week_end"] == datetime.datetime(2026, 12, 4, 18, 0)
    assert got["next_week"] == datetime.datetime(2026, 12, 9, 18, 0)
    assert got["month_end"] == datetime.datetime(2026, 12, 31, 18, 0)
    saturday = datetime.datetime(2026, 12, 5, 9, 30)
    assert quick_dates(saturday, datetime.time(18, 0))[2][2].date() == datetime.date(2026, 12, 11)


def test_the_new_chat_form_takes_members_from_the_picker(org):
    from portal.chat.forms import GroupChatForm

    form = GroupChatForm({"title": "Fair", "members": [org.field_rep.pk]}, actor=org.east_rep)
    assert form.is_valid(), form.errors
    forged = GroupChatForm({"title": "Fair", "members": ["nope"]}, actor=org.east_rep)
    assert not forged.is_valid() and "members" in forged.errors
