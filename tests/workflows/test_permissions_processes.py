"""Every process route (pages and API), called as every role.

A fresh process is started per role by east_rep (`member`, the requester): its first step waits for east_head
(`approver`, east_rep's supervisor), or, for the `deputy` row's own process, for east_head's deputy of the day.
sales_head (`supervisor`) heads the Sales sub-tree, so sees it; `hr` holds the role "hr" (the leave template's
viewer role), `accountant` the role "accountant" (the payment template's); developer (`outsider`) sees nothing of
it (404); the portal admin sees everything but decides nothing that is not theirs (403)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.workflows.models import (
    AbsenceType,
    Deputy,
    Process,
    ProcessAction,
    ProcessFile,
    ProcessRole,
    ProcessTemplate,
)
from portal.workflows.services.processes import process_act, process_start
from tests.people.factories import UserFactory
from tests.utils import Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)
ROLES = ("anonymous", "outsider", "member", "supervisor", "admin", "approver", "deputy", "hr", "accountant")


def _page(**statuses) -> dict:
    return {"anonymous": LOGIN, **statuses}


def _api(**statuses) -> dict:
    return {"anonymous": API_ANON, **statuses}


def _all(status, anonymous=LOGIN) -> dict:
    return {role: (anonymous if role == "anonymous" else status) for role in ROLES}


def _pdf(name="file.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test\n", content_type="application/pdf")


@pytest.fixture
def processes_users(org, roles):
    hr = UserFactory(email="hr@acme.test", department=org.it)
    accountant = UserFactory(email="accountant@acme.test", department=org.it)
    ProcessRole.objects.get(key="hr").members.add(hr)
    ProcessRole.objects.get(key="accountant").members.add(accountant)
    deputy = UserFactory(email="deputy@acme.test", department=org.east)
    return {**roles, "approver": org.east_head, "deputy": deputy, "hr": hr, "accountant": accountant}


@pytest.fixture
def processes_endpoints(org, processes_users):
    users = processes_users
    vacation = AbsenceType.objects.get(key="vacation")
    leave_values = {"absence_type": vacation.pk, "period": {"start": "2030-07-01", "end": "2030-07-05"}}
    values = {
        "leave": (leave_values, None),
        "payment": (
            {
                "counterparty": "Paper & Co",
                "amount": {"amount": "100", "currency": "USD"},
                "purpose": "Paper",
                "due_date": "2030-01-31",
            },
            "invoice",
        ),
        "contract": (
            {"counterparty": "Client", "subject": "Support", "amount": {"amount": "10", "currency": "USD"}},
            "draft",
        ),
    }

    def fresh(role, key="leave", *, returned=False) -> Process:
        """east_rep's request; for the deputy's row its step goes to east_head's deputy of the day."""
        data, file_key = values[key]
        today = timezone.localdate()
        stand_in = None
        if role == "deputy":
            stand_in = Deputy.objects.create(
                user=org.east_head, deputy=users["deputy"], start=today, end=today
            )
        process = process_start(
            actor=org.east_rep,
            template=ProcessTemplate.objects.get(key=key),
            data=data,
            uploads={file_key: [_pdf()]} if file_key else None,
        )
        if stand_in is not None:
            stand_in.delete()
        if returned:
            approver = users["deputy"] if role == "deputy" else org.east_head
            process_act(actor=approver, process=process, action="return", comment="Again")
        return process

    def page(name, key="leave", **kwargs):
        return lambda role: reverse(name, args=[fresh(role, key, **kwargs).pk])

    def api(suffix="", key="leave", **kwargs):
        return lambda role: f"/api/v1/workflows/processes/{fresh(role, key, **kwargs).pk}/{suffix}"

    def download(role):
        process = fresh(role, "payment")
        return reverse("workflows:file_download", args=[process.files.get().pk])

    sees = dict(
        outsider=404, member=200, supervisor=200, admin=200, approver=200, deputy=200, hr=200, accountant=404
    )
    sees_payment = {**sees, "hr": 404, "accountant": 200}
    decides = dict(
        outsider=404, member=403, supervisor=403, admin=403, approver=302, deputy=302, hr=403, accountant=404
    )
    withdraws = dict(
        outsider=404, member=302, supervisor=403, admin=403, approver=403, deputy=403, hr=403, accountant=404
    )
    only_requester = dict(
        outsider=404, member=200, supervisor=404, admin=404, approver=404, deputy=404, hr=404, accountant=404
    )
    new_version = dict(
        outsider=404, member=302, supervisor=403, admin=403, approver=302, deputy=302, hr=404, accountant=404
    )
    leave_post = {"absence_type": vacation.pk, "period_0": "2030-08-03", "period_1": "2030-08-04"}
    return [
        # --- pages
        Endpoint("home", "GET", reverse("workflows:home"), _all(200)),
        Endpoint("list mine", "GET", reverse("workflows:process_list") + "?scope=mine", _all(200)),
        Endpoint("list waiting", "GET", reverse("workflows:process_list") + "?scope=waiting", _all(200)),
        Endpoint("list all", "GET", reverse("workflows:process_list") + "?scope=all", _all(200)),
        Endpoint("export", "GET", reverse("workflows:process_export") + "?format=csv&scope=all", _all(200)),
        Endpoint(
            "start form",
            "GET",
            lambda role: reverse(
                "workflows:process_start", args=[ProcessTemplate.objects.get(key="leave").pk]
            ),
            _all(200),
        ),
        Endpoint(
            "start",
            "POST",
            lambda role: reverse(
                "workflows:process_start", args=[ProcessTemplate.objects.get(key="leave").pk]
            ),
            _all(302),
            leave_post,
            "form",
            changed=rows(Process),
        ),
        Endpoint("detail", "GET", page("workflows:process_detail"), _page(**sees)),
        Endpoint(
            "detail of a payment", "GET", page("workflows:process_detail", "payment"), _page(**sees_payment)
        ),
        Endpoint(
            "approve",
            "POST",
            page("workflows:process_act"),
            _page(**decides),
            {"action": "approve"},
            "form",
            changed=rows(ProcessAction),
        ),
        Endpoint(
            "withdraw",
            "POST",
            page("workflows:process_withdraw"),
            _page(**withdraws),
            {},
            "form",
            changed=rows(Process, "status"),
        ),
        Endpoint(
            "resubmit form", "GET", page("workflows:process_resubmit", returned=True), _page(**only_requester)
        ),
        Endpoint(
            "resubmit",
            "POST",
            page("workflows:process_resubmit", returned=True),
            _page(**{**only_requester, "member": 302}),
            leave_post,
            "form",
            changed=rows(Process, "round"),
        ),
        Endpoint(
            "new version of the draft",
            "POST",
            page("workflows:process_file", "contract"),
            _page(**new_version),
            lambda role: {"file": _pdf("v2.pdf")},
            "multipart",
            changed=rows(ProcessFile),
        ),
        Endpoint("download", "GET", download, _page(**sees_payment)),
        # --- the API
        Endpoint("api list", "GET", "/api/v1/workflows/processes/", _all(200, API_ANON)),
        Endpoint(
            "api list waiting", "GET", "/api/v1/workflows/processes/?scope=waiting", _all(200, API_ANON)
        ),
        Endpoint("api detail", "GET", api(), _api(**sees)),
        Endpoint(
            "api start",
            "POST",
            "/api/v1/workflows/processes/",
            _all(201, API_ANON),
            lambda role: {"template": ProcessTemplate.objects.get(key="leave").pk, "data": leave_values},
            changed=rows(Process),
        ),
        Endpoint(
            "api approve",
            "POST",
            api("act/"),
            _api(**{**decides, "approver": 200, "deputy": 200}),
            {"action": "approve"},
            changed=rows(ProcessAction),
        ),
        Endpoint(
            "api withdraw",
            "POST",
            api("withdraw/"),
            _api(**{**withdraws, "member": 200}),
            {},
            changed=rows(Process, "status"),
        ),
        Endpoint(
            "api resubmit",
            "POST",
            api("resubmit/", returned=True),
            _api(**{**withdraws, "member": 200}),
            {"data": leave_values},
            changed=rows(Process, "round"),
        ),
        Endpoint(
            "api new version of the draft",
            "POST",
            api("replace-file/", "contract"),
            _api(**{**new_version, "member": 200, "approver": 200, "deputy": 200}),
            lambda role: {"field": "draft", "file": _pdf("v2.pdf")},
            "multipart",
            changed=rows(ProcessFile),
        ),
    ]


def test_processes_matrix(processes_users, processes_endpoints):
    assert_matrix(processes_users, processes_endpoints)
