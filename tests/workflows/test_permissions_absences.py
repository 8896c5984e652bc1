"""Every route of the absence chart (pages and API), called as every role: anonymous, an outsider (another
department), the member whose absence it is, their supervisor, a portal admin, and HR (the process role "hr").
Everyone sees the chart, the list and an absence (dates and type; a private type as "Absent"); only HR and admins
enter, change and delete absences and keep allowances; only admins edit absence types. Pages answer 404 to
those who may not, the API 403 (the absence itself is visible to them)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.urls import reverse

from portal.workflows.models import Absence, AbsenceType, LeaveAllowance
from tests.people.factories import UserFactory
from tests.utils import Endpoint, assert_matrix, rows
from tests.workflows.factories import AbsenceFactory
from tests.workflows.test_absences import absence_types, hr_role

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)
ROLES_HERE = ("anonymous", "outsider", "member", "supervisor", "admin", "hr")
_counter = itertools.count()


def _all(status, anonymous=LOGIN) -> dict:
    return {role: anonymous if role == "anonymous" else status for role in ROLES_HERE}


def _managers(allowed, refused=404, anonymous=LOGIN) -> dict:
    return {
        "anonymous": anonymous,
        "outsider": refused,
        "member": refused,
        "supervisor": refused,
        "admin": allowed,
        "hr": allowed,
    }


def _admins(allowed, refused=404, anonymous=LOGIN) -> dict:
    return {**_managers(allowed, refused, anonymous), "hr": refused}


@pytest.fixture
def absences_matrix_users(roles):
    hr = UserFactory(email="hr.matrix@acme.test")
    hr_role(hr)
    return {**roles, "hr": hr}


@pytest.fixture
def absences_endpoints(org):
    kinds = absence_types()
    day = datetime.date(2030, 3, 4)

    def fresh_absence(role=None):
        start = day + datetime.timedelta(days=10 * next(_counter))
        return AbsenceFactory(user=org.east_rep, type=kinds["trip"], start=start, end=start)

    def page(name, suffix=""):
        return lambda role: reverse(name, args=[fresh_absence(role).pk]) + suffix

    def api(suffix=""):
        return lambda role: f"/api/v1/workflows/absences/{fresh_absence(role).pk}/{suffix}"

    def new_absence(role):
        start = day + datetime.timedelta(days=10 * next(_counter))
        return {
            "user": UserFactory().pk,
            "type": kinds["sick"].pk,
            "start": start.isoformat(),
            "end": start.isoformat(),
        }

    def moved(role) -> str:
        """A day of its own per role, where the moved absence meets no other."""
        return (datetime.date(2035, 1, 1) + datetime.timedelta(days=ROLES_HERE.index(role))).isoformat()

    def fresh_type(role=None):
        return AbsenceType.objects.create(name=f"Type {next(_counter)}")

    kind = fresh_type()
    year = 2040
    return [
        # --- pages
        Endpoint("chart", "GET", reverse("workflows:absence_chart"), _all(200)),
        Endpoint("chart quarter", "GET", reverse("workflows:absence_chart") + "?view=quarter", _all(200)),
        Endpoint("list", "GET", reverse("workflows:absence_list"), _all(200)),
        Endpoint("detail", "GET", page("workflows:absence_detail"), _all(200)),
        Endpoint("create form", "GET", reverse("workflows:absence_create"), _managers(200)),
        Endpoint(
            "create",
            "POST",
            reverse("workflows:absence_create"),
            _managers(302),
            new_absence,
            "form",
            changed=rows(Absence),
        ),
        Endpoint("edit form", "GET", page("workflows:absence_edit"), _managers(200)),
        Endpoint(
            "edit",
            "POST",
            page("workflows:absence_edit"),
            _managers(302),
            lambda role: {"type": kinds["trip"].pk, "start": moved(role), "end": moved(role)},
            "form",
            changed=rows(Absence, "start", "end"),
        ),
        Endpoint("delete form", "GET", page("workflows:absence_delete"), _managers(200)),
        Endpoint(
            "delete",
            "POST",
            page("workflows:absence_delete"),
            _managers(302),
            {},
            "form",
            changed=rows(Absence),
        ),
        Endpoint("types", "GET", reverse("workflows:absence_types"), _admins(200)),
        Endpoint("type create form", "GET", reverse("workflows:absence_type_create"), _admins(200)),
        Endpoint(
            "type create",
            "POST",
            reverse("workflows:absence_type_create"),
            _admins(302),
            lambda role: {"name": f"Made by {role}", "color": "#123456", "order": "5", "is_active": "on"},
            "form",
            changed=rows(AbsenceType),
        ),
        Endpoint(
            "type edit form", "GET", reverse("workflows:absence_type_edit", args=[kind.pk]), _admins(200)
        ),
        Endpoint(
            "type edit",
            "POST",
            lambda role: reverse("workflows:absence_type_edit", args=[fresh_type(role).pk]),
            _admins(302),
            lambda role: {"name": f"Renamed by {role}", "color": "#654321", "order": "7"},
            "form",
            changed=rows(AbsenceType, "name"),
        ),
        Endpoint("allowances", "GET", reverse("workflows:allowance_list"), _managers(200)),
        Endpoint(
            "allowance form",
            "GET",
            reverse("workflows:allowance_edit") + f"?user={org.east_rep.pk}&year=2030",
            _managers(200),
        ),
        Endpoint(
            "allowance set",
            "POST",
            reverse("workflows:allowance_edit"),
            _managers(302),
            lambda role: {"user": UserFactory().pk, "year": "2030", "days": "25"},
            "form",
            changed=rows(LeaveAllowance, "days"),
        ),
        Endpoint(
            "carry over",
            "POST",
            reverse("workflows:allowance_carry_over"),
            _managers(302),
            lambda role: {"year": str(year + ROLES_HERE.index(role))},
            "form",
            changed=rows(LeaveAllowance),
        ),
        # --- API
        Endpoint("api list", "GET", "/api/v1/workflows/absences/", _all(200, API_ANON)),
        Endpoint("api detail", "GET", api(), _all(200, API_ANON)),
        Endpoint("api chart", "GET", "/api/v1/workflows/absences/chart/", _all(200, API_ANON)),
        Endpoint(
            "api balance of the member",
            "GET",
            f"/api/v1/workflows/absences/balance/?user={org.east_rep.pk}",
            {**_all(200, API_ANON), "outsider": 404},
        ),
        Endpoint(
            "api create",
            "POST",
            "/api/v1/workflows/absences/",
            _managers(201, 403, API_ANON),
            new_absence,
            changed=rows(Absence),
        ),
        Endpoint(
            "api change",
            "PATCH",
            api(),
            _managers(200, 403, API_ANON),
            lambda role: {"comment": f"Changed by {role}"},
            changed=rows(Absence, "comment"),
        ),
        Endpoint("api delete", "DELETE", api(), _managers(204, 403, API_ANON), changed=rows(Absence)),
        Endpoint("api types", "GET", "/api/v1/workflows/absence-types/", _all(200, API_ANON)),
        Endpoint(
            "api type", "GET", f"/api/v1/workflows/absence-types/{kinds['vacation'].pk}/", _all(200, API_ANON)
        ),
    ]


def test_absences_matrix(absences_matrix_users, absences_endpoints):
    assert_matrix(absences_matrix_users, absences_endpoints)
