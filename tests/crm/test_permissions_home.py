"""The CRM's front door and its settings index, called as every role.

/crm/ opens the first list the person may use (everybody holds the default "Employee" role, so the deal Kanban);
the settings index is for CRM administrators (portal admins here) and answers 404 to everybody else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.utils import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

LOGIN = 302


def test_home_and_settings_matrix(roles):
    assert_matrix(
        roles,
        [
            Endpoint(
                "CRM front door",
                "GET",
                reverse("crm:home"),
                {"anonymous": LOGIN, "outsider": 302, "member": 302, "supervisor": 302, "admin": 302},
            ),
            Endpoint(
                "CRM settings index",
                "GET",
                reverse("crm:settings"),
                {"anonymous": LOGIN, "outsider": 404, "member": 404, "supervisor": 404, "admin": 200},
            ),
        ],
    )


def test_home_leads_to_the_deal_board_and_settings_list_every_page(client_for, org):
    response = client_for(org.east_rep).get(reverse("crm:home"))
    assert response.status_code == 302 and response["Location"] == reverse("crm:deal_kanban")
    page = client_for(org.admin).get(reverse("crm:settings")).content.decode()
    for name in (
        "pipeline_list",
        "product_list",
        "field_list",
        "role_list",
        "mailbox_list",
        "webform_list",
        "store_list",
        "pbx_list",
        "settings_general",
    ):
        assert f'href="{reverse("crm:" + name)}"' in page, name
