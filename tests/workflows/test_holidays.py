"""The company calendar: dates set and deleted by admins, .ics import (good, bad, moved working days, skipped
events), the calendar source that makes core's working days skip a holiday and count a moved Saturday, the page
and the API."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.core import workdays
from portal.core.audit import AuditLog
from portal.core.errors import Invalid, NotAllowed
from portal.workflows.models import Holiday
from portal.workflows.selectors import holidays as selectors
from portal.workflows.services import holidays as services
from tests.utils import client_as
from tests.workflows.factories import HolidayFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def ics(*events: str) -> bytes:
    """A calendar of VEVENT bodies (lines without BEGIN/END)."""
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Lumen tests//EN"]
    for number, body in enumerate(events):
        parts += [
            "BEGIN:VEVENT",
            f"UID:event-{number}@lumen.test",
            "DTSTAMP:20300101T000000Z",
            body,
            "END:VEVENT",
        ]
    parts.append("END:VCALENDAR")
    return ("\r\n".join(parts) + "\r\n").encode()


GOOD = ics(
    "DTSTART;VALUE=DATE:20300101\r\nDTEND;VALUE=DATE:20300103\r\nSUMMARY:New Year holidays",
    "DTSTART;VALUE=DATE:20300308\r\nSUMMARY:Women's Day",
    "DTSTART;VALUE=DATE:20300105\r\nDTEND;VALUE=DATE:20300106\r\nSUMMARY:Рабочий день (перенос)",
    "DTSTART;VALUE=DATE:20300601\r\nSUMMARY:Bridge Saturday\r\nCATEGORIES:Public,WORKDAY",
    "DTSTART;VALUE=DATE:20300504\r\nSUMMARY:Нерабочий день",
    "DTSTART;VALUE=DATE:20300505\r\nSUMMARY:Non-working day",
    "DTSTART:20300701T090000Z\r\nDTEND:20300701T100000Z\r\nSUMMARY:Staff meeting",
    "DTSTART;VALUE=DATE:20300704\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Every year",
)


# --- services -----------------------------------------------------------------------------------------------


def test_admins_set_and_delete_dates(org):
    with pytest.raises(NotAllowed):
        services.holiday_set(actor=org.east_rep, date=D(2030, 5, 1), name="Labour Day")
    holiday = services.holiday_set(actor=org.admin, date=D(2030, 5, 1), name="  Labour   Day ")
    assert (holiday.name, holiday.kind) == ("Labour Day", "holiday")
    # The same date again changes it instead of adding a second one.
    services.holiday_set(actor=org.admin, date=D(2030, 5, 1), name="Spring Day", kind="workday")
    assert list(Holiday.objects.values_list("date", "name", "kind")) == [
        (D(2030, 5, 1), "Spring Day", "workday")
    ]
    with pytest.raises(Invalid) as bad:
        services.holiday_set(actor=org.admin, date=D(1990, 1, 1), name="", kind="party")
    assert set(bad.value.fields) == {"date", "name", "kind"}
    with pytest.raises(NotAllowed):
        services.holiday_delete(actor=org.ceo, holiday=holiday)
    services.holiday_delete(actor=org.admin, holiday=holiday)
    assert not Holiday.objects.exists()
    assert list(
        AuditLog.objects.filter(action__startswith="workflows.holiday.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["workflows.holiday.create", "workflows.holiday.update", "workflows.holiday.delete"]


def test_an_ics_file_becomes_holidays_and_moved_working_days(org):
    result = services.holidays_import_ics(actor=org.admin, data=GOOD)
    dates = dict(Holiday.objects.values_list("date", "kind"))
    assert dates == {
        D(2030, 1, 1): "holiday",
        D(2030, 1, 2): "holiday",  # DTEND of an all-day event is the day after
        D(2030, 3, 8): "holiday",
        D(2030, 1, 5): "workday",  # "Рабочий день" in the summary
        D(2030, 6, 1): "workday",  # the WORKDAY category
        D(2030, 5, 4): "holiday",  # "нерабочий день" is a day off
        D(2030, 5, 5): "holiday",  # so is a "non-working day"
    }
    assert (result.created, result.updated, result.unchanged, result.skipped) == (7, 0, 0, 2)
    assert any("Staff meeting" in line and "all-day" in line for line in result.errors)
    assert any("Every year" in line and "recurring" in line for line in result.errors)
    assert Holiday.objects.get(date=D(2030, 1, 2)).name == "New Year holidays"

    # Again: nothing new; a renamed event updates its date.
    again = services.holidays_import_ics(actor=org.admin, data=GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    renamed = services.holidays_import_ics(
        actor=org.admin, data=ics("DTSTART;VALUE=DATE:20300308\r\nSUMMARY:International Women's Day")
    )
    assert (renamed.created, renamed.updated) == (0, 1)
    assert Holiday.objects.get(date=D(2030, 3, 8)).name == "International Women's Day"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"this is not a calendar",
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Someone\r\nEND:VCARD\r\n",
        ics().replace(b"BEGIN:VEVENT", b""),  # a calendar without events
        b"\xff\xfe\x00garbage",
    ],
)
def test_a_bad_file_is_refused_and_changes_nothing(org, data):
    HolidayFactory(date=D(2030, 1, 1), name="Kept")
    with pytest.raises(Invalid) as refused:
        services.holidays_import_ics(actor=org.admin, data=data)
    assert "file" in refused.value.fields
    assert list(Holiday.objects.values_list("name", flat=True)) == ["Kept"]


def test_only_admins_import(org):
    with pytest.raises(NotAllowed):
        services.holidays_import_ics(actor=org.sales_head, data=GOOD)
    assert not Holiday.objects.exists()


@pytest.mark.parametrize(
    "summary, categories, workday",
    [
        ("Working day", [], True),
        ("Workday (moved from Monday)", [], True),
        ("Рабочая суббота", [], True),
        ("рабочий день", [], True),
        ("Non-working day", [], False),
        ("non working day", [], False),
        ("Нерабочий день", [], False),
        ("Christmas", ["HOLIDAY"], False),
        ("Bridge", ["workday"], True),
    ],
)
def test_workday_markers(summary, categories, workday):
    assert services.is_workday_event(summary, categories) is workday


# --- the calendar source --------------------------------------------------------------------------------------


def test_working_days_skip_a_holiday_and_count_a_moved_saturday(org):
    # 2030-05-07 is a Tuesday; Wednesday the 8th becomes a holiday, Saturday the 11th a working day.
    tuesday = D(2030, 5, 7)
    assert workdays.add_working_days(tuesday, 1) == D(2030, 5, 8)
    HolidayFactory(date=D(2030, 5, 8), name="Victory Day eve")
    HolidayFactory(date=D(2030, 5, 11), name="Moved working day", kind="workday")
    assert workdays.add_working_days(tuesday, 1) == D(2030, 5, 9)
    # Thursday -> Friday -> the worked Saturday -> Monday.
    assert workdays.add_working_days(D(2030, 5, 9), 2) == D(2030, 5, 11)
    assert workdays.add_working_days(D(2030, 5, 9), 3) == D(2030, 5, 13)
    moment = datetime.datetime(2030, 5, 7, 15, 30, tzinfo=datetime.UTC)
    assert workdays.add_working_days(moment, 1) == datetime.datetime(2030, 5, 9, 15, 30, tzinfo=datetime.UTC)
    week = workdays.working_days_between(D(2030, 5, 6), D(2030, 5, 12))
    assert week == [D(2030, 5, 6), D(2030, 5, 7), D(2030, 5, 9), D(2030, 5, 10), D(2030, 5, 11)]
    assert workdays.holidays_between(D(2030, 5, 1), D(2030, 5, 31)) == {D(2030, 5, 8): "Victory Day eve"}


def test_the_calendar_source_is_registered_and_reads_once(org, django_assert_num_queries):
    from portal.core.registry import registry

    assert "workflows.holidays" in registry.calendar_sources
    for day in range(1, 20):
        HolidayFactory(date=D(2030, 2, day), name=f"Day {day}")
    with django_assert_num_queries(1):
        found = selectors.holiday_calendar(start=D(2030, 1, 1), end=D(2030, 12, 31))
    assert len(found) == 19 and found[D(2030, 2, 3)] == (False, "Day 3")


# --- pages --------------------------------------------------------------------------------------------------


def test_the_holiday_page_lists_a_year_and_admins_add(org):
    HolidayFactory(date=D(2030, 1, 1), name="New Year")
    HolidayFactory(date=D(2031, 1, 1), name="Next New Year")
    url = reverse("workflows:holiday_list")
    page = client_as(org.east_rep).get(url, {"year": 2030})
    html = page.content.decode()
    assert page.status_code == 200 and "New Year" in html and "Next New Year" not in html
    assert "Import .ics" not in html and 'name="name"' not in html
    assert (
        client_as(org.east_rep)
        .post(url, {"date": "2030-02-02", "name": "X", "kind": "holiday"}, format="multipart")
        .status_code
        == 404
    )

    admin = client_as(org.admin)
    assert 'name="name"' in admin.get(url, {"year": 2030}).content.decode()
    response = admin.post(
        url, {"date": "2030-02-23", "name": "Defender Day", "kind": "holiday"}, format="multipart"
    )
    assert response.status_code == 302 and response["Location"].endswith("?year=2030")
    bad = admin.post(url, {"date": "", "name": "", "kind": "holiday"}, format="multipart")
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    holiday = Holiday.objects.get(name="Defender Day")
    assert admin.post(reverse("workflows:holiday_delete", args=[holiday.pk])).status_code == 302
    assert not Holiday.objects.filter(pk=holiday.pk).exists()


def test_the_import_page_shows_what_it_did(org):
    url = reverse("workflows:holiday_import")
    assert client_as(org.east_rep).get(url).status_code == 404
    admin = client_as(org.admin)
    response = admin.post(
        url, {"file": SimpleUploadedFile("holidays.ics", GOOD, "text/calendar")}, format="multipart"
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="wf-import-report"' in html
    assert "Created: 7" in html and "Staff meeting" in html
    bad = admin.post(
        url, {"file": SimpleUploadedFile("x.ics", b"nonsense", "text/calendar")}, format="multipart"
    )
    assert bad.status_code == 400 and "not an iCalendar" in bad.content.decode()
    assert Holiday.objects.count() == 7


# --- API ----------------------------------------------------------------------------------------------------

API = "/api/v1/workflows/holidays/"


def test_api_lists_for_everyone_and_writes_for_admins(org):
    HolidayFactory(date=D(2030, 1, 1), name="New Year")
    HolidayFactory(date=D(2031, 1, 7), name="Christmas", kind="holiday")
    member = client_as(org.east_rep)
    listed = member.get(API, {"year": 2031}).json()
    assert [row["name"] for row in listed["results"]] == ["Christmas"]
    assert member.post(API, {"date": "2030-03-08", "name": "X"}, format="json").status_code == 403

    admin = client_as(org.admin)
    created = admin.post(API, {"date": "2030-03-08", "name": "Women's Day"}, format="json")
    assert created.status_code == 201 and created.json()["kind"] == "holiday"
    pk = created.json()["id"]
    changed = admin.patch(f"{API}{pk}/", {"kind": "workday"}, format="json")
    assert changed.status_code == 200 and changed.json() == {
        "id": pk,
        "date": "2030-03-08",
        "name": "Women's Day",
        "kind": "workday",
    }
    bad = admin.post(API, {"date": "2030-03-09", "name": ""}, format="json")
    assert bad.status_code == 400 and "name" in bad.json()["error"]["fields"]
    assert admin.delete(f"{API}{pk}/").status_code == 204


def test_api_import(org):
    response = client_as(org.admin).post(
        f"{API}import/", {"file": SimpleUploadedFile("h.ics", GOOD, "text/calendar")}, format="multipart"
    )
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("created", "updated", "unchanged", "skipped")} == {
        "created": 7,
        "updated": 0,
        "unchanged": 0,
        "skipped": 2,
    }
    bad = client_as(org.admin).post(
        f"{API}import/", {"file": SimpleUploadedFile("h.ics", b"junk", "text/calendar")}, format="multipart"
    )
    assert bad.status_code == 400 and "file" in bad.json()["error"]["fields"]
    refused = client_as(org.east_rep).post(
        f"{API}import/", {"file": SimpleUploadedFile("h.ics", GOOD, "text/calendar")}, format="multipart"
    )
    assert refused.status_code == 403


def test_api_list_has_a_query_budget(org, django_assert_max_num_queries):
    client = client_as(org.east_rep)
    for day in range(1, 4):
        HolidayFactory(date=D(2030, 1, day), name=f"Day {day}")
    from tests.utils import count_queries

    few = count_queries(lambda: client.get(API, {"year": 2030}))
    for day in range(4, 40):
        HolidayFactory(date=D(2030, 1, 1) + datetime.timedelta(days=day), name=f"Day {day}")
    with django_assert_max_num_queries(few):
        assert len(client.get(API, {"year": 2030}).json()["results"]) == 39


def test_the_page_and_the_api_list_cost_the_same_at_3_and_at_60_holidays(org):
    from tests.utils import count_queries

    client = client_as(org.east_rep)
    page = reverse("workflows:holiday_list")
    for day in range(3):
        HolidayFactory(date=D(2030, 1, 1) + datetime.timedelta(days=day), name=f"Day {day}")
    client.get(page, {"year": 2030})  # the person's permissions are cached after their first request

    def costs():
        return (
            count_queries(lambda: client.get(page, {"year": 2030})),
            count_queries(lambda: client.get(API, {"year": 2030})),
        )

    few = costs()
    for day in range(3, 60):
        HolidayFactory(date=D(2030, 1, 1) + datetime.timedelta(days=day * 5), name=f"Day {day}")
    assert Holiday.objects.filter(date__year=2030).count() == 60
    assert costs() == few
    html = client.get(page, {"year": 2030}).content.decode()
    assert "Day 59" in html
