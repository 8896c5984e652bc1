"""The day corrections of the control dashboard (the detail of a person's cell and its decision), called as
every role.

Roles (tests/conftest.py `roles`), plus a head of another branch: the person whose corrections they are is
east_rep ("member": they do not decide their own); sales_head heads their branch ("supervisor"); it_head
heads another one ("other_head"); developer controls nobody ("outsider"). Everyone who may not decide
answers 404, as for a person or a correction that does not exist.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.models import DayCorrection
from tests.reports.test_control_corrections import pending
from tests.utils import Endpoint, assert_matrix, rows

LOGIN = 302
HX = {"HTTP_HX_REQUEST": "true"}


def _expect(allowed: int) -> dict:
    return {
        "anonymous": LOGIN,
        "outsider": 404,
        "member": 404,
        "other_head": 404,
        "supervisor": allowed,
        "admin": allowed,
    }


@pytest.mark.parametrize("extra", [{}, HX], ids=["page", "htmx"])
def test_control_corrections_matrix(roles, org, extra):
    users = {**roles, "other_head": org.it_head}
    person = org.east_rep
    pending(person)

    def fresh(role: str) -> str:
        return reverse("reports:control_correction_decide", args=[pending(person).pk])

    assert_matrix(
        users,
        [
            Endpoint(
                "control corrections detail",
                "GET",
                reverse("reports:control_corrections", args=[person.pk]),
                _expect(200),
                extra=extra,
            ),
            Endpoint(
                "control corrections detail, nobody",
                "GET",
                reverse("reports:control_corrections", args=[999999]),
                {**_expect(404), "anonymous": LOGIN},
                extra=extra,
            ),
            Endpoint(
                "control correction decide",
                "POST",
                fresh,
                _expect(200 if extra else 302),
                {"decision": "reject", "comment": "No"},
                "form",
                extra=extra,
                changed=rows(DayCorrection, "status"),
            ),
            Endpoint(
                "control correction decide GET",
                "GET",
                fresh,
                {**_expect(405), "other_head": 405, "outsider": 405, "member": 405},
                extra=extra,
            ),
        ],
    )
