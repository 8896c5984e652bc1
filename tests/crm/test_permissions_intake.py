"""Every intake route (mailboxes, store connections, the store webhook) called as every role.

Mailboxes and store connections are CRM settings: only CRM administrators (here the portal admin) reach them;
everyone else signed in gets 404, anonymous visitors the login page. The supervisor holds the "Head of
department" role, which reaches records but not settings. The webhook is anonymous by design: the signature,
not the caller, decides.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.renderers import JSONRenderer

from crm.choices import MailSecurity
from crm.models import CrmRole, CrmRoleAssignment, Deal, Mailbox, StoreConnection, StoreDelivery
from crm.services import mailboxes as mailbox_services
from crm.services import stores as store_services
from tests.crm.factories import PipelineFactory
from tests.crm.test_connectors_stores import STORES
from tests.utils import Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302


def _admin_only(ok) -> dict:
    return {"anonymous": LOGIN, "outsider": 404, "member": 404, "supervisor": 404, "admin": ok}


def _all(status) -> dict:
    return {role: status for role in ("anonymous", "outsider", "member", "supervisor", "admin")}


@pytest.fixture
def intake_endpoints(org, roles):
    # get_or_create: the CRM's route coverage test builds every matrix's fixtures in one database.
    CrmRoleAssignment.objects.get_or_create(
        role=CrmRole.objects.get(name="Head of department"), user=org.sales_head
    )
    pipeline = PipelineFactory()

    def fresh_mailbox(role=None):
        return mailbox_services.mailbox_create(
            actor=org.admin,
            name="Inbox",
            host="127.0.0.1",
            port=9,  # nothing listens there: a check fails at once, and records it
            security=MailSecurity.NONE,
            login="sales@example.test",
            password="secret",
        )

    def fresh_store(role=None):
        connection, _secret = store_services.store_create(
            actor=org.admin, name="Shop", adapter="lumen", pipeline=pipeline
        )
        return connection

    mailbox = fresh_mailbox()
    store = fresh_store()
    mailbox_fields = {
        "name": "Renamed",
        "host": "127.0.0.1",
        "port": 9,
        "security": "none",
        "login": "sales@example.test",
        "password": "",
        "folder": "INBOX",
        "is_active": "on",
    }
    signed_store, secret = store_services.store_create(
        actor=org.admin, name="Signed", adapter="lumen", pipeline=pipeline
    )
    payload = json.loads(STORES["lumen"].body())
    body = JSONRenderer().render(payload)
    signature = STORES["lumen"].sign(body, secret)

    def mailbox_url(name):
        return lambda role: reverse(f"crm:{name}", args=[fresh_mailbox().pk])

    def store_url(name):
        return lambda role: reverse(f"crm:{name}", args=[fresh_store().pk])

    return [
        Endpoint("mailbox list", "GET", reverse("crm:mailbox_list"), _admin_only(200)),
        Endpoint("mailbox create page", "GET", reverse("crm:mailbox_create"), _admin_only(200)),
        Endpoint(
            "mailbox create",
            "POST",
            reverse("crm:mailbox_create"),
            _admin_only(302),
            {**mailbox_fields, "name": "New inbox", "password": "pw"},
            "form",
            changed=rows(Mailbox),
        ),
        Endpoint(
            "mailbox edit page", "GET", reverse("crm:mailbox_edit", args=[mailbox.pk]), _admin_only(200)
        ),
        Endpoint(
            "mailbox edit",
            "POST",
            reverse("crm:mailbox_edit", args=[mailbox.pk]),
            _admin_only(302),
            mailbox_fields,
            "form",
            changed=rows(Mailbox, "name"),
        ),
        Endpoint(
            "mailbox check",
            "POST",
            mailbox_url("mailbox_check"),
            _admin_only(302),
            {},
            "form",
            changed=rows(Mailbox, "last_error"),
        ),
        Endpoint(
            "mailbox delete",
            "POST",
            mailbox_url("mailbox_delete"),
            _admin_only(302),
            {},
            "form",
            changed=rows(Mailbox),
        ),
        Endpoint("store list", "GET", reverse("crm:store_list"), _admin_only(200)),
        Endpoint("store create page", "GET", reverse("crm:store_create"), _admin_only(200)),
        Endpoint(
            "store create",
            "POST",
            reverse("crm:store_create"),
            _admin_only(302),
            {"name": "New shop", "adapter": "shopify", "pipeline": pipeline.pk, "is_active": "on"},
            "form",
            changed=rows(StoreConnection),
        ),
        Endpoint("store edit page", "GET", reverse("crm:store_edit", args=[store.pk]), _admin_only(200)),
        Endpoint(
            "store edit",
            "POST",
            reverse("crm:store_edit", args=[store.pk]),
            _admin_only(302),
            {"name": "Renamed shop", "pipeline": pipeline.pk, "is_active": "on"},
            "form",
            changed=rows(StoreConnection, "name"),
        ),
        Endpoint(
            "store new secret",
            "POST",
            store_url("store_secret_regenerate"),
            _admin_only(302),
            {},
            "form",
            changed=rows(StoreConnection, "secret_encrypted"),
        ),
        Endpoint(
            "store delete",
            "POST",
            store_url("store_delete"),
            _admin_only(302),
            {},
            "form",
            changed=rows(StoreConnection),
        ),
        Endpoint(
            "store webhook, unknown address",
            "POST",
            reverse("crm-store-webhook", args=["0b1e2c3d-0000-4000-8000-000000000000"]),
            _all(404),
            payload,
            changed=rows(StoreDelivery),
        ),
        Endpoint(
            "store webhook, unsigned",
            "POST",
            reverse("crm-store-webhook", args=[signed_store.token]),
            _all(401),
            payload,
            changed=rows(StoreDelivery),
        ),
        Endpoint(
            "store webhook, signed (the first call makes the deal, the others are repeats)",
            "POST",
            reverse("crm-store-webhook", args=[signed_store.token]),
            _all(200),
            payload,
            extra={"HTTP_X_LUMEN_SIGNATURE": signature},
            changed=rows(Deal),
            unchanged_for=("outsider", "member", "supervisor", "admin"),
        ),
    ]


def test_intake_permission_matrix(roles, intake_endpoints):
    assert_matrix(roles, intake_endpoints)
