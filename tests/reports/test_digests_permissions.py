"""Every digest page, called as every role: a digest is seen only by its recipient and admins (404 for
everybody else, so that its existence does not leak); everyone signed in has their own list and settings."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.reports.factories import DigestFactory
from tests.reports.probes import REPORT_TABLES
from tests.utils import ROLES, Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

LOGIN = 302


def test_digest_pages_permission_matrix(roles, org):
    digest = DigestFactory(recipient=org.sales_head, date=datetime.date(2026, 1, 14))
    personal = DigestFactory(recipient=org.east_rep, kind="personal", date=datetime.date(2026, 1, 14))
    signed_in = {r: (LOGIN if r == "anonymous" else 200) for r in ROLES}
    endpoints = [
        Endpoint("digest list", "GET", reverse("reports:digest_list"), signed_in),
        Endpoint("digest settings", "GET", reverse("reports:digest_settings"), signed_in),
        Endpoint(
            "digest settings post",
            "POST",
            reverse("reports:digest_settings"),
            {r: 302 for r in ROLES},  # anonymous to the login page, everyone else back to the form
            {"digest_time": "08:30", "personal_digest": "on"},
            "form",
        ),
        Endpoint(
            "supervisor's digest",
            "GET",
            reverse("reports:digest_detail", args=[digest.pk]),
            {"anonymous": LOGIN, "outsider": 404, "member": 404, "supervisor": 200, "admin": 200},
        ),
        Endpoint(
            "member's personal digest",
            "GET",
            reverse("reports:digest_detail", args=[personal.pk]),
            {"anonymous": LOGIN, "outsider": 404, "member": 200, "supervisor": 404, "admin": 200},
        ),
        Endpoint(
            "missing digest",
            "GET",
            reverse("reports:digest_detail", args=[987654]),
            {"anonymous": LOGIN, "outsider": 404, "member": 404, "supervisor": 404, "admin": 404},
        ),
        Endpoint(
            "digest list post",
            "POST",
            reverse("reports:digest_list"),
            {"anonymous": LOGIN, "outsider": 405, "member": 405, "supervisor": 405, "admin": 405},
            format="form",
        ),
    ]
    assert_matrix(roles, endpoints, changed=REPORT_TABLES)
