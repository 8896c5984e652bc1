"""Every route of the CRM lists and imports, called as every role.

Records are east_rep's (the `member`); sales_head (the `supervisor`) holds "Head of department"; developer (the
`outsider`) has only the default "own" level. The import right is given to the member's and the supervisor's
roles only for the import rows."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import CrmImport, CrmListColumns, CrmRole, CrmSavedFilter, Deal, Lead
from tests.crm.factories import DealFactory, LeadFactory, give_role, role_with
from tests.utils import ROLES, Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

LOGIN = 302


def _all(status) -> dict:
    return {role: (LOGIN if role == "anonymous" else status) for role in ROLES}


@pytest.fixture
def setup(org, roles):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    importers = role_with("Importers", 1, actions=["import"])
    give_role(importers, user=org.east_rep)
    return org


def test_list_pages_and_actions(setup, roles):
    org = setup

    def fresh_lead(role):
        return LeadFactory(responsible=org.east_rep).pk

    def saved(role):
        user = roles[role] or org.east_rep
        return CrmSavedFilter.objects.create(
            user=org.east_rep if role in ("anonymous",) else user, entity="deal", name=f"f{role}"
        ).pk

    endpoints = [
        *[
            Endpoint(f"{name} page", "GET", reverse(f"crm:{name}"), _all(200))
            for name in ("lead_list", "contact_list", "company_list", "deal_list")
        ],
        Endpoint("columns page", "GET", reverse("crm:list_columns", args=["deal"]), _all(200)),
        Endpoint("unknown list", "GET", reverse("crm:list_columns", args=["thing"]), _all(404)),
        Endpoint(
            "save a filter", "POST", reverse("crm:list_filter_save", args=["deal"]), _all(302),
            data={"name": "Mine", "query": "stage_kind=open"}, format="multipart",
            changed=lambda: CrmSavedFilter.objects.filter(name="Mine").count(),
        ),
        Endpoint(
            "delete own filter", "POST", lambda role: reverse("crm:list_filter_delete", args=[saved(role)]),
            _all(302), format="multipart", changed=lambda: CrmSavedFilter.objects.count(),
        ),
        Endpoint(
            "save own columns", "POST", reverse("crm:list_columns", args=["deal"]), _all(302),
            data={"columns": ["title", "stage"], "order": "stage,title"}, format="multipart",
            changed=lambda role: list(
                CrmListColumns.objects.filter(user=roles[role], entity="deal").values_list("columns", flat=True)
            ) if roles[role] else None,
        ),
        Endpoint("export csv", "GET", reverse("crm:list_export", args=["deal"]) + "?format=csv", _all(200)),
        Endpoint(
            "bulk delete a member's lead", "POST", reverse("crm:list_bulk", args=["lead"]), _all(302),
            data=lambda role: {"action": "delete", "ids": [fresh_lead(role)]}, format="multipart",
            changed=lambda: Lead.objects.count(), unchanged_for=("outsider",),
        ),
    ]  # fmt: skip
    assert_matrix(roles, endpoints)


def test_bulk_refusal_changes_nothing(setup, roles):
    org = setup
    deal = DealFactory(responsible=org.east_rep)
    from tests.utils import client_as

    client_as(org.developer).post(
        reverse("crm:list_bulk", args=["deal"]), {"action": "delete", "ids": [deal.pk]}, format="multipart"
    )
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_import_routes(setup, roles):
    org = setup

    def upload():
        return SimpleUploadedFile("c.csv", io.BytesIO(b"First name,Last name\nAnna,Import\n").getvalue())

    def own_import(role):
        return CrmImport.objects.create(
            entity="contact",
            created_by=org.east_rep,
            file_name="c.csv",
            headers=["First name", "Last name"],
            rows=[["Anna", "Import"]],
            mapping={"first_name": 0, "last_name": 1},
            status="mapped",
        ).pk

    may_import = {"anonymous": LOGIN, "outsider": 404, "member": 200, "supervisor": 200, "admin": 200}
    member_only = {"anonymous": LOGIN, "outsider": 404, "member": 200, "supervisor": 404, "admin": 200}
    endpoints = [
        Endpoint("import start", "GET", reverse("crm:import_start"), may_import),
        Endpoint(
            "import upload", "POST", reverse("crm:import_start"),
            {"anonymous": LOGIN, "outsider": 404, "member": 302, "supervisor": 302, "admin": 302},
            data=lambda role: {"entity": "contact", "file": upload()}, format="multipart",
            changed=lambda: CrmImport.objects.count(),
        ),
        *[
            Endpoint(f"import {name}", "GET", (lambda n: lambda role: reverse(f"crm:import_{n}", args=[own_import(role)]))(name), member_only)
            for name in ("mapping", "preview", "report")
        ],
        Endpoint(
            "import mapping saved", "POST", lambda role: reverse("crm:import_mapping", args=[own_import(role)]),
            {"anonymous": LOGIN, "outsider": 404, "member": 302, "supervisor": 404, "admin": 302},
            data={"duplicates": "create", "map_first_name": "1", "map_last_name": "0"}, format="multipart",
            changed=lambda: sorted(str(m) for m in CrmImport.objects.values_list("mapping", flat=True)),
        ),
        Endpoint("import rejected rows", "GET", lambda role: reverse("crm:import_rejected", args=[own_import(role)]), member_only),
        Endpoint(
            "import run", "POST", lambda role: reverse("crm:import_run", args=[own_import(role)]),
            {"anonymous": LOGIN, "outsider": 404, "member": 302, "supervisor": 404, "admin": 302}, format="multipart",
            changed=lambda: CrmImport.objects.filter(status="done").count(),
        ),
        Endpoint("api imports", "GET", "/api/v1/crm/imports/", {"anonymous": 403, "outsider": 200, "member": 200, "supervisor": 200, "admin": 200}),
        Endpoint(
            "api import detail", "GET", lambda role: f"/api/v1/crm/imports/{own_import(role)}/",
            {"anonymous": 403, "outsider": 404, "member": 200, "supervisor": 404, "admin": 200},
        ),
        Endpoint(
            "api import preview", "GET", lambda role: f"/api/v1/crm/imports/{own_import(role)}/preview/",
            {"anonymous": 403, "outsider": 404, "member": 200, "supervisor": 404, "admin": 200},
        ),
        Endpoint(
            "api import upload", "POST", "/api/v1/crm/imports/",
            {"anonymous": 403, "outsider": 404, "member": 201, "supervisor": 201, "admin": 201},
            data=lambda role: {"entity": "contact", "file": upload()}, format="multipart",
            changed=lambda: CrmImport.objects.count(),
        ),
        Endpoint(
            "api import run", "POST", lambda role: f"/api/v1/crm/imports/{own_import(role)}/run/",
            {"anonymous": 403, "outsider": 404, "member": 200, "supervisor": 404, "admin": 200},
            data={}, changed=lambda: CrmImport.objects.filter(status="done").count(),
        ),
    ]  # fmt: skip
    assert_matrix(roles, endpoints)
