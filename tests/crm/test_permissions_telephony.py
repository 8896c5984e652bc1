"""Every telephony route called as every role.

PBX connections are CRM settings: CRM administrators only (the portal admin here); everyone else signed in gets
404, anonymous visitors the login page. A call's card and its "Create lead" belong to the employee the call
rang (east_rep, the `member`) and to CRM administrators; to anyone else the call does not exist. The event
endpoint ignores the session: the connection's token decides (401 without one or with a wrong one).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import Call, CrmRole, CrmRoleAssignment, Lead, PbxConnection, PbxExtension
from crm.services import telephony as services
from tests.utils import Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302


def _admin_only(ok) -> dict:
    return {"anonymous": LOGIN, "outsider": 404, "member": 404, "supervisor": 404, "admin": ok}


def _rung_employee(ok) -> dict:
    return {"anonymous": LOGIN, "outsider": 404, "member": ok, "supervisor": 404, "admin": ok}


def _all(status) -> dict:
    return {role: status for role in ("anonymous", "outsider", "member", "supervisor", "admin")}


@pytest.fixture
def telephony_endpoints(org, roles):
    # get_or_create: the CRM's route coverage test builds every matrix's fixtures in one database.
    CrmRoleAssignment.objects.get_or_create(
        role=CrmRole.objects.get(name="Head of department"), user=org.sales_head
    )

    def fresh_pbx(role=None):
        connection, _token = services.pbx_create(
            actor=org.admin, name="PBX", extensions=[("301", org.east_rep)]
        )
        return connection

    pbx, token = services.pbx_create(actor=org.admin, name="Office", extensions=[("301", org.east_rep)])
    calls = iter(range(1, 1000))

    def fresh_call(role=None):
        return Call.objects.create(
            connection=pbx,
            call_id=f"m-{next(calls)}",
            external_number="+79990001122",
            normalized="+79990001122",
            user=org.east_rep,
        )

    def pbx_url(name):
        return lambda role: reverse(f"crm:{name}", args=[fresh_pbx().pk])

    def call_url(name):
        return lambda role: reverse(f"crm:{name}", args=[fresh_call().pk])

    form = {"name": "Renamed", "is_active": "on", "ext_0": "301", "user_0": org.east_rep.pk}
    events = reverse("crm-pbx-events")
    ringing = {
        "event": "ringing",
        "call_id": "x-1",
        "direction": "in",
        "caller": "+79161234567",
        "called": "+74950000000",
        "extension": "301",
    }
    return [
        Endpoint("pbx list", "GET", reverse("crm:pbx_list"), _admin_only(200)),
        Endpoint("pbx create page", "GET", reverse("crm:pbx_create"), _admin_only(200)),
        Endpoint(
            "pbx create",
            "POST",
            reverse("crm:pbx_create"),
            _admin_only(302),
            {**form, "name": "New PBX"},
            "form",
            changed=rows(PbxConnection),
        ),
        Endpoint("pbx edit page", "GET", reverse("crm:pbx_edit", args=[pbx.pk]), _admin_only(200)),
        Endpoint(
            "pbx edit",
            "POST",
            reverse("crm:pbx_edit", args=[pbx.pk]),
            _admin_only(302),
            form,
            "form",
            changed=rows(PbxConnection, "name"),
        ),
        Endpoint(
            "pbx new token",
            "POST",
            pbx_url("pbx_token_regenerate"),
            _admin_only(302),
            {},
            "form",
            changed=rows(PbxConnection, "token_hash"),
        ),
        Endpoint(
            "pbx delete",
            "POST",
            pbx_url("pbx_delete"),
            _admin_only(302),
            {},
            "form",
            changed=rows(PbxConnection),
        ),
        Endpoint("call card", "GET", call_url("call_card"), _rung_employee(200)),
        Endpoint(
            "call: create lead",
            "POST",
            call_url("call_lead_create"),
            _rung_employee(302),
            {},
            "form",
            changed=rows(Lead),
        ),
        Endpoint("pbx events, no token", "POST", events, _all(401), ringing, changed=rows(Call)),
        Endpoint(
            "pbx events, wrong token",
            "POST",
            events,
            _all(401),
            ringing,
            extra={"HTTP_AUTHORIZATION": "Bearer pbx_not-a-token"},
            changed=rows(Call),
        ),
        Endpoint(
            "pbx events, the token (the first call rings, the others are repeats)",
            "POST",
            events,
            _all((200, 201)),
            ringing,
            extra={"HTTP_AUTHORIZATION": f"Bearer {token}"},
            changed=rows(Call),
            unchanged_for=("outsider", "member", "supervisor", "admin"),
        ),
        Endpoint(
            "pbx events, GET (a method the address lacks: 405 to a signed-in person, as everywhere in the API)",
            "GET",
            events,
            {"anonymous": 401, "outsider": 405, "member": 405, "supervisor": 405, "admin": 405},
            changed=rows(PbxExtension),
        ),
    ]


def test_telephony_permission_matrix(roles, telephony_endpoints):
    assert_matrix(roles, telephony_endpoints)
