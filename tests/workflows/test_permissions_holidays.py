"""Every route of the company calendar (pages and API), called as every role: everyone reads it, only portal
admins add, change, delete and import dates (pages answer 404 to the others, the API 403)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.workflows.models import Holiday
from tests.utils import ROLES, Endpoint, assert_matrix, rows
from tests.workflows.factories import HolidayFactory

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)
_days = itertools.count()


def _all(status, anonymous=LOGIN) -> dict:
    return {role: anonymous if role == "anonymous" else status for role in ROLES}


def _admin(allowed, refused=404, anonymous=LOGIN) -> dict:
    return {**_all(refused, anonymous), "admin": allowed}


def _day() -> datetime.date:
    return datetime.date(2040, 1, 1) + datetime.timedelta(days=next(_days))


def _ics(day: datetime.date) -> SimpleUploadedFile:
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Lumen//EN\r\nBEGIN:VEVENT\r\nUID:x@lumen.test\r\n"
        f"DTSTAMP:20300101T000000Z\r\nDTSTART;VALUE=DATE:{day:%Y%m%d}\r\nSUMMARY:Imported\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    return SimpleUploadedFile("holidays.ics", body.encode(), "text/calendar")


@pytest.fixture
def holidays_endpoints(org):
    def fresh(role=None):
        return HolidayFactory(date=_day(), name="Fresh")

    return [
        Endpoint("list", "GET", reverse("workflows:holiday_list") + "?year=2040", _all(200)),
        Endpoint(
            "add",
            "POST",
            reverse("workflows:holiday_list"),
            _admin(302),
            lambda role: {"date": _day().isoformat(), "name": f"By {role}", "kind": "holiday"},
            "form",
            changed=rows(Holiday),
        ),
        Endpoint(
            "delete",
            "POST",
            lambda role: reverse("workflows:holiday_delete", args=[fresh(role).pk]),
            _admin(302),
            {},
            "form",
            changed=rows(Holiday),
        ),
        Endpoint("import form", "GET", reverse("workflows:holiday_import"), _admin(200)),
        Endpoint(
            "import",
            "POST",
            reverse("workflows:holiday_import"),
            _admin(200),
            lambda role: {"file": _ics(_day())},
            "multipart",
            changed=rows(Holiday),
        ),
        # --- API
        Endpoint("api list", "GET", "/api/v1/workflows/holidays/?year=2040", _all(200, API_ANON)),
        Endpoint(
            "api detail",
            "GET",
            lambda role: f"/api/v1/workflows/holidays/{fresh(role).pk}/",
            _all(200, API_ANON),
        ),
        Endpoint(
            "api add",
            "POST",
            "/api/v1/workflows/holidays/",
            _admin(201, 403, API_ANON),
            lambda role: {"date": _day().isoformat(), "name": f"By {role}"},
            changed=rows(Holiday),
        ),
        Endpoint(
            "api change",
            "PATCH",
            lambda role: f"/api/v1/workflows/holidays/{fresh(role).pk}/",
            _admin(200, 403, API_ANON),
            lambda role: {"name": f"Renamed by {role}"},
            changed=rows(Holiday, "name"),
        ),
        Endpoint(
            "api delete",
            "DELETE",
            lambda role: f"/api/v1/workflows/holidays/{fresh(role).pk}/",
            _admin(204, 403, API_ANON),
            changed=rows(Holiday),
        ),
        Endpoint(
            "api import",
            "POST",
            "/api/v1/workflows/holidays/import/",
            _admin(200, 403, API_ANON),
            lambda role: {"file": _ics(_day())},
            "multipart",
            changed=rows(Holiday),
        ),
    ]


def test_holidays_matrix(roles, holidays_endpoints):
    assert_matrix(roles, holidays_endpoints)
