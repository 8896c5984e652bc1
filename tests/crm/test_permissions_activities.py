"""Every route of activities, the timeline, files and custom fields (pages and API), called as every role.

Records are made fresh per role with east_rep (the `member`) responsible; so are the activities, comments and
files on them (made by east_rep). sales_head (the `supervisor`) holds "Head of department", so edits
east_rep's records but is not the author of east_rep's comments (403); developer (the `outsider`) has the
default "own" level and gets 404. Custom fields are for CRM administrators only (404 for everyone else).
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.choices import ActivityKind
from crm.models import Activity, CrmFile, CrmRole, CrmRoleAssignment, CustomField, TimelineEntry
from crm.services import activities as activity_services
from crm.services import files as file_services
from crm.services.timeline import timeline_comment_add
from tests.crm.factories import DealFactory
from tests.utils import Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)
API = "/api/v1/crm"


def _rule(anonymous, outsider, member, supervisor, admin) -> dict:
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "supervisor": supervisor,
        "admin": admin,
    }


@pytest.fixture
def activity_endpoints(org, roles):
    # get_or_create: the route coverage test builds every matrix's fixture in one database.
    CrmRoleAssignment.objects.get_or_create(
        role=CrmRole.objects.get(name="Head of department"), user=org.sales_head
    )
    rep = org.east_rep

    def deal(role=None):
        return DealFactory(responsible=rep)

    def todo(role=None):
        return activity_services.activity_create(
            actor=rep, kind=ActivityKind.TODO, records=[deal()], subject="Call back",
            deadline=timezone.now() + datetime.timedelta(days=1),
        )  # fmt: skip

    def comment(role=None):
        return timeline_comment_add(actor=rep, record=deal(), text="A note")

    def crm_file(role=None):
        upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%x\n", content_type="application/pdf")
        return file_services.file_upload(actor=rep, record=deal(), upload=upload)

    def field(role=None):
        return CustomField.objects.create(entity="deal", key=f"f{CustomField.objects.count()}", label="F")

    def url(name, make):
        return lambda role: reverse(name, args=[make(role).pk])

    def deal_url(name):
        return lambda role: reverse(name, args=["deal", deal(role).pk])

    def api(path, make):
        return lambda role: f"{API}/{path.format(pk=make(role).pk)}"

    def new_file(role):
        return {"file-file": SimpleUploadedFile("b.pdf", b"%PDF-1.4\n%y\n", content_type="application/pdf")}

    when = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    deadline = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    everyone = _rule(LOGIN, 200, 200, 200, 200)
    seen = _rule(LOGIN, 404, 200, 200, 200)
    changed = _rule(LOGIN, 404, 302, 302, 302)
    author = _rule(LOGIN, 404, 302, 403, 403)
    admin_page = _rule(LOGIN, 404, 404, 404, 200)
    admin_write = _rule(LOGIN, 404, 404, 404, 302)
    api_seen = _rule(API_ANON, 404, 200, 200, 200)
    return [
        Endpoint("my activities", "GET", reverse("crm:activity_list"), everyone),
        Endpoint("my activities, all", "GET", reverse("crm:activity_list") + "?responsible=any", everyone),
        Endpoint("activity edit form", "GET", url("crm:activity_edit", todo), seen),
        Endpoint(
            "activity edit",
            "POST",
            url("crm:activity_edit", todo),
            changed,
            {"subject": "Edited", "deadline": when, "responsible": rep.pk},
            "form",
            changed=rows(Activity, "subject"),
        ),  # fmt: skip
        Endpoint(
            "activity done",
            "POST",
            url("crm:activity_complete", todo),
            changed,
            {"done": "1"},
            "form",
            changed=rows(Activity, "is_done"),
        ),  # fmt: skip
        Endpoint(
            "activity delete",
            "POST",
            url("crm:activity_delete", todo),
            changed,
            {},
            "form",
            changed=rows(Activity),
        ),
        Endpoint("timeline", "GET", deal_url("crm:timeline"), seen),
        Endpoint(
            "timeline comment",
            "POST",
            deal_url("crm:timeline_add"),
            changed,
            {"tab": "comment", "comment-text": "Hello"},
            "form",
            changed=rows(TimelineEntry),
        ),  # fmt: skip
        Endpoint(
            "timeline to-do",
            "POST",
            deal_url("crm:timeline_add"),
            changed,
            {"tab": "todo", "todo-subject": "Do", "todo-deadline": when},
            "form",
            changed=rows(Activity),
        ),  # fmt: skip
        Endpoint(
            "timeline file",
            "POST",
            deal_url("crm:timeline_file"),
            changed,
            new_file,
            "multipart",
            changed=rows(CrmFile),
        ),  # fmt: skip
        Endpoint(
            "comment edit form",
            "GET",
            url("crm:timeline_comment_edit", comment),
            _rule(LOGIN, 404, 200, 403, 403),
        ),
        Endpoint(
            "comment edit",
            "POST",
            lambda role: _comment_edit_url(comment()),
            author,
            lambda role: {f"edit{TimelineEntry.objects.order_by('-pk').first().pk}-text": "Changed"},
            "form",
            changed=rows(TimelineEntry, "text"),
        ),  # fmt: skip
        Endpoint(
            "comment delete",
            "POST",
            url("crm:timeline_comment_delete", comment),
            author,
            {},
            "form",
            changed=rows(TimelineEntry),
        ),  # fmt: skip
        Endpoint("file download", "GET", url("crm:file_download", crm_file), seen),
        Endpoint(
            "file delete",
            "POST",
            url("crm:file_delete", crm_file),
            changed,
            {},
            "form",
            changed=rows(CrmFile),
        ),
        Endpoint("custom fields", "GET", reverse("crm:field_list"), admin_page),
        Endpoint("custom field form", "GET", reverse("crm:field_create"), admin_page),
        Endpoint(
            "custom field create",
            "POST",
            reverse("crm:field_create"),
            admin_write,
            lambda role: {"entity": "deal", "label": f"Size {role}", "type": "text", "sort": 1},
            "form",
            changed=rows(CustomField),
        ),  # fmt: skip
        Endpoint("custom field edit form", "GET", url("crm:field_edit", field), admin_page),
        Endpoint(
            "custom field edit",
            "POST",
            url("crm:field_edit", field),
            admin_write,
            {"label": "Renamed", "type": "text", "sort": 3},
            "form",
            changed=rows(CustomField, "label"),
        ),  # fmt: skip
        Endpoint(
            "custom field delete",
            "POST",
            url("crm:field_delete", field),
            admin_write,
            {},
            "form",
            changed=rows(CustomField),
        ),  # fmt: skip
        Endpoint("api activities", "GET", f"{API}/activities/", _rule(API_ANON, 200, 200, 200, 200)),
        Endpoint(
            "api activity create",
            "POST",
            f"{API}/activities/",
            _rule(API_ANON, 404, 201, 201, 201),
            lambda role: {"kind": "todo", "subject": "API", "deadline": deadline, "deal": deal().pk},
            changed=rows(Activity),
        ),  # fmt: skip
        Endpoint("api activity", "GET", api("activities/{pk}/", todo), api_seen),
        Endpoint(
            "api activity change",
            "PATCH",
            api("activities/{pk}/", todo),
            api_seen,
            {"subject": "Patched"},
            changed=rows(Activity, "subject"),
        ),  # fmt: skip
        Endpoint(
            "api activity delete",
            "DELETE",
            api("activities/{pk}/", todo),
            _rule(API_ANON, 404, 204, 204, 204),
            changed=rows(Activity),
        ),  # fmt: skip
        Endpoint(
            "api activity complete",
            "POST",
            api("activities/{pk}/complete/", todo),
            api_seen,
            {"done": True},
            changed=rows(Activity, "is_done"),
        ),  # fmt: skip
        Endpoint("api timeline", "GET", api("timeline/deal/{pk}/", deal), api_seen),
        Endpoint(
            "api timeline comment",
            "POST",
            api("timeline/deal/{pk}/", deal),
            _rule(API_ANON, 404, 201, 201, 201),
            {"text": "Via API"},
            changed=rows(TimelineEntry),
        ),  # fmt: skip
    ]


def _comment_edit_url(entry) -> str:
    return reverse("crm:timeline_comment_edit", args=[entry.pk])


def test_activities_timeline_files_fields_matrix(roles, activity_endpoints):
    assert_matrix(roles, activity_endpoints)
