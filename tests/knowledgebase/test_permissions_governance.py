"""Every route of governance, called as every role: the badge of a page the caller cannot read is 404; only
the page's responsible editor (the supervisor here) and admins mark it verified."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgebase.models import PageVerification
from tests.knowledgebase.factories_governance import matrix_world
from tests.utils import ROLES, Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302


def _expect(outsider, member, supervisor, admin, anonymous=LOGIN) -> dict:
    return dict(zip(ROLES, (anonymous, outsider, member, supervisor, admin), strict=True))


@pytest.fixture
def governance_endpoints(org):
    page = matrix_world(org).rules
    return [
        Endpoint("badge", "GET", reverse("kb:page_governance", args=[page.pk]), _expect(404, 200, 200, 200)),
        Endpoint(
            "verify",
            "POST",
            reverse("kb:page_verify", args=[page.pk]),
            _expect(404, 403, 302, 302),
            {},
            "form",
            changed=rows(PageVerification, "verified_at"),
        ),
        Endpoint("reviews", "GET", reverse("kb:review_list"), _expect(200, 200, 200, 200)),
    ]


def test_governance_matrix(roles, governance_endpoints):
    assert_matrix(roles, governance_endpoints)
