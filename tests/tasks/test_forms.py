"""The forms of the list pages: how they shape input for the services, which choices they offer, how
service errors land on fields."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.chat import services as chat_services
from portal.core.models import AuditLog
from portal.people.models import User
from tasks.choices import Repeat, TaskStatus
from tasks.forms.fields import IdListField
from tasks.forms.saved_filters import SavedFilterForm
from tasks.forms.tasks import TaskBulkForm, TaskForm, source_initial
from tasks.forms.templates import TaskTemplateForm
from tasks.models import Tag, TaskTemplate
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.stream.factories import post
from tests.tasks.factories import TagFactory, TaskFactory, TaskTagFactory, TaskTemplateFactory

pytestmark = pytest.mark.django_db


def test_source_initial_takes_the_first_line_and_quotes_the_text(org):
    chat = chat_services.chat_group_create(actor=org.sales_rep, title="Sales", members=[org.east_rep])
    message = chat_services.message_send(
        actor=org.sales_rep, chat=chat, body="\n  Call Acme back  \n\nThey want a discount."
    )
    initial = source_initial(message)
    assert initial["title"] == "Call Acme back"
    assert initial["description"].startswith(f"{org.sales_rep.full_name} wrote:\n\n")
    assert initial["description"].endswith("> Call Acme back\n>\n> They want a discount.")


def test_source_initial_cuts_a_long_first_line(org):
    entry = post(org.sales_head, "x" * 400)
    assert len(source_initial(entry)["title"]) == 250


def test_task_form_offers_active_people_and_groups_i_can_see(org):
    User.objects.filter(pk=org.sales_rep.pk).update(is_active=False)
    secret = WorkgroupFactory(name="Board", visibility="secret")
    mine = WorkgroupFactory(name="Mine", visibility="secret")
    MembershipFactory(group=mine, user=org.east_rep)
    form = TaskForm(user=org.east_rep)
    people = set(form.fields["responsible"].queryset)
    assert org.east_rep in people and org.sales_rep not in people
    groups = set(form.fields["group"].queryset)
    assert mine in groups and secret not in groups
    assert form.fields["responsible"].initial == org.east_rep.pk
    assert "checklist" in form.fields and "dependants" not in form.fields


def test_edit_keeps_the_current_people_even_when_deactivated(org):
    task = TaskFactory(creator=org.east_rep, responsible=org.sales_rep)
    User.objects.filter(pk=org.sales_rep.pk).update(is_active=False)
    form = TaskForm(user=org.east_rep, task=task)
    assert org.sales_rep in set(form.fields["responsible"].queryset)
    assert "checklist" not in form.fields and "dependants" in form.fields


@pytest.mark.parametrize("hours, seconds", [("0.25", 900), ("2", 7200), ("", None)])
def test_the_estimate_is_given_in_hours(org, hours, seconds):
    form = TaskForm(
        {"title": "T", "responsible": org.east_rep.pk, "priority": "normal", "time_estimate": hours},
        user=org.east_rep,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["time_estimate"] == seconds


def test_a_negative_estimate_is_refused(org):
    form = TaskForm(
        {"title": "T", "responsible": org.east_rep.pk, "priority": "normal", "time_estimate": "-1"},
        user=org.east_rep,
    )
    assert not form.is_valid() and "time_estimate" in form.errors


def test_tag_names_are_split_and_counted_once(org):
    form = TaskForm(
        {
            "title": "T",
            "responsible": org.east_rep.pk,
            "priority": "normal",
            "tags": " fair ,Fair,, big  show ",
        },
        user=org.east_rep,
    )
    assert form.is_valid()
    assert form.cleaned_data["tags"] == ["fair", "big show"]


def test_editing_tags_keeps_a_groups_shared_tag(org):
    group = WorkgroupFactory()
    MembershipFactory(group=group, user=org.east_rep)
    shared = TagFactory(owner=None, group=group, name="expo")
    task = TaskFactory(creator=org.east_rep, responsible=org.east_rep, group=group)
    TaskTagFactory(task=task, tag=shared)
    form = TaskForm(user=org.east_rep, task=task)
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(
        tags="expo, new", participants=[], observers=[], allow_change_deadline="", requires_control=""
    )
    data = {k: v for k, v in data.items() if v not in ("", False)}
    form = TaskForm(data, user=org.east_rep, task=task)
    assert form.is_valid(), form.errors
    assert form.save(actor=org.east_rep) is not None
    assert set(task.tags.all()) == {shared, Tag.objects.get(owner=org.east_rep, name="new")}
    assert not Tag.objects.filter(owner=org.east_rep, name="expo").exists()


def test_a_service_refusal_lands_on_the_field(org):
    form = TaskForm(
        {"title": "T", "responsible": org.east_rep.pk, "priority": "normal", "planned_start": "2030-01-02T10:00",
         "planned_end": "2030-01-01T10:00"},
        user=org.east_rep,
    )  # fmt: skip
    assert form.is_valid()
    assert form.save(actor=org.east_rep) is None
    assert "planned_end" in form.errors


def test_errors_of_unknown_fields_go_above_the_form(org):
    form = SavedFilterForm({"name": "x", "query": ""})
    assert form.is_valid()
    form.add_service_errors(ValidationError({"something_else": ["Odd."]}))
    assert form.non_field_errors() == ["Odd."]
    form.add_service_errors(ValidationError("Plain."))
    assert "Plain." in form.non_field_errors()


def test_saved_filter_form_saves_through_the_service(org):
    form = SavedFilterForm({"name": "Mine", "query": "role=do&page=4"})
    assert form.is_valid()
    saved = form.save(actor=org.east_rep)
    assert saved.query == "role=do"
    form = SavedFilterForm({"name": "x" * 100, "query": "q=" + "a" * 2100})
    assert form.is_valid()
    assert form.save(actor=org.east_rep) is None and "query" in form.errors


@pytest.mark.parametrize(
    "raw, expected",
    [(["3", "1", "3"], [3, 1]), ("7", [7]), ([], []), (None, [])],
)
def test_id_list_field(raw, expected):
    assert IdListField(required=False).clean(raw) == expected


def test_id_list_field_refuses_garbage():
    with pytest.raises(ValidationError):
        IdListField().clean(["1", "x"])


@pytest.mark.parametrize(
    "data, field",
    [
        ({"action": "responsible"}, "responsible"),
        ({"action": "status"}, "status"),
        ({"action": "add_tag", "tag_name": "  "}, "tag_name"),
        ({"action": "remove_tag"}, "tag"),
        ({"action": "explode"}, "action"),
    ],
)
def test_bulk_form_needs_the_value_of_its_action(org, data, field):
    form = TaskBulkForm({"ids": ["1"], **data}, user=org.east_rep)
    assert not form.is_valid()
    assert field in form.errors


def test_bulk_form_refuses_too_many_tasks(org):
    ids = [str(i) for i in range(1, TaskBulkForm.MAX_TASKS + 2)]
    form = TaskBulkForm({"ids": ids, "action": "status", "status": TaskStatus.PENDING}, user=org.east_rep)
    assert not form.is_valid() and "ids" in form.errors


def test_bulk_form_offers_only_my_tags(org):
    mine = TagFactory(owner=org.east_rep)
    theirs = TagFactory(owner=org.field_rep)
    tags = set(TaskBulkForm(user=org.east_rep).fields["tag"].queryset)
    assert mine in tags and theirs not in tags


def _template_form_data(**overrides):
    data = {"title": "Report", "priority": "normal", "repeat": Repeat.NONE, "is_active": "on"}
    data.update(overrides)
    return data


def test_template_form_shapes_lists_and_hours(org):
    form = TaskTemplateForm(
        _template_form_data(
            tags="a, b",
            checklist="One\n\nTwo",
            subtasks="First\nSecond",
            time_estimate="0.5",
            weekdays=["1", "4"],
        ),
        user=org.east_rep,
    )
    assert form.is_valid(), form.errors
    values = form._values()
    assert values["tag_names"] == ["a", "b"]
    assert values["checklist"] == ["One", "Two"]
    assert values["subtasks"] == [{"title": "First"}, {"title": "Second"}]
    assert values["time_estimate"] == 1800
    assert values["weekdays"] == [1, 4]


def test_template_form_keeps_subtask_details_by_title(org):
    template = TaskTemplateFactory(creator=org.east_rep, title="Report")
    TaskTemplateFactory(
        creator=org.east_rep, parent=template, title="Collect", description="From CRM", checklist=["Export"]
    )
    form = TaskTemplateForm(
        _template_form_data(subtasks="Collect\nWrite"), user=org.east_rep, template=template
    )
    assert form.is_valid(), form.errors
    subtasks = form._values()["subtasks"]
    assert subtasks[0]["description"] == "From CRM" and subtasks[0]["checklist"] == ["Export"]
    assert subtasks[1] == {"title": "Write"}
    assert form.save(actor=org.east_rep) is not None
    assert list(template.subtemplates.order_by("id").values_list("title", "description")) == [
        ("Collect", "From CRM"),
        ("Write", ""),
    ]


def test_template_form_with_nothing_changed_writes_nothing(org):
    template = TaskTemplateFactory(creator=org.east_rep, title="Report")
    initial = TaskTemplateForm(user=org.east_rep, template=template).initial
    data = {k: v for k, v in initial.items() if v not in (None, False, [], "")}
    data["is_active"] = "on"
    form = TaskTemplateForm(data, user=org.east_rep, template=template)
    assert form.is_valid(), form.errors
    assert form.save(actor=org.east_rep) == template
    assert not AuditLog.objects.filter(action="template.update").exists()


def test_template_form_maps_the_services_tag_errors_to_the_tags_field(org):
    form = TaskTemplateForm(_template_form_data(tags="x" * 61), user=org.east_rep)
    assert form.is_valid()
    assert form.save(actor=org.east_rep) is None
    assert "tags" in form.errors
    assert not TaskTemplate.objects.exists()
