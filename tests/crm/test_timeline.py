"""The timeline: every kind of entry rendered readably, keyset paging, the composer (posting, errors in place),
comments edited and deleted by their author only, and a query budget that does not grow with the entries."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.choices import ActivityKind, TimelineKind
from crm.models import Activity, TimelineEntry
from crm.services import activities as activity_services
from crm.services import files as file_services
from crm.services.timeline import timeline_add, timeline_comment_add, timeline_fields_changed
from tests.crm.factories import ContactFactory, DealFactory, LeadFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def deal(org):
    return DealFactory(responsible=org.east_rep, contact=ContactFactory(responsible=org.east_rep))


def _get(user, deal, **params):
    return client_as(user).get(reverse("crm:timeline", args=["deal", deal.pk]), params, **HTMX)


def test_every_kind_reads_well(org, deal):
    rep = org.east_rep
    timeline_add(kind=TimelineKind.CREATED, actor=rep, records=[deal])
    timeline_comment_add(
        actor=rep, record=deal, text="**Bold** words <script>alert(1)</script> [site](javascript:x)"
    )
    timeline_add(
        kind=TimelineKind.STAGE, actor=rep, records=[deal], data={"from": "Offer", "to": "Won", "kind": "won"}
    )
    timeline_fields_changed(actor=rep, record=deal, changes={"title": ["Old title", "New title"]})
    upload = SimpleUploadedFile("offer.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    crm_file = file_services.file_upload(actor=rep, record=deal, upload=upload)
    lead = LeadFactory(responsible=rep, title="Inquiry from the site")
    timeline_add(kind=TimelineKind.CONVERTED, actor=rep, records=[lead, deal], text=lead.title)
    timeline_add(
        kind=TimelineKind.MERGED,
        actor=rep,
        records=[deal],
        text="Twin",
        data={"merged": {"id": 9, "label": "Twin"}},
    )
    activity_services.activity_create(
        actor=rep,
        kind=ActivityKind.TODO,
        records=[deal],
        subject="Send the contract",
        deadline=timezone.now() - datetime.timedelta(hours=2),
    )
    response = _get(rep, deal)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>Bold</strong>" in html and "<script>alert" not in html and "javascript:" not in html
    assert "Offer" in html and "Won" in html and "text-bg-success" in html
    assert "<strong>title</strong>" in html and "Old title" in html and "New title" in html
    assert crm_file.download_url in html and "offer.pdf" in html
    assert "Inquiry from the site" in html
    assert "Merged with Twin" in html
    assert "Send the contract" in html and "overdue" in html
    assert 'name="tab" value="todo"' in html  # the composer, for an editor
    # Newest first: the to-do comes before the comment.
    assert html.index("Send the contract") < html.index("<strong>Bold</strong>")


def test_older_pages_neither_skip_nor_repeat(org, deal):
    for number in range(25):
        timeline_comment_add(actor=org.east_rep, record=deal, text=f"note-{number:02d}-end")
    # Same time stamps for several entries: the id breaks the tie.
    TimelineEntry.objects.filter(deal=deal).update(created_at=timezone.now())
    first = _get(org.east_rep, deal).content.decode()
    seen = {n for n in range(25) if f"note-{n:02d}-end" in first}
    assert len(seen) == 20
    cursor = next(e for e in TimelineEntry.objects.filter(deal=deal).order_by("-created_at", "-id")[19:20])
    older = _get(org.east_rep, deal, before=f"{cursor.created_at.isoformat()}_{cursor.pk}").content.decode()
    rest = {n for n in range(25) if f"note-{n:02d}-end" in older}
    assert len(rest) == 5 and not (seen & rest)
    assert _get(org.east_rep, deal, before="garbage").status_code == 404


def _fill(deal, user, count):
    for number in range(count):
        activity_services.activity_create(
            actor=user, kind=ActivityKind.CALL, records=[deal], subject=f"Call {number}", direction="out"
        )
        timeline_comment_add(actor=user, record=deal, text=f"comment {number}")
        timeline_fields_changed(actor=user, record=deal, changes={"title": [str(number), str(number + 1)]})


def test_the_query_count_does_not_grow_with_the_entries(org, deal, django_assert_max_num_queries):
    client = client_as(org.east_rep)
    url = reverse("crm:timeline", args=["deal", deal.pk])
    _fill(deal, org.east_rep, 4)
    client.get(url, **HTMX)  # warm the per-process caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url, **HTMX).status_code == 200
    _fill(deal, org.east_rep, 10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, **HTMX).status_code == 200
    assert len(few.captured_queries) <= 20


def test_the_composer_posts_and_keeps_what_was_typed_on_errors(org, deal):
    client = client_as(org.east_rep)
    url = reverse("crm:timeline_add", args=["deal", deal.pk])
    response = client.post(
        url, {"tab": "comment", "comment-text": "First *note*"}, format="multipart", **HTMX
    )
    assert response.status_code == 200 and "<em>note</em>" in response.content.decode()
    response = client.post(
        url,
        {"tab": "todo", "todo-subject": "Prepare the offer", "todo-deadline": ""},
        format="multipart",
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "A to-do needs a deadline." in html
    assert 'value="Prepare the offer"' in html and not Activity.objects.exists()
    when = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url,
        {
            "tab": "todo",
            "todo-subject": "Prepare the offer",
            "todo-deadline": when,
            "todo-responsible": org.east_rep.pk,
        },
        format="multipart",
        **HTMX,
    )
    assert response.status_code == 200
    activity = Activity.objects.get()
    assert activity.kind == ActivityKind.TODO and activity.deadline is not None
    response = client.post(
        url,
        {"tab": "call", "call-direction": "in", "call-duration_minutes": "3", "call-phone": "+1 555 0100",
         "call-is_done": "on"},
        format="multipart",
        **HTMX,
    )  # fmt: skip
    call = Activity.objects.get(kind=ActivityKind.CALL)
    assert call.duration == 180 and call.is_done and "3 minutes" in response.content.decode()


def test_a_viewer_without_edit_only_comments(org, deal):
    from crm.models import CrmRole
    from tests.crm.factories import give_role

    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)  # edits the sub-tree too
    html = _get(org.sales_head, deal).content.decode()
    assert 'name="tab" value="call"' in html
    assert _get(org.developer, deal).status_code == 404


def test_comments_are_edited_and_deleted_by_their_author_only(org, deal):
    from crm.models import CrmRole
    from tests.crm.factories import give_role

    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    entry = timeline_comment_add(actor=org.east_rep, record=deal, text="typo")
    edit = reverse("crm:timeline_comment_edit", args=[entry.pk])
    delete = reverse("crm:timeline_comment_delete", args=[entry.pk])
    assert (
        client_as(org.sales_head)
        .post(edit, {f"edit{entry.pk}-text": "hijack"}, format="multipart", **HTMX)
        .status_code
        == 403
    )
    assert (
        client_as(org.developer)
        .post(edit, {f"edit{entry.pk}-text": "hijack"}, format="multipart", **HTMX)
        .status_code
        == 404
    )
    response = client_as(org.east_rep).post(
        edit, {f"edit{entry.pk}-text": "fixed"}, format="multipart", **HTMX
    )
    assert response.status_code == 200 and "fixed" in response.content.decode()
    entry.refresh_from_db()
    assert entry.text == "fixed" and entry.edited_at is not None
    assert client_as(org.sales_head).post(delete, format="multipart", **HTMX).status_code == 403
    assert client_as(org.east_rep).post(delete, format="multipart", **HTMX).status_code == 200
    assert not TimelineEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.browser
def test_the_composer_in_a_browser(page, live_server, login, screenshot, org, js_errors):
    """A comment and a to-do posted from the composer, the to-do ticked done in place; phone width too."""
    from playwright.sync_api import expect

    from crm.models import CrmRole
    from tests.crm.factories import give_role

    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    deal = DealFactory(
        responsible=org.east_rep, title="Office chairs", contact=ContactFactory(responsible=org.east_rep)
    )
    activity_services.activity_create(
        actor=org.sales_head,
        kind=ActivityKind.CALL,
        records=[deal],
        subject="First call",
        direction="out",
        duration=240,
        call_result="answered",
        phone="+1 555 0100",
        recording_url="https://pbx.example.com/r/1.mp3",
        is_done=True,
    )
    timeline_add(
        kind=TimelineKind.STAGE,
        actor=org.sales_head,
        records=[deal],
        data={"from": "Talk", "to": "Offer", "kind": "open"},
    )
    timeline_fields_changed(actor=org.sales_head, record=deal, changes={"title": ["Chairs", "Office chairs"]})
    login(page, live_server, org.east_rep.email, "pass-word-123")
    page.goto(live_server.url + reverse("crm:timeline", args=["deal", deal.pk]))
    page.fill("#id_comment-text", "Client asked for **blue** chairs")
    page.locator("#crm-pane-comment button[type=submit]").click()
    expect(page.locator("#crm-timeline-entries strong", has_text="blue")).to_be_visible()
    page.locator("#crm-tab-todo").click()
    page.fill("#id_todo-subject", "Send the offer")
    page.fill(
        "#id_todo-deadline", (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.locator("#crm-pane-todo button[type=submit]").click()
    card = page.locator(".crm-activity", has_text="Send the offer")
    expect(card).to_be_visible()
    expect(card.locator(".badge.text-bg-danger")).to_be_visible()
    screenshot("crm-timeline")
    with page.expect_response(lambda response: "/done/" in response.url and response.status == 200):
        card.locator("input[name=done]").check()
    expect(page.locator(".crm-activity.bg-body-tertiary", has_text="Send the offer")).to_be_visible()
    assert Activity.objects.get(subject="Send the offer").is_done
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("crm:activity_list") + "?responsible=any")
    expect(page.locator("#crm-activity-rows")).to_contain_text("Send the offer")
    screenshot("crm-activities-phone")
    assert js_errors == []
