"""Every route of the CRM reports, called as every role.

The reports are read-only pages open to whoever holds the deal or lead view right at any level; the numbers
they show are the viewer's own business (tests/crm/test_reports.py). With the portal's default "Employee"
role everybody holds the right at the "own" level, so every signed-in role opens them; once the default role
is gone, the outsider (no CRM role at all) gets 404 on each of them.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import CrmRole, CrmRoleAssignment
from tests.utils import ROLES, Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

LOGIN = 302  # pages send anonymous visitors to the login page
PAGES = ("report_funnel", "report_deals", "report_leads", "report_activities", "report_stages")
MARCH = "?date_from=2025-03-01&date_to=2025-03-31"


def _expect(*, outsider: int, page: int) -> dict:
    return {
        role: LOGIN if role == "anonymous" else outsider if role == "outsider" else page for role in ROLES
    }


def _endpoints(*, refused: bool) -> list[Endpoint]:
    """The index sends everybody with a right on to the first report (302); `refused`: the outsider has none."""
    index = _expect(outsider=404 if refused else 302, page=302)
    page = _expect(outsider=404 if refused else 200, page=200)
    return [
        Endpoint("reports index", "GET", reverse("crm:report_index"), index),
        *[Endpoint(name, "GET", reverse(f"crm:{name}") + MARCH, page) for name in PAGES],
    ]


def _assign(name: str, user) -> None:
    # Idempotent: the route-coverage test runs the set-up of every matrix in one database.
    CrmRoleAssignment.objects.get_or_create(role=CrmRole.objects.get(name=name), user=user)


def test_reports_with_the_default_role(roles, org):
    _assign("Head of department", org.sales_head)
    assert_matrix(roles, _endpoints(refused=False))


def test_reports_without_any_crm_role_are_404(roles, org):
    defaults = list(CrmRole.objects.filter(is_default=True).values_list("pk", flat=True))
    CrmRole.objects.filter(pk__in=defaults).update(is_default=False)
    _assign("Employee", org.east_rep)
    _assign("Head of department", org.sales_head)
    try:
        assert_matrix(roles, _endpoints(refused=True))
    finally:  # the route-coverage test collects the other matrices after this one, in the same database
        CrmRole.objects.filter(pk__in=defaults).update(is_default=True)
