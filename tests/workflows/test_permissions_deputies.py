"""Every route of deputies (pages and API), called as every role. A period belongs to the member who set it;
the person acting in it (`acting`) sees it but does not take it back (403); others do not see it (404); admins
see and remove everyone's. Everyone sets their own deputies."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.workflows.models import Deputy
from tests.utils import Endpoint, assert_matrix, rows
from tests.workflows.factories import DeputyFactory

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)
ROLES_HERE = ("anonymous", "outsider", "member", "supervisor", "admin", "acting")
_weeks = itertools.count()


def _all(status, anonymous=LOGIN) -> dict:
    return {role: anonymous if role == "anonymous" else status for role in ROLES_HERE}


def _period() -> tuple[datetime.date, datetime.date]:
    start = timezone.localdate() + datetime.timedelta(days=7 * next(_weeks))
    return start, start + datetime.timedelta(days=2)


@pytest.fixture
def deputies_matrix_users(roles, org):
    return {**roles, "acting": org.sales_rep}


@pytest.fixture
def deputies_endpoints(org):
    def fresh(role=None):
        start, end = _period()
        return DeputyFactory(user=org.east_rep, deputy=org.sales_rep, start=start, end=end)

    def mine(role):
        start, end = _period()
        deputy = org.ceo if role != "admin" else org.developer
        if role == "acting":
            deputy = org.it_head
        return {"deputy": deputy.pk, "start": start.isoformat(), "end": end.isoformat()}

    own_rule = {
        "anonymous": LOGIN,
        "outsider": 404,
        "member": 302,
        "supervisor": 404,
        "admin": 302,
        "acting": 403,
    }
    return [
        Endpoint("list", "GET", reverse("workflows:deputy_list"), _all(200)),
        Endpoint("list of everyone", "GET", reverse("workflows:deputy_list") + "?all=1", _all(200)),
        Endpoint(
            "set my deputy",
            "POST",
            reverse("workflows:deputy_list"),
            _all(302),
            mine,
            "form",
            changed=rows(Deputy),
        ),
        Endpoint(
            "take back",
            "POST",
            lambda role: reverse("workflows:deputy_delete", args=[fresh(role).pk]),
            own_rule,
            {},
            "form",
            changed=rows(Deputy),
        ),
        # --- API
        Endpoint("api list", "GET", "/api/v1/workflows/deputies/", _all(200, API_ANON)),
        Endpoint(
            "api detail",
            "GET",
            lambda role: f"/api/v1/workflows/deputies/{fresh(role).pk}/",
            {**_all(200, API_ANON), "outsider": 404, "supervisor": 404},
        ),
        Endpoint(
            "api set",
            "POST",
            "/api/v1/workflows/deputies/",
            _all(201, API_ANON),
            mine,
            changed=rows(Deputy),
        ),
        Endpoint(
            "api take back",
            "DELETE",
            lambda role: f"/api/v1/workflows/deputies/{fresh(role).pk}/",
            {**own_rule, "anonymous": API_ANON, "member": 204, "admin": 204},
            changed=rows(Deputy),
        ),
    ]


def test_deputies_matrix(deputies_matrix_users, deputies_endpoints):
    assert_matrix(deputies_matrix_users, deputies_endpoints)
