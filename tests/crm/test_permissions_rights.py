"""Every route of the roles admin and the general settings, called as every role.

Only CRM administrators reach them (the portal admin here; a CRM-admin role does too, see test_views_rights):
everyone else gets 404, anonymous visitors the login page. The supervisor holds the "Head of department" role,
which reaches records but not the settings. Each write row checks its side effect on a fresh role.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import CrmRole, CrmRoleAssignment, CrmRolePermission, CrmSettings
from tests.crm.factories import give_role
from tests.utils import ROLES, Endpoint, assert_matrix, rows, tables

pytestmark = pytest.mark.django_db

LOGIN = 302
HIDDEN = 404


def _admin_only(status) -> dict:
    return {role: LOGIN if role == "anonymous" else (status if role == "admin" else HIDDEN) for role in ROLES}


@pytest.fixture
def rights_endpoints(org, roles):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)

    made = iter(range(1, 10_000))

    def fresh_role(role):
        return CrmRole.objects.create(name=f"Role {next(made)} for {role}")

    def role_url(name):
        return lambda role: reverse(f"crm:{name}", args=[fresh_role(role).pk])

    def role_data(role):
        return {"name": f"Renamed {next(made)} by {role}", "level_deal_view": "4", "users": [org.east_rep.pk]}

    return [
        Endpoint("role list", "GET", reverse("crm:role_list"), _admin_only(200)),
        Endpoint("role create page", "GET", reverse("crm:role_create"), _admin_only(200)),
        Endpoint(
            "role create",
            "POST",
            reverse("crm:role_create"),
            _admin_only(302),
            data=lambda role: {"name": f"New {next(made)} for {role}", "level_lead_view": "1"},
            format="form",
            changed=tables(CrmRole, CrmRolePermission),
        ),
        Endpoint("role edit page", "GET", role_url("role_edit"), _admin_only(200)),
        Endpoint(
            "role edit",
            "POST",
            role_url("role_edit"),
            _admin_only(302),
            data=role_data,
            format="form",
            changed=tables(CrmRole, CrmRolePermission, CrmRoleAssignment),
        ),
        Endpoint("role delete page", "GET", role_url("role_delete"), _admin_only(200)),
        Endpoint(
            "role delete",
            "POST",
            role_url("role_delete"),
            _admin_only(302),
            format="form",
            changed=rows(CrmRole),
        ),
        Endpoint("general settings page", "GET", reverse("crm:settings_general"), _admin_only(200)),
        Endpoint(
            "general settings",
            "POST",
            reverse("crm:settings_general"),
            _admin_only(302),
            data=lambda role: {
                "lead_take_minutes": str(40 + ROLES.index(role)),
                "won_post_enabled": "on",
                "won_post_threshold_0": "",
                "won_post_threshold_1": "USD",
                "default_region": "DE",
            },
            format="form",
            changed=rows(CrmSettings, "lead_take_minutes"),
        ),
    ]


def test_rights_admin_matrix(roles, rights_endpoints):
    CrmSettings.current()
    assert_matrix(roles, rights_endpoints)
