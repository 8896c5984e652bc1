"""The absences API: the list with its filters and privacy (and a query budget), HR's create/change/delete with
the JSON error shape, the chart's data endpoint (constant queries), the balance and the absence types."""

from __future__ import annotations

import datetime

import pytest

from portal.workflows.models import Absence
from tests.people.factories import UserFactory
from tests.utils import client_as, count_queries
from tests.workflows.factories import AbsenceFactory, HolidayFactory, LeaveAllowanceFactory
from tests.workflows.test_absences import absence_types, hr_role

pytestmark = pytest.mark.django_db

D = datetime.date
API = "/api/v1/workflows/absences/"


@pytest.fixture
def api_kinds(db):
    return absence_types()


@pytest.fixture
def api_hr(org):
    person = UserFactory(email="hr.api@acme.test", department=org.root)
    hr_role(person)
    return person


def test_the_list_filters_and_hides_private_types(org, api_kinds):
    sick = AbsenceFactory(
        user=org.east_rep, type=api_kinds["sick"], start=D(2030, 5, 6), end=D(2030, 5, 7), comment="flu"
    )
    trip = AbsenceFactory(user=org.developer, type=api_kinds["trip"], start=D(2030, 6, 3), end=D(2030, 6, 4))
    client = client_as(org.sales_rep)
    rows = {row["id"]: row for row in client.get(API).json()["results"]}
    assert set(rows) == {sick.pk, trip.pk}
    assert (rows[sick.pk]["label"], rows[sick.pk]["type"], rows[sick.pk]["comment"]) == ("Absent", None, "")
    assert (rows[trip.pk]["label"], rows[trip.pk]["type"], rows[trip.pk]["days"]) == (
        "Business trip",
        api_kinds["trip"].pk,
        2,
    )

    def ids(params, user=org.sales_rep):
        return {row["id"] for row in client_as(user).get(API, params).json()["results"]}

    assert ids({"person": org.developer.pk}) == {trip.pk}
    assert ids({"department": org.sales.pk}) == {sick.pk}  # Sales East is under Sales
    assert ids({"department": org.sales.pk, "subdepartments": "false"}) == set()
    assert ids({"date_from": "2030-06-01", "date_to": "2030-06-30"}) == {trip.pk}
    assert ids({"type": api_kinds["trip"].pk}) == {trip.pk}
    # A filter by the private type finds only what the reader may see of it.
    assert ids({"type": api_kinds["sick"].pk}) == set()
    assert ids({"type": api_kinds["sick"].pk}, user=org.east_head) == {sick.pk}
    own = client_as(org.east_rep).get(f"{API}{sick.pk}/").json()
    assert (own["label"], own["comment"]) == ("Sick leave", "flu")
    assert client_as(None).get(API).status_code in (401, 403)


def test_the_list_has_a_query_budget(org, api_kinds, django_assert_max_num_queries):
    client = client_as(org.east_head)
    for n in range(3):
        AbsenceFactory(
            user=UserFactory(department=org.east),
            type=api_kinds["sick"],
            start=D(2030, 5, 1 + n),
            end=D(2030, 5, 2 + n),
        )
    client.get(API)
    few = count_queries(lambda: client.get(API))
    for n in range(30):
        AbsenceFactory(
            user=UserFactory(department=org.field if n % 2 else org.it),
            type=api_kinds["sick" if n % 3 else "trip"],
            start=D(2030, 6, 1 + n % 25),
            end=D(2030, 6, 2 + n % 25),
        )
    with django_assert_max_num_queries(few):
        assert len(client.get(API).json()["results"]) == 33


def test_hr_creates_changes_and_deletes(org, api_kinds, api_hr):
    body = {"user": org.east_rep.pk, "type": api_kinds["sick"].pk, "start": "2030-05-06", "end": "2030-05-08"}
    refused = client_as(org.east_head).post(API, body, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    client = client_as(api_hr)
    created = client.post(API, {**body, "comment": "flu"}, format="json")
    assert created.status_code == 201
    data = created.json()
    assert (data["user"], data["label"], data["comment"], data["days"]) == (
        org.east_rep.pk,
        "Sick leave",
        "flu",
        3,
    )

    clash = client.post(API, {**body, "start": "2030-05-08", "end": "2030-05-10"}, format="json")
    assert clash.status_code == 400
    assert "already away" in clash.json()["error"]["fields"]["start"][0]
    backwards = client.post(API, {**body, "start": "2030-07-08", "end": "2030-07-01"}, format="json")
    assert backwards.status_code == 400 and "end" in backwards.json()["error"]["fields"]
    own_vacation = client.post(
        API, {**body, "user": api_hr.pk, "type": api_kinds["vacation"].pk}, format="json"
    )
    assert own_vacation.status_code == 403

    pk = data["id"]
    assert (
        client_as(org.east_rep).patch(f"{API}{pk}/", {"end": "2030-05-09"}, format="json").status_code == 403
    )
    changed = client.patch(f"{API}{pk}/", {"end": "2030-05-09", "comment": ""}, format="json")
    assert changed.status_code == 200 and changed.json()["end"] == "2030-05-09"
    assert client_as(org.east_rep).delete(f"{API}{pk}/").status_code == 403
    assert client.delete(f"{API}{pk}/").status_code == 204
    assert not Absence.objects.exists()
    assert client.get(f"{API}{pk}/").status_code == 404


def test_the_chart_endpoint(org, api_kinds):
    HolidayFactory(date=D(2030, 5, 9), name="Victory Day")
    trip = AbsenceFactory(user=org.east_rep, type=api_kinds["trip"], start=D(2030, 4, 28), end=D(2030, 5, 3))
    sick = AbsenceFactory(user=org.field_rep, type=api_kinds["sick"], start=D(2030, 5, 6), end=D(2030, 5, 6))
    client = client_as(org.developer)
    data = client.get(
        f"{API}chart/", {"start": "2030-05-01", "end": "2030-05-31", "department": org.east.pk}
    ).json()
    assert (data["start"], data["end"], data["total_people"], data["pages"]) == (
        "2030-05-01",
        "2030-05-31",
        3,
        1,
    )
    assert len(data["days"]) == 31
    holiday = next(day for day in data["days"] if day["date"] == "2030-05-09")
    assert (holiday["holiday"], holiday["off"]) == ("Victory Day", True)
    rows = {row["person"]["id"]: row["absences"] for row in data["rows"]}
    assert set(rows) == {org.east_head.pk, org.east_rep.pk, org.field_rep.pk}
    [bar] = rows[org.east_rep.pk]
    assert (bar["id"], bar["start"], bar["shown_from"], bar["shown_to"]) == (
        trip.pk,
        "2030-04-28",
        "2030-05-01",
        "2030-05-03",
    )
    [hidden] = rows[org.field_rep.pk]
    assert (hidden["id"], hidden["label"], hidden["type"]) == (sick.pk, "Absent", None)

    default = client.get(f"{API}chart/").json()
    assert default["start"].endswith("-01")
    assert client.get(f"{API}chart/", {"start": "2030-05-10", "end": "2030-05-01"}).status_code == 400
    assert client.get(f"{API}chart/", {"start": "2030-01-01", "end": "2030-12-31"}).status_code == 400
    assert client.get(f"{API}chart/", {"department": 999999}).status_code == 404
    only_trips = client.get(
        f"{API}chart/",
        {"start": "2030-05-01", "end": "2030-05-31", "type": api_kinds["trip"].pk, "absent": "true"},
    ).json()
    assert [row["person"]["id"] for row in only_trips["rows"]] == [org.east_rep.pk]


def test_the_chart_endpoint_takes_constant_queries(org, api_kinds):
    client = client_as(org.east_rep)
    params = {"start": "2030-05-01", "end": "2030-05-31"}
    for n in range(3):
        AbsenceFactory(
            user=UserFactory(department=org.it),
            type=api_kinds["trip"],
            start=D(2030, 5, 1 + n),
            end=D(2030, 5, 2 + n),
        )
    client.get(f"{API}chart/", params)  # the session's first read
    few = count_queries(lambda: client.get(f"{API}chart/", params))
    for n in range(25):
        AbsenceFactory(
            user=UserFactory(department=org.field),
            type=api_kinds["sick" if n % 2 else "vacation"],
            start=D(2030, 5, 1 + n),
            end=D(2030, 5, 3 + n),
        )
    assert count_queries(lambda: client.get(f"{API}chart/", params)) == few


def test_the_balance(org, api_kinds):
    year = 2025  # past: its days are used, not planned
    LeaveAllowanceFactory(user=org.east_rep, year=year, days=28, carried_over=4)
    AbsenceFactory(user=org.east_rep, type=api_kinds["vacation"], start=D(year, 6, 2), end=D(year, 6, 6))
    mine = client_as(org.east_rep).get(f"{API}balance/", {"year": year}).json()
    assert {k: mine[k] for k in ("allowance", "carried_over", "used", "planned", "left")} == {
        "allowance": "28.0",
        "carried_over": "4.0",
        "used": "5.0",
        "planned": "0.0",
        "left": "27.0",
    }
    params = {"user": org.east_rep.pk, "year": year}
    assert client_as(org.developer).get(f"{API}balance/", params).status_code == 404
    assert client_as(org.sales_head).get(f"{API}balance/", params).json()["left"] == "27.0"
    assert client_as(org.admin).get(f"{API}balance/", params).status_code == 200


def test_the_absence_types(org, api_kinds):
    api_kinds["dayoff"].is_active = False
    api_kinds["dayoff"].save()
    names = [row["name"] for row in client_as(org.east_rep).get("/api/v1/workflows/absence-types/").json()]
    assert "Vacation" in names and "Sick leave" in names and "Day off" not in names
