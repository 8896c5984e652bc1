"""The task page: each block shows what it should, its htmx endpoint re-renders it (with the history out of
band), errors show inside the block, and plain posts go back to the page with a message."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.core.models import AuditLog
from tasks import services
from tasks.choices import LinkKind, MemberRole, TaskStatus
from tasks.models import ChecklistItem, Tag, Task, TaskComment, TaskFile, TaskLink, TaskView, TimeEntry
from tests.plugins.browser import htmx_settled
from tests.tasks.detail_setup import HTMX, lay_task, page_client
from tests.tasks.factories import (
    ChecklistItemFactory,
    TagFactory,
    TaskCommentFactory,
    TaskFactory,
    TaskLinkFactory,
    TaskMemberFactory,
    TaskTagFactory,
)


def url(name: str, *args) -> str:
    return reverse(f"tasks:{name}", args=args)


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def laid(org):
    return lay_task(org)


@pytest.fixture
def creator(org):
    return page_client(org.sales_rep)


# --- the page ------------------------------------------------------------------------------------------


def test_page_shows_every_block(org, laid):
    response = page_client(org.east_rep).get(url("detail", laid.task.pk))
    assert response.status_code == 200
    page = html(response)
    for block in (
        "header",
        "description",
        "people",
        "dates",
        "tags",
        "rules",
        "time",
        "subtasks",
        "links",
        "checklist",
        "files",
        "comments",
        "history",
    ):
        assert f'id="task-{block}"' in page, block
    assert "Prepare the fair" in page and "<html" in page
    assert "Book the stand" in page and "floor-plan.txt" in page and "I can help with the stand." in page
    assert "Order the brochures" in page  # the task linked before this one
    assert 'data-nav="tasks"' in page


@pytest.mark.parametrize("who", ["developer", "it_head"])
def test_hidden_and_missing_tasks_answer_404(org, laid, who):
    client = page_client(getattr(org, who))
    assert client.get(url("detail", laid.task.pk)).status_code == 404
    assert page_client(org.east_rep).get(url("detail", 999_999)).status_code == 404


def test_anonymous_visitors_go_to_the_login_page(laid):
    response = page_client(None).get(url("detail", laid.task.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_viewing_the_page_marks_the_comments_seen(org, laid):
    assert not TaskView.objects.filter(task=laid.task, user=org.east_rep).exists()
    page_client(org.east_rep).get(url("detail", laid.task.pk))
    seen = TaskView.objects.get(task=laid.task, user=org.east_rep)
    assert seen.seen_at >= laid.comment.created_at


def test_a_block_alone_for_htmx_and_unknown_blocks_404(org, laid):
    client = page_client(org.east_rep)
    response = client.get(url("detail_block", laid.task.pk, "checklist"), **HTMX)
    assert response.status_code == 200 and "<html" not in html(response)
    assert html(response).startswith("<section") and 'id="task-checklist"' in html(response)
    assert client.get(url("detail_block", laid.task.pk, "nothing"), **HTMX).status_code == 404
    plain = client.get(url("detail_block", laid.task.pk, "checklist"))
    assert plain.status_code == 302 and plain["Location"].endswith("#task-checklist")


def test_the_source_of_a_task_made_from_a_chat_message(org):
    from tests.chat.factories import ChatFactory, MessageFactory

    chat = ChatFactory()
    message = MessageFactory(chat=chat, author=org.sales_rep, body="Please prepare the fair")
    task = TaskFactory(
        creator=org.sales_rep,
        responsible=org.field_rep,
        source_type=ContentType.objects.get_for_model(message),
        source_id=str(message.pk),
    )
    page = html(page_client(org.sales_rep).get(url("detail", task.pk)))
    assert 'id="task-source"' in page and "Created from a chat message" in page
    assert reverse("chat:detail", args=[chat.pk]) + f"#message-{message.pk}" in page


def test_the_source_of_a_task_made_from_a_post(org):
    from tests.stream.factories import post

    entry = post(org.sales_rep, "We go to the fair in March")
    task = TaskFactory(
        creator=org.sales_rep,
        responsible=org.field_rep,
        source_type=ContentType.objects.get_for_model(entry),
        source_id=str(entry.pk),
    )
    page = html(page_client(org.field_rep).get(url("detail", task.pk)))
    assert "Created from a post" in page and reverse("stream:entry", args=[entry.pk]) in page


def test_no_source_line_for_a_task_made_on_its_own(org, laid):
    assert 'id="task-source"' not in html(page_client(org.sales_rep).get(url("detail", laid.task.pk)))


# --- header: title, breadcrumbs, status buttons -----------------------------------------------------------


def test_breadcrumbs_show_the_ancestors(org):
    root = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, title="Trade fair 2030")
    middle = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, title="The stand", parent=root)
    leaf = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, title="Lights", parent=middle)
    page = html(page_client(org.sales_rep).get(url("detail", leaf.pk)))
    crumbs = page[
        page.index('id="task-breadcrumbs"') : page.index("</ol>", page.index('id="task-breadcrumbs"'))
    ]
    assert crumbs.index("Trade fair 2030") < crumbs.index("The stand")
    assert f'data-ancestor="{root.pk}"' in crumbs and f'data-ancestor="{middle.pk}"' in crumbs


def test_title_edit_in_place(org, laid, creator):
    response = creator.post(url("detail_title", laid.task.pk), {"title": "Prepare the big fair"}, **HTMX)
    assert response.status_code == 200
    body = html(response)
    assert body.startswith("<header") and "Prepare the big fair" in body
    assert 'id="task-history" hx-swap-oob="true"' in body  # the history follows out of band
    laid.task.refresh_from_db()
    assert laid.task.title == "Prepare the big fair"


def test_title_errors_show_in_the_header(org, laid, creator):
    response = creator.post(url("detail_title", laid.task.pk), {"title": "  "}, **HTMX)
    assert response.status_code == 200 and "task-error" in html(response)
    laid.task.refresh_from_db()
    assert laid.task.title == "Prepare the fair"
    plain = creator.post(url("detail_title", laid.task.pk), {"title": ""}, follow=True)
    assert plain.redirect_chain[-1][0].startswith(url("detail", laid.task.pk))
    assert "alert-danger" in html(plain)


def test_rename_form_only_for_who_edits(org, laid):
    assert 'id="task-title-edit"' in html(page_client(org.sales_rep).get(url("detail", laid.task.pk)))
    assert 'id="task-title-edit"' not in html(page_client(org.field_rep).get(url("detail", laid.task.pk)))


def _actions(page: str) -> set[str]:
    import re

    block = page[page.index('id="task-actions"') :]
    return set(re.findall(r'data-action="([a-z_]+)"', block[: block.index("</header>")]))


def test_status_buttons_are_the_available_actions(org, laid):
    responsible = html(page_client(org.field_rep).get(url("detail", laid.task.pk)))
    assert _actions(responsible) == {"accept", "start", "complete", "defer", "decline"}
    for person in (org.east_rep, org.sales_head):  # a participant, a supervisor: no buttons
        assert _actions(html(page_client(person).get(url("detail", laid.task.pk)))) == set()


def test_start_then_complete_through_the_buttons(org, laid):
    client = page_client(org.field_rep)
    response = client.post(url("detail_action", laid.task.pk), {"action": "start"}, **HTMX)
    assert response.status_code == 200 and 'data-status="in_progress"' in html(response)
    assert 'data-action="pause"' in html(response)
    open_items = laid.task.checklist.filter(is_done=False).count()
    assert open_items  # the laid task's checklist is not done: completing asks first, without htmx too
    plain = client.post(url("detail_action", laid.task.pk), {"action": "complete"})
    assert plain.status_code == 302 and "ask=open_checklist" in plain["Location"]
    laid.task.refresh_from_db()
    assert laid.task.status == TaskStatus.IN_PROGRESS
    question = html(client.get(plain["Location"]))
    assert 'id="task-open-checklist"' in question and 'name="confirm_checklist"' in question
    plain = client.post(url("detail_action", laid.task.pk), {"action": "complete", "confirm_checklist": "1"})
    assert plain.status_code == 302
    laid.task.refresh_from_db()
    assert laid.task.status == TaskStatus.COMPLETED and laid.task.completed_at is not None


def test_a_transition_that_does_not_apply_shows_an_error(org, laid, creator):
    response = creator.post(url("detail_action", laid.task.pk), {"action": "approve"}, **HTMX)
    assert response.status_code == 200 and "task-error" in html(response)
    laid.task.refresh_from_db()
    assert laid.task.status == TaskStatus.NEW


def test_decline_asks_for_a_reason(org, laid):
    client = page_client(org.field_rep)
    page = html(client.get(url("detail", laid.task.pk)))
    assert 'id="task-action-decline"' in page  # the reason box behind the button
    response = client.post(url("detail_action", laid.task.pk), {"action": "decline", "comment": ""}, **HTMX)
    assert "task-error" in html(response)
    client.post(url("detail_action", laid.task.pk), {"action": "decline", "comment": "No budget"}, **HTMX)
    laid.task.refresh_from_db()
    assert laid.task.status == TaskStatus.DECLINED


def test_control_waits_for_the_creator_who_accepts_or_returns(org):
    task = TaskFactory(
        creator=org.sales_rep,
        responsible=org.field_rep,
        requires_control=True,
        status=TaskStatus.IN_PROGRESS,
    )
    responsible = page_client(org.field_rep)
    responsible.post(url("detail_action", task.pk), {"action": "complete"}, **HTMX)
    task.refresh_from_db()
    assert task.status == TaskStatus.AWAITING_CONTROL
    page = html(responsible.get(url("detail", task.pk)))
    assert 'id="task-control-warning"' in page and org.sales_rep.full_name in page

    creator = page_client(org.sales_rep)
    page = html(creator.get(url("detail", task.pk)))
    assert "waits for your control" in page and _actions(page) == {"approve", "return"}
    no_comment = creator.post(url("detail_action", task.pk), {"action": "return"}, **HTMX)
    assert "task-error" in html(no_comment)
    creator.post(
        url("detail_action", task.pk), {"action": "return", "comment": "The stand is missing"}, **HTMX
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert TaskComment.objects.filter(task=task, body__contains="The stand is missing").exists()


@pytest.mark.parametrize("choice, subtask_status", [("complete", "completed"), ("keep", "new")])
def test_completing_a_parent_with_open_subtasks_asks_first(org, choice, subtask_status):
    parent = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, subtasks_count=1)
    child = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, parent=parent)
    client = page_client(org.field_rep)
    asked = client.post(url("detail_action", parent.pk), {"action": "complete"}, **HTMX)
    assert asked.status_code == 200
    body = html(asked)
    assert 'id="task-open-subtasks"' in body and 'data-open-subtasks="complete"' in body
    assert 'data-open-subtasks="keep"' in body and "task-error" not in body
    parent.refresh_from_db()
    assert parent.status == TaskStatus.NEW  # nothing happened yet

    client.post(url("detail_action", parent.pk), {"action": "complete", "open_subtasks": choice}, **HTMX)
    parent.refresh_from_db()
    child.refresh_from_db()
    assert parent.status == TaskStatus.COMPLETED and child.status == subtask_status


def test_the_open_subtasks_question_without_htmx(org):
    parent = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, subtasks_count=1)
    TaskFactory(creator=org.sales_rep, responsible=org.field_rep, parent=parent)
    response = page_client(org.field_rep).post(
        url("detail_action", parent.pk), {"action": "complete"}, follow=True
    )
    assert 'id="task-open-subtasks"' in html(response)
    assert 'name="action" value="complete"' in html(response)


def test_delete_the_task(org, laid, creator):
    response = creator.post(url("detail_delete", laid.task.pk))
    assert response.status_code == 302 and response["Location"] == reverse("tasks:home")
    assert not Task.objects.filter(pk=laid.task.pk).exists()
    other = lay_task(org)
    response = creator.post(url("detail_delete", other.task.pk), **HTMX)
    assert response["HX-Redirect"] == reverse("tasks:home")


# --- description -----------------------------------------------------------------------------------------


def test_description_is_markdown_and_sanitised(org):
    task = TaskFactory(
        creator=org.sales_rep,
        responsible=org.field_rep,
        description="**Bold** plan <script>alert(1)</script> [x](javascript:alert(2))",
    )
    page = html(page_client(org.field_rep).get(url("detail", task.pk)))
    block = page[page.index('id="task-description"') :]
    assert "<strong>Bold</strong>" in block
    assert "<script>alert" not in page and "javascript:alert" not in page


def test_description_edit_in_place(org, laid, creator):
    response = creator.post(
        url("detail_description", laid.task.pk), {"description": "# Plan\n\n- stand"}, **HTMX
    )
    assert response.status_code == 200 and html(response).startswith("<section")
    assert "<h1>Plan</h1>" in html(response) and "<li>stand</li>" in html(response)
    laid.task.refresh_from_db()
    assert laid.task.description == "# Plan\n\n- stand"
    page = html(page_client(org.east_rep).get(url("detail", laid.task.pk)))
    assert "Edit the description" not in page


# --- people ----------------------------------------------------------------------------------------------


def test_people_are_listed_by_role(org, laid):
    TaskMemberFactory(task=laid.task, user=org.ceo, role=MemberRole.OBSERVER)
    page = html(page_client(org.east_rep).get(url("detail", laid.task.pk)))
    people = page[page.index('id="task-people"') :]
    observers = people[people.index('id="task-observers"') : people.index('id="task-creator"')]
    participants = people[people.index('id="task-participants"') : people.index('id="task-observers"')]
    assert f'data-person="{org.ceo.pk}"' in observers
    assert f'data-person="{org.east_rep.pk}"' in participants
    assert f'data-person="{org.field_rep.pk}"' in people[: people.index('id="task-participants"')]
    assert 'id="task-people-form"' not in people  # only the creator changes people


def test_creator_changes_the_people(org, laid, creator):
    data = {"responsible": org.east_head.pk, "participants": [org.east_rep.pk], "observers": [org.ceo.pk]}
    response = creator.post(url("detail_people", laid.task.pk), data, **HTMX)
    assert response.status_code == 200 and "task-error" not in html(response)
    laid.task.refresh_from_db()
    assert laid.task.responsible == org.east_head
    roles = dict(laid.task.members.values_list("user_id", "role"))
    assert roles == {org.east_rep.pk: MemberRole.PARTICIPANT, org.ceo.pk: MemberRole.OBSERVER}
    assert 'id="task-header" hx-swap-oob="true"' in html(response)


def test_people_errors_change_nothing(org, laid, creator):
    both = {"responsible": org.field_rep.pk, "participants": [org.ceo.pk], "observers": [org.ceo.pk]}
    response = creator.post(url("detail_people", laid.task.pk), both, **HTMX)
    assert "task-error" in html(response)
    nobody = creator.post(url("detail_people", laid.task.pk), {"participants": [org.ceo.pk]}, **HTMX)
    assert "task-error" in html(nobody)
    assert list(laid.task.members.values_list("user_id", flat=True)) == [org.east_rep.pk]


def _picker(body: str, field: str) -> str:
    """The chip picker of the people block's `field` (from its box to the end of the block)."""
    start = body.index(f'data-people-field="{field}"')
    return body[start : body.index("</div>\n        </div>", start)]


def test_people_block_is_made_of_chip_pickers(org, laid, creator):
    TaskMemberFactory(task=laid.task, user=org.ceo, role=MemberRole.OBSERVER)
    body = html(creator.get(url("detail", laid.task.pk)))
    start = body.index('id="task-people-form"')
    people = body[start : body.index("</section>", start)]
    responsible = _picker(people, "responsible")
    assert "data-chip-picker" in responsible and 'data-sources="people"' in responsible
    assert 'data-multiple="0"' in responsible
    assert f'name="responsible" value="{org.field_rep.pk}"' in responsible
    participants, observers = _picker(people, "participants"), _picker(people, "observers")
    assert 'data-multiple="1"' in participants and 'data-multiple="1"' in observers
    assert f'name="participants" value="{org.east_rep.pk}"' in participants
    assert f'name="observers" value="{org.ceo.pk}"' in observers and org.ceo.full_name in observers
    # The chips carry the values; no hand-made search box nor its route is left.
    assert "data-picker-search" not in people and 'type="radio"' not in people
    assert "lumen/chip_picker.js" in body
    assert creator.get(f"/tasks/{laid.task.pk}/people/search/", {"q": "east"}).status_code == 404


def test_people_refused_form_keeps_the_chips(org, laid, creator):
    both = {"responsible": org.east_head.pk, "participants": [org.ceo.pk], "observers": [org.ceo.pk]}
    body = html(creator.post(url("detail_people", laid.task.pk), both, **HTMX))
    assert "task-error" in body and "<details open" in body
    # What was chosen comes back as chips, not the task's people.
    assert f'name="responsible" value="{org.east_head.pk}"' in body
    assert f'name="observers" value="{org.ceo.pk}"' in body
    assert f'name="participants" value="{org.east_rep.pk}"' not in body
    laid.task.refresh_from_db()
    assert laid.task.responsible == org.field_rep


def test_people_forged_id_is_refused(org, laid, creator):
    data = {"responsible": org.field_rep.pk, "observers": [999999]}
    body = html(creator.post(url("detail_people", laid.task.pk), data, **HTMX))
    assert "task-error" in body
    assert list(laid.task.members.values_list("user_id", flat=True)) == [org.east_rep.pk]


# --- dates -----------------------------------------------------------------------------------------------


def test_an_overdue_deadline_is_red(org):
    task = TaskFactory(
        creator=org.sales_rep,
        responsible=org.field_rep,
        deadline=timezone.now() - datetime.timedelta(days=1),
    )
    page = html(page_client(org.field_rep).get(url("detail", task.pk)))
    dates = page[page.index('id="task-dates"') :]
    assert "task-overdue" in dates[: dates.index("</section>")]
    assert 'id="task-overdue"' in page


def test_creator_sets_the_deadline_in_their_time_zone(org, laid, creator):
    org.sales_rep.time_zone = "Europe/Berlin"
    org.sales_rep.save(update_fields=["time_zone"])
    response = creator.post(url("detail_dates", laid.task.pk), {"deadline": "2030-03-04T17:30"}, **HTMX)
    assert response.status_code == 200 and "task-error" not in html(response)
    laid.task.refresh_from_db()
    assert laid.task.deadline == datetime.datetime(2030, 3, 4, 16, 30, tzinfo=datetime.UTC)


def test_responsible_without_the_right_has_no_deadline_box(org, laid):
    client = page_client(org.field_rep)
    page = html(client.get(url("detail", laid.task.pk)))
    assert 'id="task-dates-form"' in page and 'name="deadline"' not in page  # planned dates only
    Task.objects.filter(pk=laid.task.pk).update(allow_change_deadline=True)
    assert 'name="deadline"' in html(client.get(url("detail", laid.task.pk)))
    response = client.post(url("detail_dates", laid.task.pk), {"deadline": "2030-03-04T17:30"}, **HTMX)
    assert "task-error" not in html(response)
    laid.task.refresh_from_db()
    assert laid.task.deadline is not None


def test_planned_dates_in_the_wrong_order_are_refused(org, laid, creator):
    data = {"planned_start": "2030-03-05T09:00", "planned_end": "2030-03-04T09:00"}
    response = creator.post(url("detail_dates", laid.task.pk), data, **HTMX)
    assert "task-error" in html(response)
    laid.task.refresh_from_db()
    assert laid.task.planned_start is None


def _chain(org):
    """A task planned 1-3 March and one planned 4-5 March after it (finish to start)."""
    day = lambda d, h=9: datetime.datetime(2030, 3, d, h, tzinfo=datetime.UTC)  # noqa: E731
    first = TaskFactory(
        creator=org.sales_rep, responsible=org.field_rep, planned_start=day(1), planned_end=day(3)
    )
    second = TaskFactory(
        creator=org.sales_rep, responsible=org.field_rep, planned_start=day(4), planned_end=day(5)
    )
    TaskLinkFactory(predecessor=first, successor=second, kind=LinkKind.FINISH_TO_START)
    return first, second


def test_rescheduling_shifts_the_dependent_tasks(org, creator):
    first, second = _chain(org)
    data = {"planned_end": "2030-03-06T09:00", "dependants": "shift"}
    response = creator.post(url("detail_dates", first.pk), data, **HTMX)
    assert "task-error" not in html(response) and 'id="task-links" hx-swap-oob="true"' in html(response)
    second.refresh_from_db()
    assert second.planned_start >= datetime.datetime(2030, 3, 6, 9, tzinfo=datetime.UTC)
    assert not second.schedule_conflict


def test_rescheduling_may_only_flag_the_dependent_tasks(org, creator):
    first, second = _chain(org)
    creator.post(url("detail_dates", first.pk), {"planned_end": "2030-03-06T09:00", "dependants": "flag"})
    second.refresh_from_db()
    assert second.schedule_conflict
    assert second.planned_start == datetime.datetime(2030, 3, 4, 9, tzinfo=datetime.UTC)
    page = html(creator.get(url("detail", first.pk)))
    links = page[page.index('id="task-links"') :]
    assert "data-conflict" in links[: links.index("</section>")]
    assert 'id="task-schedule-conflict"' in html(creator.get(url("detail", second.pk)))


def test_unchanged_dates_change_nothing(org, creator):
    first, _second = _chain(org)
    creator.post(url("detail_dates", first.pk), {"planned_start": "2030-03-01T09:00", "dependants": "flag"})
    assert not AuditLog.objects.filter(target_id=str(first.pk)).exists()


# --- tags ------------------------------------------------------------------------------------------------


def test_tags_by_name(org, laid):
    client = page_client(org.east_rep)
    response = client.post(url("detail_tags", laid.task.pk), {"tags": "fair, Stand , fair"}, **HTMX)
    assert response.status_code == 200 and "#fair" in html(response) and "#Stand" in html(response)
    assert set(laid.task.tags.values_list("name", flat=True)) == {"fair", "Stand"}
    assert set(Tag.objects.filter(owner=org.east_rep).values_list("name", flat=True)) == {"fair", "Stand"}
    client.post(url("detail_tags", laid.task.pk), {"tags": "Stand"}, **HTMX)
    assert list(laid.task.tags.values_list("name", flat=True)) == ["Stand"]


def test_each_person_sees_and_edits_the_tags_they_may_use(org, laid):
    TaskTagFactory(task=laid.task, tag=TagFactory(owner=org.sales_rep, name="secret-plan"))
    client = page_client(org.east_rep)
    assert "secret-plan" not in html(client.get(url("detail", laid.task.pk)))
    client.post(url("detail_tags", laid.task.pk), {"tags": "mine"})
    assert set(laid.task.tags.values_list("name", flat=True)) == {"mine", "secret-plan"}
    assert "secret-plan" in html(page_client(org.sales_rep).get(url("detail", laid.task.pk)))


def test_a_shared_tag_of_the_tasks_group_is_reused(org):
    from tests.groups.factories import MembershipFactory, WorkgroupFactory

    group = WorkgroupFactory(visibility="closed")
    MembershipFactory(group=group, user=org.field_rep)
    shared = TagFactory(owner=None, group=group, name="Release")
    task = TaskFactory(creator=org.field_rep, responsible=org.field_rep, group=group)
    page_client(org.field_rep).post(url("detail_tags", task.pk), {"tags": "release"})
    assert list(task.tags.all()) == [shared]


def test_tag_errors_show_in_the_block(org, laid):
    response = page_client(org.east_rep).post(url("detail_tags", laid.task.pk), {"tags": "x" * 61}, **HTMX)
    assert "task-error" in html(response)
    assert not laid.task.tags.exists()


# --- rules -----------------------------------------------------------------------------------------------


def test_creator_changes_the_rules(org, laid, creator):
    data = {"priority": "high", "allow_change_deadline": "on", "requires_control": "on"}
    response = creator.post(url("detail_rules", laid.task.pk), data, **HTMX)
    assert response.status_code == 200 and 'data-rule="requires_control" data-on="1"' in html(response)
    assert 'id="task-header" hx-swap-oob="true"' in html(response) and 'id="task-priority"' in html(response)
    laid.task.refresh_from_db()
    assert laid.task.priority == "high" and laid.task.requires_control and laid.task.allow_change_deadline
    assert not laid.task.deadline_in_work_hours
    response = creator.post(url("detail_rules", laid.task.pk), {"priority": "urgent"}, **HTMX)
    assert "task-error" in html(response)


# --- time ------------------------------------------------------------------------------------------------


def test_timer_start_and_stop(org, laid):
    client = page_client(org.east_rep)
    response = client.post(url("detail_timer_start", laid.task.pk), **HTMX)
    assert 'id="task-timer-stop"' in html(response)
    entry = TimeEntry.objects.get(task=laid.task, user=org.east_rep, ended_at__isnull=True)
    TimeEntry.objects.filter(pk=entry.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=30))
    response = client.post(url("detail_timer_stop", laid.task.pk), **HTMX)
    assert 'id="task-timer-start"' in html(response)
    entry.refresh_from_db()
    assert entry.ended_at is not None and entry.seconds >= 30 * 60


def test_a_timer_running_elsewhere_is_mentioned(org, laid):
    services.timer_start(actor=org.east_rep, task=laid.other)
    page = html(page_client(org.east_rep).get(url("detail", laid.task.pk)))
    assert 'id="task-timer-elsewhere"' in page and "Order the brochures" in page


def test_manual_time_with_totals_per_person(org, laid):
    client = page_client(org.field_rep)
    response = client.post(
        url("detail_time_add", laid.task.pk), {"hours": "1", "minutes": "30", "comment": "Calls"}, **HTMX
    )
    body = html(response)
    assert "task-error" not in body and "Calls" in body
    totals = body[body.index('id="task-time-totals"') : body.index('id="task-time-entries"')]
    assert f'data-user="{org.field_rep.pk}"' in totals and "1 h 30 min" in totals
    assert f'data-user="{org.east_rep.pk}"' in totals and "1 h 00 min" in totals
    laid.task.refresh_from_db()
    assert laid.task.time_spent == 3600 + 5400


def test_manual_time_errors_keep_the_input(org, laid):
    client = page_client(org.field_rep)
    response = client.post(url("detail_time_add", laid.task.pk), {"hours": "0", "comment": "Nothing"}, **HTMX)
    assert "task-error" in html(response) and 'value="Nothing"' in html(response)
    assert TimeEntry.objects.filter(task=laid.task).count() == 1


def test_delete_own_time_entry(org, laid):
    client = page_client(org.east_rep)
    page = html(client.get(url("detail", laid.task.pk)))
    assert url("detail_time_delete", laid.task.pk, laid.entry.pk) in page
    client.post(url("detail_time_delete", laid.task.pk, laid.entry.pk), **HTMX)
    assert not TimeEntry.objects.filter(pk=laid.entry.pk).exists()
    laid.task.refresh_from_db()
    assert laid.task.time_spent == 0


def test_estimate_and_the_over_estimate_warning(org, laid, creator):
    creator.post(url("detail_estimate", laid.task.pk), {"hours": "2", "minutes": "0"}, **HTMX)
    laid.task.refresh_from_db()
    assert laid.task.time_estimate == 7200
    page = html(creator.get(url("detail", laid.task.pk)))
    assert 'id="task-over-estimate"' not in page
    response = creator.post(url("detail_estimate", laid.task.pk), {"hours": "0", "minutes": "30"}, **HTMX)
    assert 'id="task-over-estimate"' in html(response)
    creator.post(url("detail_estimate", laid.task.pk), {"hours": "", "minutes": ""}, **HTMX)
    laid.task.refresh_from_db()
    assert laid.task.time_estimate is None


# --- subtasks --------------------------------------------------------------------------------------------


def test_subtasks_with_progress_and_add_link(org, laid):
    TaskFactory(
        creator=org.sales_rep,
        responsible=org.field_rep,
        parent=laid.task,
        title="Done part",
        status="completed",
    )
    TaskFactory(
        creator=org.sales_rep,
        responsible=org.field_rep,
        parent=laid.task,
        title="Late part",
        schedule_conflict=True,
    )
    Task.objects.filter(pk=laid.task.pk).update(subtasks_count=2, subtasks_done=1)
    page = html(page_client(org.sales_rep).get(url("detail", laid.task.pk)))
    block = page[page.index('id="task-subtasks"') :]
    block = block[: block.index("</section>")]
    assert "Done part" in block and "Late part" in block
    assert 'aria-valuenow="50"' in block and "1 of 2 subtasks" in block
    assert reverse("tasks:create") + f"?parent={laid.task.pk}" in block
    assert "data-conflict" in block


def test_subtasks_are_listed_to_who_sees_them(org, laid):
    """A subtask has its own people: a participant of the parent does not see it unless involved."""
    TaskFactory(creator=org.sales_rep, responsible=org.field_rep, parent=laid.task, title="Private part")
    Task.objects.filter(pk=laid.task.pk).update(subtasks_count=1)  # as the services keep it
    assert "Private part" not in html(page_client(org.east_rep).get(url("detail", laid.task.pk)))
    assert "Private part" in html(page_client(org.sales_head).get(url("detail", laid.task.pk)))


# --- links -----------------------------------------------------------------------------------------------


def test_links_before_and_after(org, laid, creator):
    response = creator.post(
        url("detail_link_add", laid.task.pk),
        {"other": laid.spare.pk, "direction": "after", "kind": "ss"},
        **HTMX,
    )
    body = html(response)
    assert "task-error" not in body and "Invite the clients" in body
    assert TaskLink.objects.filter(predecessor=laid.task, successor=laid.spare, kind="ss").exists()
    before = body[body.index('data-links="before"') : body.index('data-links="after"')]
    assert "Order the brochures" in before and "FS" in before


def test_a_link_closing_a_circle_is_refused(org, laid, creator):
    response = creator.post(
        url("detail_link_add", laid.task.pk),
        {"other": laid.other.pk, "direction": "after", "kind": "fs"},
        **HTMX,
    )
    assert "task-error" in html(response)
    assert f'value="{laid.other.pk}"' in html(response)  # the form keeps what was typed
    assert TaskLink.objects.count() == 1


def test_linking_a_hidden_task_says_there_is_none(org, laid, creator):
    hidden = TaskFactory(creator=org.developer, responsible=org.developer)
    response = creator.post(
        url("detail_link_add", laid.task.pk),
        {"other": hidden.pk, "direction": "before", "kind": "fs"},
        **HTMX,
    )
    assert "task-error" in html(response) and f"#{hidden.pk}" in html(response)
    assert not TaskLink.objects.filter(predecessor=hidden).exists()


def test_remove_a_link(org, laid, creator):
    creator.post(url("detail_link_delete", laid.task.pk, laid.link.pk), **HTMX)
    assert not TaskLink.objects.filter(pk=laid.link.pk).exists()


def test_a_link_of_another_task_is_not_found_here(org, laid, creator):
    elsewhere = TaskLinkFactory(predecessor=laid.other, successor=laid.spare)
    assert creator.post(url("detail_link_delete", laid.task.pk, elsewhere.pk)).status_code == 404


def test_the_link_form_picks_the_task_with_the_chip_picker(org, laid, creator):
    """The task to link is a chip of core's picker ("tasks" lookup), not a number typed in a box."""
    page = html(creator.get(url("detail", laid.task.pk)))
    links = page[page.index('id="task-link-form"') :]
    links = links[: links.index("</form>")]
    assert "data-chip-picker" in links and 'data-sources="tasks"' in links and 'data-multiple="0"' in links
    assert 'id="task-link-other" role="combobox"' in links and 'for="task-link-other"' in links
    assert 'type="number"' not in links and "data-picker-search" not in links
    assert "lumen/chip_picker.js" in page


def test_a_refused_link_keeps_the_chosen_task_and_names_no_hidden_one(org, laid, creator):
    hidden = TaskFactory(creator=org.developer, responsible=org.developer, title="Secret merger")
    for other, shown in ((laid.other, laid.other.title), (hidden, f"#{hidden.pk}")):
        response = creator.post(
            url("detail_link_add", laid.task.pk), {"other": other.pk, "direction": "up", "kind": "fs"}, **HTMX
        )
        body = html(response)
        assert "task-error" in body  # "up" is no direction: the form comes back with the task still chosen
        assert f'<input type="hidden" name="other" value="{other.pk}">' in body and shown in body
    assert "Secret merger" not in body


# --- checklist -------------------------------------------------------------------------------------------


def test_checklist_add_edit_delete(org, laid):
    client = page_client(org.field_rep)
    response = client.post(
        url("detail_checklist_add", laid.task.pk),
        {"text": "Print badges", "assignee": org.east_rep.pk},
        **HTMX,
    )
    assert response.status_code == 200 and "Print badges" in html(response)
    item = ChecklistItem.objects.get(task=laid.task, text="Print badges")
    assert item.assignee == org.east_rep and item.position > laid.item.position
    client.post(url("detail_checklist_edit", laid.task.pk, item.pk), {"text": "Print 50 badges"}, **HTMX)
    item.refresh_from_db()
    assert item.text == "Print 50 badges" and item.assignee is None
    client.post(url("detail_checklist_delete", laid.task.pk, item.pk), **HTMX)
    assert not ChecklistItem.objects.filter(pk=item.pk).exists()


def test_checklist_errors_show_in_the_block(org, laid):
    response = page_client(org.field_rep).post(
        url("detail_checklist_add", laid.task.pk), {"text": ""}, **HTMX
    )
    assert "task-error" in html(response)
    assert ChecklistItem.objects.filter(task=laid.task).count() == 1


def test_participants_tick_items(org, laid):
    client = page_client(org.east_rep)
    page = html(client.get(url("detail", laid.task.pk)))
    assert url("detail_checklist_toggle", laid.task.pk, laid.item.pk) in page
    assert 'id="task-checklist-form"' not in page  # participants tick, they do not add
    response = client.post(url("detail_checklist_toggle", laid.task.pk, laid.item.pk), {"done": "1"}, **HTMX)
    assert "text-decoration-line-through" in html(response)
    laid.item.refresh_from_db()
    assert laid.item.is_done and laid.item.done_by == org.east_rep
    client.post(url("detail_checklist_toggle", laid.task.pk, laid.item.pk), {"done": "1"}, **HTMX)
    laid.item.refresh_from_db()
    assert laid.item.is_done  # the posted state, not a flip: a double click does no harm
    client.post(url("detail_checklist_toggle", laid.task.pk, laid.item.pk), {"done": "0"}, **HTMX)
    laid.item.refresh_from_db()
    assert not laid.item.is_done


def test_observers_see_the_checklist_without_boxes(org, laid):
    TaskMemberFactory(task=laid.task, user=org.ceo, role=MemberRole.OBSERVER)
    page = html(page_client(org.ceo).get(url("detail", laid.task.pk)))
    assert "Book the stand" in page
    assert url("detail_checklist_toggle", laid.task.pk, laid.item.pk) not in page


def test_checklist_reorder_by_drag_or_buttons(org, laid):
    second = ChecklistItemFactory(task=laid.task, text="Ship the boxes", position=1)
    third = ChecklistItemFactory(task=laid.task, text="Call the hall", position=2)
    Task.objects.filter(pk=laid.task.pk).update(checklist_count=3)
    client = page_client(org.field_rep)
    page = html(client.get(url("detail", laid.task.pk)))
    assert "data-checklist-sortable" in page
    assert f'name="order" value="{second.pk},{laid.item.pk},{third.pk}"' in page  # "move up" of the second
    response = client.post(
        url("detail_checklist_reorder", laid.task.pk), {"item": [third.pk, laid.item.pk, second.pk]}, **HTMX
    )
    body = html(response)
    assert body.index("Call the hall") < body.index("Book the stand") < body.index("Ship the boxes")
    client.post(
        url("detail_checklist_reorder", laid.task.pk), {"order": f"{laid.item.pk},{third.pk},{second.pk}"}
    )
    order = list(
        ChecklistItem.objects.filter(task=laid.task).order_by("position").values_list("pk", flat=True)
    )
    assert order == [laid.item.pk, third.pk, second.pk]
    wrong = client.post(url("detail_checklist_reorder", laid.task.pk), {"order": f"{laid.item.pk}"}, **HTMX)
    assert "task-error" in html(wrong)
    junk = client.post(url("detail_checklist_reorder", laid.task.pk), {"order": "a,b"}, **HTMX)
    assert "task-error" in html(junk)


def test_a_checklist_item_of_another_task_is_not_found_here(org, laid):
    elsewhere = ChecklistItemFactory(task=laid.other)
    client = page_client(org.field_rep)
    assert client.post(url("detail_checklist_toggle", laid.task.pk, elsewhere.pk)).status_code == 404


# --- files -----------------------------------------------------------------------------------------------


def test_upload_download_delete_a_file(org, laid):
    client = page_client(org.east_rep)
    upload = SimpleUploadedFile("agenda.txt", b"10:00 opening", content_type="text/plain")
    response = client.post(url("detail_file_upload", laid.task.pk), {"file": upload}, **HTMX)
    assert response.status_code == 200 and "agenda.txt" in html(response)
    stored = TaskFile.objects.get(task=laid.task, name="agenda.txt")
    download = client.get(url("detail_file_download", laid.task.pk, stored.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"10:00 opening"
    assert (
        "attachment" in download["Content-Disposition"] and download["Cache-Control"] == "private, no-store"
    )
    client.post(url("detail_file_delete", laid.task.pk, stored.pk), **HTMX)
    assert not TaskFile.objects.filter(pk=stored.pk).exists()


def test_file_errors_show_in_the_block(org, laid):
    client = page_client(org.east_rep)
    response = client.post(url("detail_file_upload", laid.task.pk), {}, **HTMX)
    assert "task-error" in html(response)
    empty = SimpleUploadedFile("empty.txt", b"", content_type="text/plain")
    response = client.post(url("detail_file_upload", laid.task.pk), {"file": empty}, **HTMX)
    assert "task-error" in html(response)
    assert TaskFile.objects.filter(task=laid.task).count() == 1


def test_files_are_hidden_with_their_task(org, laid):
    address = url("detail_file_download", laid.task.pk, laid.file.pk)
    assert page_client(org.developer).get(address).status_code == 404
    assert page_client(org.sales_head).get(address).status_code == 200
    mismatched = url("detail_file_download", laid.other.pk, laid.file.pk)
    assert page_client(org.east_rep).get(mismatched).status_code == 404


def test_only_uploader_or_creator_sees_the_delete_button(org, laid):
    delete = url("detail_file_delete", laid.task.pk, laid.file.pk)
    assert delete in html(page_client(org.field_rep).get(url("detail", laid.task.pk)))
    assert delete in html(page_client(org.sales_rep).get(url("detail", laid.task.pk)))
    assert delete not in html(page_client(org.east_rep).get(url("detail", laid.task.pk)))


# --- comments --------------------------------------------------------------------------------------------


def test_add_a_comment_with_a_mention(org, laid):
    client = page_client(org.sales_head)  # a supervisor comments too
    body = f"Thanks @[{org.east_rep.full_name}](user:{org.east_rep.pk})!"
    response = client.post(url("detail_comment_add", laid.task.pk), {"body": body}, **HTMX)
    assert response.status_code == 200
    page = html(response)
    assert f'class="lumen-mention" href="{reverse("people:profile", args=[org.east_rep.pk])}"' in page
    assert TaskComment.objects.filter(task=laid.task, author=org.sales_head).exists()


def test_comment_errors_keep_the_text(org, laid):
    client = page_client(org.east_rep)
    response = client.post(url("detail_comment_add", laid.task.pk), {"body": ""}, **HTMX)
    assert "task-error" in html(response)
    long = "x" * 10_001
    response = client.post(url("detail_comment_add", laid.task.pk), {"body": long}, **HTMX)
    assert "task-error" in html(response) and long in html(response)
    assert TaskComment.objects.filter(task=laid.task).count() == 1


def test_edit_and_delete_own_comment(org, laid):
    client = page_client(org.east_rep)
    page = html(client.get(url("detail", laid.task.pk)))
    assert url("detail_comment_edit", laid.task.pk, laid.comment.pk) in page
    response = client.post(
        url("detail_comment_edit", laid.task.pk, laid.comment.pk), {"body": "Changed"}, **HTMX
    )
    assert "Changed" in html(response) and "edited" in html(response)
    client.post(url("detail_comment_delete", laid.task.pk, laid.comment.pk), **HTMX)
    assert not TaskComment.objects.filter(pk=laid.comment.pk).exists()


def test_others_do_not_get_the_edit_form(org, laid):
    page = html(page_client(org.sales_head).get(url("detail", laid.task.pk)))
    assert url("detail_comment_edit", laid.task.pk, laid.comment.pk) not in page
    assert url("detail_comment_delete", laid.task.pk, laid.comment.pk) not in page
    creator_page = html(page_client(org.sales_rep).get(url("detail", laid.task.pk)))
    assert url("detail_comment_delete", laid.task.pk, laid.comment.pk) in creator_page


def test_only_the_latest_comments_until_asked_for_all(org, laid, monkeypatch):
    from tasks.views import task_page

    monkeypatch.setattr(task_page, "COMMENTS_SHOWN", 2)
    base = timezone.now()
    for n in range(3):
        TaskCommentFactory(
            task=laid.task,
            author=org.east_rep,
            body=f"Later {n}",
            created_at=base + datetime.timedelta(minutes=n),
        )
    Task.objects.filter(pk=laid.task.pk).update(comments_count=4)
    client = page_client(org.east_rep)
    page = html(client.get(url("detail", laid.task.pk)))
    assert "Later 1" in page and "Later 2" in page and "Later 0" not in page
    assert 'id="task-comments-all"' in page and "Show 2 earlier comments" in page
    everything = html(client.get(url("detail_block", laid.task.pk, "comments"), {"comments": "all"}, **HTMX))
    assert "I can help with the stand." in everything and "Later 0" in everything
    assert everything.index("Later 0") < everything.index("Later 2")


# --- history ---------------------------------------------------------------------------------------------


def test_history_shows_old_and_new_values(org, laid, creator):
    creator.post(url("detail_title", laid.task.pk), {"title": "Prepare the big fair"})
    creator.post(url("detail_rules", laid.task.pk), {"priority": "high"})
    page = html(page_client(org.east_rep).get(url("detail", laid.task.pk)))
    history = page[page.index('id="task-history"') :]
    assert "title: Prepare the fair → Prepare the big fair" in history
    assert "priority: Normal → High" in history
    assert org.sales_rep.full_name in history


def test_history_shows_dates_choices_and_times_for_the_reader(org, laid):
    """The history reads like the rest of the page: dates in the reader's time zone and short format,
    labels instead of stored keys, durations instead of seconds."""
    task = laid.task
    services.task_update(
        actor=org.sales_rep,
        task=task,
        deadline=datetime.datetime(2026, 12, 6, 18, 0, tzinfo=datetime.UTC),
        time_estimate=5400,
        requires_control=True,
    )
    services.link_create(
        actor=org.sales_rep, predecessor=task, successor=laid.spare, kind=LinkKind.FINISH_TO_START
    )
    services.task_transition(actor=org.field_rep, task=task, action="start")
    org.east_rep.time_zone = "Asia/Tokyo"
    org.east_rep.save(update_fields=["time_zone"])
    page = html(page_client(org.east_rep).get(url("detail", task.pk)))
    history = page[page.index('id="task-history"') :]
    assert "deadline: — → 12/07/2026 3 a.m." in history  # 18:00 UTC is 03:00 the next day in Tokyo
    assert "time estimate: — → 1 h 30 min" in history
    assert "task requires my control after completion: No → Yes" in history
    assert "link kind: Finish to start" in history
    assert "status: New → In progress" in history and "action: Started work" in history
    shown = re.sub(r'datetime="[^"]*"', "", history)  # the machine-readable stamp may hold any digits
    for raw in ("+00:00", ": fs", "in_progress", "5400", "False"):
        assert raw not in shown, raw


def test_history_and_duration_helpers():
    from types import SimpleNamespace

    from tasks.templatetags.tasks_tags import duration, history_action, history_lines

    assert (
        duration(0) == "0 min" and duration(59 * 60) == "59 min" and duration(3600 + 5 * 60) == "1 h 05 min"
    )
    assert str(history_action("task.status")) == "changed the status"
    assert history_action("task.something_new") == "something new"
    row = SimpleNamespace(
        changes={
            "responsible": [{"id": 1, "repr": "Ann"}, {"id": 2, "repr": "Bob"}],
            "requires_control": [False, True],
            "status": ["new", "in_progress"],
            "deadline": [None, "2030-01-01"],
            "title": "Created as this",
        }
    )
    lines = {line["field"]: line for line in history_lines(row)}
    assert (lines["responsible person"]["old"], lines["responsible person"]["new"]) == ("Ann", "Bob")
    assert (lines["task requires my control after completion"]["new"]) == "Yes"
    assert (lines["status"]["old"], lines["status"]["new"]) == ("New", "In progress")
    assert lines["deadline"]["old"] == "—"
    assert lines["title"]["pair"] is False and lines["title"]["new"] == "Created as this"
    assert history_lines(SimpleNamespace(changes=None)) == []


# --- in a real browser -----------------------------------------------------------------------------------


def test_the_page_works_in_a_browser(page, live_server, login, screenshot, org):
    """htmx swaps the blocks in place: tick an item, add one, comment, and complete a parent (which asks
    about its open subtask first); dragging an item reorders the checklist."""
    laid = lay_task(org, description="## Plan\n\n1. Book the stand\n2. **Print** the flyers")
    second = ChecklistItemFactory(task=laid.task, text="Ship the boxes", position=1)
    Task.objects.filter(pk=laid.task.pk).update(checklist_count=2, subtasks_count=1)
    child = TaskFactory(
        creator=org.sales_rep, responsible=org.field_rep, parent=laid.task, title="Hire a van"
    )
    login(page, live_server, org.field_rep.email, "pass-word-123")
    page.goto(live_server.url + url("detail", laid.task.pk))
    screenshot("task-page")

    item = page.locator(f'[data-item="{laid.item.pk}"]')
    item.locator("[data-toggle-item]").check()
    item = page.locator(f'[data-item="{laid.item.pk}"]')
    item.locator(".text-decoration-line-through").wait_for()
    htmx_settled(page)  # the swapped-in checklist posts through htmx (and can be dragged) once settled
    laid.item.refresh_from_db()
    assert laid.item.is_done

    page.fill("#task-checklist-form input[name=text]", "Call the hall")
    page.click("#task-checklist-form button[type=submit]")
    page.locator("#task-checklist", has_text="Call the hall").wait_for()
    htmx_settled(page)

    handle = page.locator(f'[data-item="{second.pk}"] .task-drag-handle')
    # The drop moves the item at once; the new order is saved by the request it sends (wait for its answer).
    with page.expect_response(lambda response: "/checklist/reorder/" in response.url):
        handle.drag_to(page.locator(f'[data-item="{laid.item.pk}"] .task-drag-handle'))
    page.wait_for_function(
        f"() => document.querySelector('#task-checklist-items [data-item]').dataset.item === '{second.pk}'"
    )
    htmx_settled(page)
    first = ChecklistItem.objects.filter(task=laid.task).order_by("position", "id").first()
    assert first.pk == second.pk

    page.fill("#task-comment-form textarea[name=body]", "The van is booked.")
    page.click("#task-comment-form button[type=submit]")
    page.locator("#task-comment-list", has_text="The van is booked.").wait_for()

    page.click('#task-actions [data-action="complete"]')
    # Open checklist items: the page asks first, naming how many; then the open subtasks.
    page.locator("#task-open-checklist").wait_for()
    htmx_settled(page)
    assert "checklist item" in page.inner_text("#task-open-checklist")
    screenshot("task-page-open-checklist")
    page.click('#task-open-checklist [data-confirm-checklist="1"]')
    page.locator("#task-open-subtasks").wait_for()
    htmx_settled(page)
    screenshot("task-page-open-subtasks")
    page.click('[data-open-subtasks="complete"]')
    page.locator('#task-status [data-status="completed"]').wait_for()
    child.refresh_from_db()
    assert child.status == TaskStatus.COMPLETED
    screenshot("task-page-completed")
