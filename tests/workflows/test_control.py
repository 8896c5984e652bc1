"""The workflows app on the control pages and the start page: the dashboard's "Approvals waiting" column (the
stored counter of waiting assignments, one query for every row), the fragment a cell opens, the digests' lines
(what waits on a supervisor's people for more than a day, what waits for the recipient) and the start page's
card "Approvals waiting for me"."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.core.registry import registry
from portal.notifications.counters import counters_store
from portal.notifications.models import Notification
from portal.workflows.registrations import control as registration
from portal.workflows.selectors import control as selectors
from reports.selectors import control as control_selectors
from tests.people.factories import UserFactory
from tests.workflows.factories import ProcessTemplateFactory, process_laid

pytestmark = pytest.mark.django_db

NOW = timezone.now()
UTC = zoneinfo.ZoneInfo("UTC")
WAITING = "workflows_waiting"


def _cells(board) -> dict[int, dict]:
    keys = [column.key for column in board.columns]
    return {row.person.pk: dict(zip(keys, row.cells, strict=True)) for row in board.rows}


def _days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


@pytest.fixture
def waiting(org):
    """east_rep must decide two requests of their colleagues (one over a day old, one past its deadline) and
    a third from outside the Sales tree; decided, finished and someone else's requests do not count for them."""
    template = ProcessTemplateFactory(name="Payment")
    sales = {
        "old": process_laid(
            requester=org.sales_rep,
            approvers=[org.east_rep],
            template=template,
            title="Pay the printer",
            started_at=_days_ago(3),
        ),
        "late": process_laid(
            requester=org.field_rep,
            approvers=[org.east_rep, org.east_head],
            template=template,
            title="Pay the courier",
            started_at=_days_ago(0.2),
            due_at=_days_ago(0.1),
        ),
    }
    foreign = process_laid(
        requester=org.developer,
        approvers=[org.east_rep],
        template=template,
        title="Buy a server",
        started_at=_days_ago(2),
    )
    # Not waiting for east_rep: decided, finished, or someone else's decision.
    process_laid(requester=org.sales_rep, approvers=[org.east_rep], decided=[org.east_rep], template=template)
    process_laid(requester=org.sales_rep, approvers=[org.east_rep], status="approved", template=template)
    process_laid(requester=org.sales_rep, approvers=[org.field_rep], template=template, title="Field's")
    return {**sales, "foreign": foreign}


def test_the_column_is_registered_with_its_fragment_and_thresholds(org):
    spec = registry.dashboard_counters[WAITING]
    assert spec.column == registration.COLUMN
    assert (spec.amber_at, spec.red_at) == (1, 5)
    assert not spec.in_digest  # the digests have sections of their own
    expected = reverse("workflows:control_waiting", args=[org.east_rep.pk])
    assert spec.detail(org.east_rep.pk) == spec.url(org.east_rep.pk) == expected


def test_the_counter_counts_the_waiting_assignments(org, waiting):
    people = [org.east_rep.pk, org.east_head.pk, org.field_rep.pk, org.sales_rep.pk]
    counters_store(people, [WAITING], push=False)
    from portal.notifications.models import UserCounter

    stored = dict(UserCounter.objects.filter(key=WAITING, value__gt=0).values_list("user_id", "value"))
    assert stored == {org.east_rep.pk: 3, org.east_head.pk: 1, org.field_rep.pk: 1}


def test_a_heads_dashboard_shows_the_numbers(org, waiting):
    people = [org.east_rep.pk, org.east_head.pk, org.field_rep.pk, org.sales_rep.pk]
    counters_store(people, [WAITING], push=False)
    cells = _cells(control_selectors.dashboard(user=org.sales_head, subtree=True, now=NOW))
    mine = cells[org.east_rep.pk][registration.COLUMN]
    assert mine.value == 3 and str(mine.signal) == "amber"
    assert mine.detail == reverse("workflows:control_waiting", args=[org.east_rep.pk])
    assert cells[org.field_rep.pk][registration.COLUMN].value == 1
    quiet = cells[org.sales_rep.pk][registration.COLUMN]
    assert quiet.value == 0 and str(quiet.signal) == "green" and not quiet.detail


def test_five_waiting_make_the_cell_red(org):
    for n in range(5):
        process_laid(requester=org.sales_rep, approvers=[org.east_rep], title=f"Request {n}")
    counters_store([org.east_rep.pk], [WAITING], push=False)
    cells = _cells(control_selectors.dashboard(user=org.sales_head, subtree=True, now=NOW))
    assert str(cells[org.east_rep.pk][registration.COLUMN].signal) == "red"


def test_the_column_reads_every_row_in_one_query(org, django_assert_num_queries):
    people = [UserFactory(department=org.east_rep.department) for _ in range(12)]
    template = ProcessTemplateFactory()
    for person in people:
        process_laid(requester=org.sales_rep, approvers=[person], template=template)
    ids = [p.pk for p in people]
    counters_store(ids, [WAITING], push=False)
    column = next(c for c in control_selectors.dashboard_columns() if c.key == registration.COLUMN)
    for some in (ids[:1], ids):
        with django_assert_num_queries(1):
            cells = column.compute(some, NOW.date())
        assert {pk: cell.value for pk, cell in cells.items()} == dict.fromkeys(some, 1)


def test_the_fragment_lists_what_the_viewer_may_open(org, waiting, client_for):
    head = client_for(org.sales_head)
    url = reverse("workflows:control_waiting", args=[org.east_rep.pk])
    page = head.get(url, HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert page.status_code == 200
    # The longest waiting first; the request from outside the head's tree is counted, not shown.
    assert text.index("Pay the printer") < text.index("Pay the courier")
    assert "Buy a server" not in text
    assert "1 more request is not visible to you" in text
    assert "past its deadline" in text
    assert "<html" not in text  # the fragment, not a page
    full = head.get(url)
    assert full.status_code == 200 and "<html" in full.content.decode()
    detail = selectors.control_detail(viewer=org.admin, person=org.east_rep)
    assert (detail["total"], detail["hidden"], len(detail["rows"])) == (3, 0, 3)


def test_remind_once_a_day(org, waiting, client_for):
    head = client_for(org.sales_head)
    url = reverse("workflows:control_waiting_remind", args=[org.east_rep.pk])
    first = head.post(url, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and first["HX-Trigger"] == "controlChanged"
    assert "data-reminded" in first.content.decode()
    notes = Notification.objects.filter(recipient=org.east_rep, kind="workflows_reminder")
    assert notes.count() == 1
    again = head.post(url, HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and notes.count() == 1


def test_nothing_to_remind_of(org, client_for):
    answer = client_for(org.sales_head).post(
        reverse("workflows:control_waiting_remind", args=[org.east_rep.pk]), HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200 and "nothing to remind of" in answer.content.decode()
    assert not Notification.objects.filter(recipient=org.east_rep).exists()


# --- the digests ----------------------------------------------------------------------------------------


def _people(*users) -> dict[int, dict]:
    return {u.pk: {"first_name": u.first_name, "last_name": u.last_name, "email": u.email} for u in users}


def _compute(key: str, *, recipient, users, kind="supervisor") -> dict:
    source = registry.digest_sources[key]
    return source.compute(
        recipient=recipient,
        user_ids=[u.pk for u in users],
        people=_people(*users),
        zone=UTC,
        now=NOW,
        kind=kind,
    )


def test_the_digest_lists_what_waits_on_the_people_for_more_than_a_day(org, waiting):
    team = [org.east_rep, org.east_head, org.field_rep, org.sales_rep]
    data = _compute(registration.DIGEST_PEOPLE, recipient=org.sales_head, users=team)
    # The printer (3 days) and the server (2 days) wait on east_rep; the courier is not a day old.
    assert data["total"] == 2
    assert [p["count"] for p in data["by_person"]] == [2]
    assert data["by_person"][0]["person"]["name"] == org.east_rep.full_name
    # The head may open the printer's request only (the server's is not from their tree).
    assert [i["title"] for i in data["items"]] == ["Pay the printer"]
    assert data["items"][0]["days"] == 3
    shown = registry.digest_sources[registration.DIGEST_PEOPLE].present(data, "supervisor")
    assert shown["rows"][0][0][0] == "Pay the printer"
    assert org.east_rep.full_name in shown["note"]


def test_the_digest_lists_what_waits_for_the_recipient(org, waiting):
    data = _compute(registration.DIGEST_MINE, recipient=org.east_rep, users=[org.east_rep], kind="personal")
    assert data["total"] == 3
    assert [i["title"] for i in data["items"]] == ["Pay the printer", "Buy a server", "Pay the courier"]
    assert data["items"][0]["requester"] == org.sales_rep.full_name
    shown = registry.digest_sources[registration.DIGEST_MINE].present(data, "personal")
    assert shown["columns"] and len(shown["rows"]) == 3
    assert _compute(registration.DIGEST_MINE, recipient=org.sales_head, users=[])["total"] == 0


def test_the_digest_lines_cost_the_same_whatever_the_people(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    template = ProcessTemplateFactory()
    few = [org.east_rep]
    many = [UserFactory(department=org.east_rep.department) for _ in range(8)]
    for person in [*few, *many]:
        for _ in range(2):
            process_laid(
                requester=org.sales_rep, approvers=[person], template=template, started_at=_days_ago(2)
            )
    _compute(registration.DIGEST_PEOPLE, recipient=org.sales_head, users=few)  # the head's rights, read once
    counts = {}
    for label, people in (("few", few), ("many", [*few, *many])):
        for key in (registration.DIGEST_PEOPLE, registration.DIGEST_MINE):
            with CaptureQueriesContext(connection) as captured:
                data = _compute(key, recipient=org.sales_head, users=people)
            counts[(label, key)] = len(captured)
        assert data is not None
    assert counts[("few", registration.DIGEST_PEOPLE)] == counts[("many", registration.DIGEST_PEOPLE)] == 2
    assert counts[("few", registration.DIGEST_MINE)] == counts[("many", registration.DIGEST_MINE)] == 2


def test_a_supervisors_digest_holds_both_sections(org, waiting):
    from reports.selectors.digests import digest_supervisor_data

    process_laid(
        requester=org.east_rep, approvers=[org.sales_head], title="Leave in May", started_at=_days_ago(1)
    )
    data = digest_supervisor_data(recipient=org.sales_head, date=NOW.date(), now=NOW)
    assert data[registration.DIGEST_PEOPLE]["total"] == 2
    assert data[registration.DIGEST_MINE]["total"] == 1
    assert data[registration.DIGEST_MINE]["items"][0]["title"] == "Leave in May"


# --- the start page -------------------------------------------------------------------------------------


def test_the_home_card_shows_what_waits_for_me(org, waiting, client_for):
    page = client_for(org.east_rep).get("/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Approvals waiting for me" in text
    assert "Pay the printer" in text and "Buy a server" in text
    assert "Field's" not in text


def test_the_home_card_is_quiet_without_waiting_requests(org, rf):
    request = rf.get("/")
    request.user = org.developer
    data = registry.home_cards[registration.HOME_CARD].context(request)
    assert data["count"] == 0 and data["rows"] == []


def test_the_home_card_costs_the_same_whatever_waits(org, rf, django_assert_num_queries):
    request = rf.get("/")
    request.user = org.east_rep
    card = registry.home_cards[registration.HOME_CARD]
    template = ProcessTemplateFactory()
    process_laid(requester=org.sales_rep, approvers=[org.east_rep], template=template, title="First")
    with django_assert_num_queries(1):
        data = card.context(request)
    assert data["count"] == 1
    for n in range(12):
        process_laid(
            requester=org.sales_rep,
            approvers=[org.east_rep],
            template=template,
            title=f"Late {n}",
            due_at=_days_ago(1),
        )
    with django_assert_num_queries(2):
        data = card.context(request)
    assert data["count"] == 13 and len(data["rows"]) == 5
    assert data["level"] == "danger" and {row.tone for row in data["rows"][1:]} == {"danger"}
    assert data["rows"][0].text == "First"


# --- the navigation -------------------------------------------------------------------------------------


def test_the_navigation_has_approvals_with_their_badge_and_absences(org, client_for):
    approvals = registry.navigation["workflows"]
    assert (approvals.url_name, approvals.icon, approvals.area) == (
        "workflows:home",
        "bi-diagram-3",
        "workflows",
    )
    absences = registry.navigation["absences"]
    assert (absences.url_name, absences.icon, absences.active_by_path) == (
        "workflows:absence_chart",
        "bi-calendar-range",
        True,
    )
    for n in range(3):
        process_laid(requester=org.sales_rep, approvers=[org.east_rep], title=f"Request {n}")
    counters_store([org.east_rep.pk], [WAITING], push=False)
    client = client_for(org.east_rep)
    text = client.get("/").content.decode()
    link = f'href="{reverse("workflows:home")}" data-nav="workflows"'
    assert link in text
    badge = text[text.index(link) :].split('data-counter-slot="workflows"', 1)[1][:200]
    assert "workflows_waiting" in badge and ">3</span>" in badge
    chart = reverse("workflows:absence_chart")
    assert f'href="{chart}" data-nav="absences"' in text
    # Every page under the chart's URL marks "Absences" as the current area.
    page = client.get(chart).content.decode()
    assert re.search(
        r'class="[^"]*\bactive\b[^"]*" href="' + re.escape(chart) + '" data-nav="absences"', page
    )
