"""Every payment register route (page and API), called as every role: only the holders of the role "accountant"
and the portal admins keep the register; for everyone else (the requester, their supervisor included) it does not
exist (404). A fresh approved payment of east_rep (`member`) is laid per role for the writes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from portal.workflows.models import Process, ProcessRole, ProcessTemplate
from tests.people.factories import UserFactory
from tests.utils import Endpoint, assert_matrix, rows
from tests.workflows.factories import process_laid

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)
ROLES = ("anonymous", "outsider", "member", "supervisor", "admin", "accountant")


@pytest.fixture
def payments_users(org, roles):
    accountant = UserFactory(email="books@acme.test", department=org.it)
    ProcessRole.objects.get(key="accountant").members.add(accountant)
    return {**roles, "accountant": accountant}


@pytest.fixture
def payments_endpoints(org):
    template = ProcessTemplate.objects.get(key="payment")

    def fresh(role=None) -> Process:
        process = process_laid(requester=org.east_rep, template=template, status="approved")
        Process.objects.filter(pk=process.pk).update(
            amount=Decimal("10"), amount_currency="USD", current_step=None
        )
        return process

    def keepers(status, others=404, anonymous=LOGIN) -> dict:
        return {
            "anonymous": anonymous,
            "outsider": others,
            "member": others,
            "supervisor": others,
            "admin": status,
            "accountant": status,
        }

    fresh()
    return [
        Endpoint("register", "GET", reverse("workflows:payment_register"), keepers(200)),
        Endpoint("register paid", "GET", reverse("workflows:payment_register") + "?tab=paid", keepers(200)),
        Endpoint("register csv", "GET", reverse("workflows:payment_register") + "?format=csv", keepers(200)),
        Endpoint(
            "mark paid",
            "POST",
            lambda role: reverse("workflows:payment_mark_paid", args=[fresh(role).pk]),
            keepers(302),
            {},
            "form",
            changed=rows(Process, "paid_at"),
        ),
        Endpoint("api register", "GET", "/api/v1/workflows/payments/", keepers(200, anonymous=API_ANON)),
        Endpoint(
            "api payment",
            "GET",
            lambda role: f"/api/v1/workflows/payments/{fresh(role).pk}/",
            keepers(200, anonymous=API_ANON),
        ),
        Endpoint("api totals", "GET", "/api/v1/workflows/payments/totals/", keepers(200, anonymous=API_ANON)),
        Endpoint(
            "api mark paid",
            "POST",
            lambda role: f"/api/v1/workflows/payments/{fresh(role).pk}/paid/",
            keepers(200, anonymous=API_ANON),
            {},
            changed=rows(Process, "paid_at"),
        ),
    ]


def test_payments_matrix(payments_users, payments_endpoints):
    assert_matrix(payments_users, payments_endpoints)
