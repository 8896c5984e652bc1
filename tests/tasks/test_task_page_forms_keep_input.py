"""The in-place forms of the task page: a refused form comes back with what the person typed and the error
next to it, through htmx (the block) and without it (the whole page, not a redirect that would lose it), and
nothing is saved."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks.models import ChecklistItem, TaskComment, TaskFile, TaskLink, TimeEntry
from tests.tasks.detail_setup import HTMX, lay_task, page_client
from tests.tasks.factories import TaskFactory


def url(name: str, *args) -> str:
    return reverse(f"tasks:{name}", args=args)


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def form_of(page: str, form_id: str) -> str:
    """The markup of the form with this id (to check the values are in that form, not elsewhere)."""
    match = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, flags=re.S)
    assert match, f"no form #{form_id}"
    return match.group(0)


def form_at(page: str, action: str) -> str:
    match = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', page, flags=re.S)
    assert match, f"no form posting to {action}"
    return match.group(0)


def error_box(text: str) -> str:
    return f'task-error" role="alert">{text}'


@pytest.fixture
def laid(org):
    return lay_task(org)


@pytest.fixture
def creator(org):
    return page_client(org.sales_rep)


# Both ways of posting: htmx answers with the block, a plain post with the whole page.
WAYS = pytest.mark.parametrize("way", [HTMX, {}], ids=["htmx", "plain"])


# --- dates -----------------------------------------------------------------------------------------------


@WAYS
def test_dates_in_the_wrong_order_keep_what_was_typed(org, laid, creator, way):
    data = {
        "deadline": "2030-03-06T18:00",
        "planned_start": "2030-03-05T09:00",
        "planned_end": "2030-03-04T09:00",
        "dependants": "flag",
    }
    page = html(creator.post(url("detail_dates", laid.task.pk), data, **way))
    form = form_of(page, "task-dates-form")
    assert 'name="deadline" id="task-deadline-input" value="2030-03-06T18:00"' in form
    assert 'name="planned_start" id="task-planned-start-input" value="2030-03-05T09:00"' in form
    assert 'name="planned_end" id="task-planned-end-input" value="2030-03-04T09:00"' in form
    assert 'value="flag" id="task-dependants-flag" checked' in form
    assert 'value="shift" id="task-dependants-shift" checked' not in form
    assert error_box("The planned end cannot be before the planned start.") in form  # next to the inputs
    laid.task.refresh_from_db()
    assert laid.task.planned_start is None and laid.task.deadline is None


@WAYS
def test_a_date_that_is_no_date_is_kept_too(org, laid, creator, way):
    page = html(creator.post(url("detail_dates", laid.task.pk), {"deadline": "next friday"}, **way))
    form = form_of(page, "task-dates-form")
    assert 'value="next friday"' in form and "Enter a valid date/time." in form


# --- description ---------------------------------------------------------------------------------------


@WAYS
def test_a_too_long_description_is_kept(org, laid, creator, way):
    text = "Long *notes* <b>and</b> more " + "x" * 100_000
    page = html(creator.post(url("detail_description", laid.task.pk), {"description": text}, **way))
    assert "Long *notes* &lt;b&gt;and&lt;/b&gt; more xxx" in page  # in the editor, escaped
    assert "The description is too long" in page
    assert re.search(r"<details class=\"mt-2\" open>\s*<summary[^>]*>Edit the description", page)
    laid.task.refresh_from_db()
    assert laid.task.description != text


# --- rules ---------------------------------------------------------------------------------------------


@WAYS
def test_refused_rules_keep_the_boxes_as_ticked(org, laid, creator, way):
    assert not laid.task.requires_control
    data = {"priority": "urgent", "requires_control": "on", "deadline_in_work_hours": "on"}
    page = html(creator.post(url("detail_rules", laid.task.pk), data, **way))
    form = form_of(page, "task-rules-form")
    assert 'id="task-rule-rc" checked' in form and 'id="task-rule-wh" checked' in form
    assert 'id="task-rule-acd" checked' not in form
    assert "Priority: Select a valid choice." in form
    laid.task.refresh_from_db()
    assert not laid.task.requires_control


# --- checklist -----------------------------------------------------------------------------------------


@WAYS
def test_a_refused_new_item_keeps_its_text_and_assignee(org, laid, way):
    client = page_client(org.field_rep)  # the responsible person manages the checklist
    text = "Print the badges " + "y" * 500
    data = {"text": text, "assignee": org.east_rep.pk}
    page = html(client.post(url("detail_checklist_add", laid.task.pk), data, **way))
    form = form_of(page, "task-checklist-form")
    assert f'value="{text}"' in form
    assert f'<option value="{org.east_rep.pk}" selected>' in form
    assert "at most 500 characters" in page
    assert ChecklistItem.objects.filter(task=laid.task).count() == 1


@WAYS
def test_a_refused_item_edit_keeps_the_text_in_that_items_form(org, laid, way):
    client = page_client(org.field_rep)
    text = "Book the bigger stand " + "z" * 500
    address = url("detail_checklist_edit", laid.task.pk, laid.item.pk)
    page = html(client.post(address, {"text": text, "assignee": org.field_rep.pk}, **way))
    form = form_at(page, address)
    assert f'value="{text}"' in form and f'<option value="{org.field_rep.pk}" selected>' in form
    assert "at most 500 characters" in form  # the error sits in the item's form
    assert re.search(r'<details class="task-item-edit d-inline ms-1" open>\s*<summary', page)
    laid.item.refresh_from_db()
    assert laid.item.text == "Book the stand"


# --- comments ------------------------------------------------------------------------------------------


@WAYS
def test_a_refused_new_comment_keeps_its_text(org, laid, way):
    body = "Let us meet <at> 10 " + "c" * 10_000
    page = html(
        page_client(org.east_rep).post(url("detail_comment_add", laid.task.pk), {"body": body}, **way)
    )
    form = form_of(page, "task-comment-form")
    assert "Let us meet &lt;at&gt; 10 ccc" in form
    assert "at most 10000 characters" in page
    assert TaskComment.objects.filter(task=laid.task).count() == 1


@WAYS
def test_a_refused_comment_edit_keeps_the_new_text(org, laid, way):
    body = "Edited: " + "e" * 10_001
    address = url("detail_comment_edit", laid.task.pk, laid.comment.pk)
    page = html(page_client(org.east_rep).post(address, {"body": body}, **way))
    form = form_at(page, address)
    assert body in form and "at most 10000 characters" in form
    laid.comment.refresh_from_db()
    assert laid.comment.body == "I can help with the stand."


def test_an_early_comment_edited_from_the_whole_list_stays_in_sight(org, laid, monkeypatch):
    from tasks.views import task_page

    monkeypatch.setattr(task_page, "COMMENTS_SHOWN", 1)
    later = TaskComment.objects.create(task=laid.task, author=org.east_rep, body="Later")
    client = page_client(org.east_rep)
    listed = html(client.get(url("detail_block", laid.task.pk, "comments") + "?comments=all", **HTMX))
    address = url("detail_comment_edit", laid.task.pk, laid.comment.pk)
    assert '<input type="hidden" name="comments" value="all">' in form_at(listed, address)
    page = html(client.post(address, {"body": "", "comments": "all"}, **HTMX))
    assert "This field is required." in form_at(page, address)
    assert f'data-comment="{later.pk}"' in page


# --- links ---------------------------------------------------------------------------------------------


@WAYS
def test_a_link_to_a_hidden_task_keeps_the_choices(org, laid, creator, way):
    hidden = TaskFactory(creator=org.developer, responsible=org.developer)
    data = {"other": hidden.pk, "direction": "after", "kind": "ss"}
    page = html(creator.post(url("detail_link_add", laid.task.pk), data, **way))
    form = form_of(page, "task-link-form")
    assert f'value="{hidden.pk}"' in form
    assert '<option value="after" selected>' in form and '<option value="ss" selected>' in form
    assert f"There is no task #{hidden.pk} you can see." in form
    assert TaskLink.objects.count() == 1


# --- time ----------------------------------------------------------------------------------------------


@WAYS
def test_refused_time_keeps_hours_minutes_and_comment(org, laid, way):
    data = {"hours": "2", "minutes": "75", "comment": "Calls & mails"}
    page = html(page_client(org.field_rep).post(url("detail_time_add", laid.task.pk), data, **way))
    form = form_of(page, "task-time-form")
    assert 'name="hours" min="0" max="10000" value="2"' in form
    assert 'name="minutes" min="0" max="59" value="75"' in form
    assert 'value="Calls &amp; mails"' in form
    assert "Minutes: Ensure this value is less than or equal to 59." in form
    assert TimeEntry.objects.filter(task=laid.task).count() == 1


@WAYS
def test_a_refused_estimate_keeps_what_was_typed(org, laid, creator, way):
    page = html(creator.post(url("detail_estimate", laid.task.pk), {"hours": "3", "minutes": "90"}, **way))
    form = form_of(page, "task-estimate-form")
    assert 'value="3"' in form and 'value="90"' in form
    assert re.search(r'<details class="mt-2" open>\s*<summary class="link-primary">Estimate</summary>\s*'
                     r'<div class="mt-2"><div class="alert[^"]*task-error" role="alert">Minutes:', page)  # fmt: skip
    laid.task.refresh_from_db()
    assert laid.task.time_estimate is None


# --- files ---------------------------------------------------------------------------------------------


@WAYS
def test_a_refused_file_shows_the_error_by_the_upload_form(org, laid, way):
    """A browser cannot put a chosen file back into a file input: the error stands right above it."""
    empty = SimpleUploadedFile("empty.txt", b"", content_type="text/plain")
    page = html(
        page_client(org.east_rep).post(url("detail_file_upload", laid.task.pk), {"file": empty}, **way)
    )
    error = page.index("task-error")
    assert page.index('id="task-file-list"') < error < page.index('id="task-file-form"')
    assert TaskFile.objects.filter(task=laid.task).count() == 1


# --- tags ----------------------------------------------------------------------------------------------


def test_refused_tags_keep_what_was_typed(org, laid):
    typed = "fair, " + "x" * 61
    page = html(page_client(org.east_rep).post(url("detail_tags", laid.task.pk), {"tags": typed}, **HTMX))
    assert f'name="tags" value="{typed}"' in page and "task-error" in page
    assert not laid.task.tags.exists()


def test_refused_tags_without_htmx_come_back_in_the_page(org, laid):
    """The tags block shows the page's messages (its template reads no page errors)."""
    typed = "fair, " + "x" * 61
    page = html(page_client(org.east_rep).post(url("detail_tags", laid.task.pk), {"tags": typed}))
    assert f'name="tags" value="{typed}"' in page and "alert-danger" in page


# --- the plain page ------------------------------------------------------------------------------------


def test_a_plain_post_shows_the_error_in_its_block_only(org, laid, creator):
    data = {"planned_start": "2030-03-05T09:00", "planned_end": "2030-03-04T09:00"}
    page = html(creator.post(url("detail_dates", laid.task.pk), data))
    assert page.count("task-error") == 1
    assert 'id="task-page"' in page  # the whole page, with every block
    ok = creator.post(url("detail_dates", laid.task.pk), {"deadline": "2030-03-06T18:00"})
    assert ok.status_code == 302  # a write that went through still goes back to the page
