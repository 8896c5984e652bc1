"""The working-day API under /api/v1/reports/: the clicks, my day, the days list (filters, pagination,
query budget), corrections and schedules, the JSON error shape, and the OpenAPI schema."""

from __future__ import annotations

import datetime

import pytest

from reports.choices import CorrectionStatus, DayState
from reports.models import WorkDay, WorkSchedule
from tests.people.factories import DepartmentFactory, UserFactory
from tests.reports.factories import WorkDayFactory
from tests.utils import assert_query_budget, client_as

API = "/api/v1/reports/"
UTC = datetime.UTC


def closed_day(person, date: datetime.date, hours: int = 8, **extra) -> WorkDay:
    start = datetime.datetime.combine(date, datetime.time(9, 0), tzinfo=UTC)
    return WorkDayFactory(
        user=person,
        date=date,
        state=DayState.CLOSED,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=hours),
        worked_seconds=hours * 3600,
        **extra,
    )


def test_the_four_clicks_and_my_day_today(org):
    client = client_as(org.east_rep)
    today = client.get(f"{API}workday/today/").json()
    assert today == {"state": "none", "day": None}
    response = client.post(f"{API}workday/start/", {"comment": "Here"}, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "open" and body["day"]["user"]["id"] == org.east_rep.pk
    assert client.post(f"{API}workday/pause/", {}).json()["state"] == "paused"
    assert client.post(f"{API}workday/resume/", {}).json()["state"] == "open"
    ended = client.post(f"{API}workday/end/", {"comment": "Bye"}).json()
    assert ended["state"] == "closed" and ended["day"]["ended_at"]
    assert client.get(f"{API}workday/today/").json()["day"]["id"] == body["day"]["id"]
    detail = client.get(f"{API}days/{body['day']['id']}/").json()
    assert [e["kind"] for e in detail["events"]] == ["start", "pause", "resume", "end"]
    assert detail["events"][0]["ip"] == "10.9.8.7" and detail["events"][0]["comment"] == "Here"


def test_behind_a_proxy_the_api_records_the_clients_address(org, settings):
    from reports.models import WorkDayEvent

    settings.LUMEN_TRUSTED_PROXIES = 1
    response = client_as(org.east_rep).post(
        f"{API}workday/start/",
        {},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.20",
    )
    assert response.status_code == 201
    assert WorkDayEvent.objects.get(day__user=org.east_rep).ip == "198.51.100.20"


def test_refused_transition_answers_400_with_the_stable_error_shape(org):
    client = client_as(org.east_rep)
    response = client.post(f"{API}workday/end/", {})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid"
    assert "not started" in error["fields"]["state"][0]
    client.post(f"{API}workday/start/", {})
    again = client.post(f"{API}workday/start/", {})
    assert again.status_code == 400 and "already started" in again.json()["error"]["fields"]["state"][0]
    too_long = client.post(f"{API}workday/pause/", {"comment": "x" * 501})
    assert too_long.status_code == 400 and "comment" in too_long.json()["error"]["fields"]


def test_my_schedule(org):
    WorkSchedule.objects.create(
        name="Sales",
        department=org.sales,
        working_days=[0, 1, 2, 3],
        start=datetime.time(8),
        end=datetime.time(16),
    )
    body = client_as(org.east_rep).get(f"{API}workday/schedule/").json()
    assert body["source"] == "department" and body["working_days"] == [0, 1, 2, 3]
    assert body["start"] == "08:00:00" and body["time_zone"] == "UTC"


def test_days_list_filters_paginates_and_hides_others(org):
    closed_day(org.east_rep, datetime.date(2026, 3, 2), is_late=True)
    closed_day(org.east_rep, datetime.date(2026, 3, 3), hours=4, is_short=True)
    closed_day(org.developer, datetime.date(2026, 3, 2))
    client = client_as(org.sales_head)
    body = client.get(f"{API}days/").json()
    assert body["count"] == 2 and {d["user"]["id"] for d in body["results"]} == {org.east_rep.pk}
    assert [d["date"] for d in client.get(f"{API}days/", {"late": "true"}).json()["results"]] == [
        "2026-03-02"
    ]
    assert [d["date"] for d in client.get(f"{API}days/", {"short": "true"}).json()["results"]] == [
        "2026-03-03"
    ]
    page = client.get(f"{API}days/", {"page_size": 1, "page": 2}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["previous"]
    ordered = client.get(f"{API}days/", {"ordering": "worked_seconds"}).json()["results"]
    assert [d["worked_seconds"] for d in ordered] == [4 * 3600, 8 * 3600]
    it_days = client_as(org.it_head).get(f"{API}days/").json()["results"]
    assert [d["user"]["id"] for d in it_days] == [org.developer.pk]  # IT's head sees IT only
    assert client_as(org.admin).get(f"{API}days/").json()["count"] == 3


def test_days_list_query_budget(org):
    client = client_as(org.sales_head)
    closed_day(org.east_rep, datetime.date(2026, 3, 1))
    client.get(f"{API}days/")
    dept = DepartmentFactory(name="East 4", parent=org.east)

    def grow():
        for n in range(30):
            closed_day(UserFactory(department=dept), datetime.date(2026, 3, 1 + n % 28))

    # session, user, permissions (2), headed path, count, the page
    assert_query_budget(lambda: client.get(f"{API}days/"), grow, budget=8)


def test_corrections_create_list_and_decide(org):
    day = closed_day(org.east_rep, datetime.date(2026, 3, 10))
    client = client_as(org.east_rep)
    invalid = client.post(
        f"{API}corrections/", {"day": day.pk, "started_at": "2026-03-10T08:00:00Z", "reason": "x"}
    )
    assert invalid.status_code == 400 and "ended_at" in invalid.json()["error"]["fields"]
    response = client.post(
        f"{API}corrections/",
        {
            "day": day.pk,
            "started_at": "2026-03-10T08:00:00Z",
            "ended_at": "2026-03-10T17:30:00Z",
            "reason": "Early train",
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "pending" and created["old_started_at"].startswith("2026-03-10T09:00")
    assert created["person"]["id"] == org.east_rep.pk and created["date"] == "2026-03-10"

    supervisor = client_as(org.sales_head)
    pending = supervisor.get(f"{API}corrections/", {"pending": "true", "to_decide": "true"}).json()
    assert [c["id"] for c in pending["results"]] == [created["id"]]
    assert client.get(f"{API}corrections/", {"to_decide": "true"}).json()["count"] == 0
    decided = supervisor.post(f"{API}corrections/{created['id']}/decide/", {"approve": True, "comment": "ok"})
    assert decided.status_code == 200 and decided.json()["status"] == CorrectionStatus.APPROVED
    day_body = client.get(f"{API}days/{day.pk}/").json()
    assert day_body["started_at"].startswith("2026-03-10T08:00")
    assert day_body["original_started_at"].startswith("2026-03-10T09:00")
    assert day_body["worked_seconds"] == 9 * 3600 + 1800
    twice = supervisor.post(f"{API}corrections/{created['id']}/decide/", {"approve": False})
    assert twice.status_code == 400 and "correction" in twice.json()["error"]["fields"]
    assert (
        client.post(
            f"{API}corrections/", {"day": 999999, "started_at": "2026-03-10T08:00:00Z", "reason": "x"}
        ).status_code
        == 404
    )


def test_confirming_an_auto_closed_day(org):
    day = closed_day(org.east_rep, datetime.date(2026, 3, 10), auto_closed=True, needs_confirmation=True)
    client = client_as(org.east_rep)
    body = client.post(f"{API}days/{day.pk}/confirm/", {}).json()
    assert body["needs_confirmation"] is False and body["auto_closed"] is True
    assert client.post(f"{API}days/{day.pk}/confirm/", {}).status_code == 400


def test_schedules_crud(org):
    client = client_as(org.sales_head)
    body = {
        "name": "East",
        "department": org.east.pk,
        "working_days": [0, 1, 2, 3, 4],
        "start": "08:00",
        "end": "17:00",
    }
    created = client.post(f"{API}schedules/", body)
    assert created.status_code == 201
    schedule_id = created.json()["id"]
    assert created.json()["allowed_lateness"] == 10 and created.json()["break_minutes"] == 60
    # Setting the same department again replaces its schedule.
    again = client.post(f"{API}schedules/", {**body, "name": "East 2"})
    assert again.json()["id"] == schedule_id and WorkSchedule.objects.count() == 1
    assert [s["id"] for s in client.get(f"{API}schedules/").json()["results"]] == [schedule_id]
    patched = client.patch(f"{API}schedules/{schedule_id}/", {"allowed_lateness": 0})
    assert (
        patched.status_code == 200
        and patched.json()["allowed_lateness"] == 0
        and patched.json()["name"] == "East 2"
    )
    moved = client.put(
        f"{API}schedules/{schedule_id}/", {**body, "department": None, "user": org.east_rep.pk}
    )
    assert (
        moved.status_code == 200
        and moved.json()["user"] == org.east_rep.pk
        and moved.json()["department"] is None
    )
    wrong = client.post(f"{API}schedules/", {**body, "department": org.it.pk})
    assert wrong.status_code == 403
    bad = client.post(f"{API}schedules/", {**body, "end": "07:00"})
    assert bad.status_code == 400 and "end" in bad.json()["error"]["fields"]
    assert client.delete(f"{API}schedules/{schedule_id}/").status_code == 204
    assert not WorkSchedule.objects.exists()


@pytest.mark.filterwarnings("ignore")
def test_the_endpoints_are_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    from reports.api import workday

    schema = SchemaGenerator(patterns=workday.urlpatterns).get_schema(request=None, public=True)
    paths = schema["paths"]
    for path in [
        "/workday/start/",
        "/workday/pause/",
        "/workday/resume/",
        "/workday/end/",
        "/workday/today/",
        "/workday/schedule/",
        "/days/",
        "/days/{id}/",
        "/days/{id}/confirm/",
        "/corrections/",
        "/corrections/{id}/",
        "/corrections/{id}/decide/",
        "/schedules/",
        "/schedules/{id}/",
    ]:
        assert path in paths, path
    assert paths["/workday/start/"]["post"]["summary"].startswith("Start my working day")
    params = {p["name"] for p in paths["/days/"]["get"]["parameters"]}
    assert {"late", "short", "auto_closed", "person", "month", "page"} <= params
