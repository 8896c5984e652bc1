"""Day corrections on the control dashboard: the "Corrections" column (what waits for the viewer's decision,
per person, the same rule as the decision itself), the detail a cell opens in place with its confirm and
decline buttons, the count on the dashboard's "Corrections" button, and their query budgets."""

from __future__ import annotations

import datetime
import itertools
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.core.errors import NotFound
from portal.core.registry import registry
from portal.people.models import User
from reports import selectors, services
from reports.choices import CorrectionStatus, DayState
from reports.models import DayCorrection, WorkDay
from reports.selectors.corrections import (
    control_correction_lines,
    corrections_to_decide,
    corrections_to_decide_counts,
    corrections_to_decide_total,
)
from tests.people.factories import DepartmentFactory, UserFactory
from tests.reports.factories import WorkDayFactory
from tests.utils import assert_query_budget, count_queries

UTC = datetime.UTC
_dates = itertools.count()


def _closed_day(person, *, paused: int = 0) -> WorkDay:
    """A finished day of `person` on a fresh past date: 09:00–17:00 UTC."""
    date = datetime.date(2021, 3, 1) + datetime.timedelta(days=next(_dates))
    start = datetime.datetime.combine(date, datetime.time(9, 0), tzinfo=UTC)
    return WorkDayFactory(
        user=person,
        date=date,
        state=DayState.CLOSED,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=8),
        paused_seconds=paused,
        worked_seconds=8 * 3600 - paused,
    )


def pending(person, *, days_ago: int = 0, paused: int = 0, reason: str = "Forgot to start") -> DayCorrection:
    """A correction of `person` waiting for a decision: 08:30–17:00 asked instead of 09:00–17:00."""
    day = _closed_day(person, paused=paused)
    correction = DayCorrection.objects.create(
        day=day,
        requested_by=person,
        reason=reason,
        started_at=day.started_at - datetime.timedelta(minutes=30),
        ended_at=day.ended_at,
        old_started_at=day.started_at,
        old_ended_at=day.ended_at,
    )
    if days_ago:
        created = timezone.now() - datetime.timedelta(days=days_ago, hours=1)
        DayCorrection.objects.filter(pk=correction.pk).update(created_at=created)
        correction.refresh_from_db()
    return correction


def decided(person) -> DayCorrection:
    correction = pending(person)
    DayCorrection.objects.filter(pk=correction.pk).update(status=CorrectionStatus.REJECTED)
    return correction


def hr_person(org):
    hr = UserFactory(department=org.it)
    hr.user_permissions.add(Permission.objects.get(codename="view_all", content_type__app_label="reports"))
    return User.objects.get(pk=hr.pk)


def everyone(org) -> list[int]:
    return list(User.objects.values_list("pk", flat=True))


def counts(among, viewer) -> dict[int, int]:
    return dict(corrections_to_decide_counts(among, viewer=viewer, today=datetime.date(2026, 11, 18)))


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def waiting(org):
    """Corrections waiting all over the company (and one decided, which never counts)."""
    for person, n in [
        (org.east_rep, 2),
        (org.field_rep, 1),
        (org.sales_rep, 1),
        (org.east_head, 1),
        (org.sales_head, 1),
        (org.developer, 1),
        (org.ceo, 1),
    ]:
        for _ in range(n):
            pending(person)
    decided(org.east_rep)
    return org


# --- the count: what waits for the viewer's decision ------------------------------------------------------


def test_the_count_per_person_depends_on_the_viewer(waiting):
    org = waiting
    ids = everyone(org)
    assert counts(ids, org.east_head) == {org.east_rep.pk: 2, org.field_rep.pk: 1}
    # the whole sub-tree, its heads included, never the viewer's own
    assert counts(ids, org.sales_head) == {
        org.east_rep.pk: 2,
        org.field_rep.pk: 1,
        org.sales_rep.pk: 1,
        org.east_head.pk: 1,
    }
    assert counts(ids, org.it_head) == {org.developer.pk: 1}
    assert counts(ids, org.ceo) == {
        org.east_rep.pk: 2,
        org.field_rep.pk: 1,
        org.sales_rep.pk: 1,
        org.east_head.pk: 1,
        org.sales_head.pk: 1,
        org.developer.pk: 1,
    }
    # HR and admins decide everybody's but their own
    assert counts(ids, org.admin) == {**counts(ids, org.ceo), org.ceo.pk: 1}
    assert counts(ids, hr_person(org)) == counts(ids, org.admin)
    # people who head nothing decide nothing, not even their own
    assert counts(ids, org.developer) == {}
    assert counts(ids, org.east_rep) == {}


def test_the_count_keeps_to_the_people_among_a_list_or_a_subquery(waiting):
    org = waiting
    assert counts([org.east_rep.pk, org.developer.pk], org.sales_head) == {org.east_rep.pk: 2}
    east = User.objects.filter(department=org.east).values("pk")
    assert counts(east, org.sales_head) == {org.east_rep.pk: 2, org.east_head.pk: 1}
    assert counts([], org.sales_head) == {}


def test_a_deactivated_person_waits_for_nobody_but_hr(waiting):
    org = waiting
    User.objects.filter(pk=org.field_rep.pk).update(is_active=False)
    assert org.field_rep.pk not in counts(everyone(org), org.east_head)
    assert counts(everyone(org), org.admin)[org.field_rep.pk] == 1


def test_the_count_is_one_query_that_compiles_for_everybody(waiting):
    org = waiting
    for viewer in (org.sales_head, org.admin, org.developer):
        counts([org.east_rep.pk], viewer)  # the viewer's department is read once and kept
        with CaptureQueriesContext(connection) as ctx:
            counts([org.east_rep.pk, org.sales_rep.pk], viewer)
        assert len(ctx.captured_queries) == 1
        # the dashboard puts it into its own SQL: even "nobody" must compile
        sql, _params = corrections_to_decide_counts(
            User.objects.values("pk"), viewer=viewer, today=None
        ).query.sql_with_params()
        assert "GROUP BY" in sql


def test_the_count_is_the_rule_of_the_decision(waiting):
    """Each viewer may decide exactly the corrections counted for them (the service is tried and undone)."""
    org = waiting
    viewers = [org.ceo, org.sales_head, org.east_head, org.it_head, org.developer, org.east_rep, org.admin]
    waiting_ones = list(DayCorrection.objects.filter(status=CorrectionStatus.PENDING))

    class Undo(Exception):
        pass

    for viewer in viewers:
        counted = set(corrections_to_decide(viewer=viewer).values_list("pk", flat=True))
        for correction in waiting_ones:
            try:
                with transaction.atomic():
                    services.day_correction_decide(actor=viewer, correction=correction, approve=False)
                    raise Undo
            except Undo:
                allowed = True
            except (NotFound, PermissionDenied):
                allowed = False
            assert allowed == (correction.pk in counted), (viewer.email, correction.day.user.email)


# --- the column on the dashboard --------------------------------------------------------------------------


def test_the_column_is_registered_with_its_thresholds_and_links(org):
    spec = registry.dashboard_counts["day_corrections"]
    assert (spec.order, spec.amber_at, spec.red_at) == (45, 1, 3)
    assert spec.url(org.east_rep.pk) == f"{reverse('reports:corrections')}?person={org.east_rep.pk}"
    assert spec.detail(org.east_rep.pk) == reverse("reports:control_corrections", args=[org.east_rep.pk])


def _cell(board, person, key="day_corrections"):
    index = [column.key for column in board.columns].index(key)
    return next(row.cells[index] for row in board.rows if row.person.pk == person.pk)


@pytest.mark.parametrize("subtree", [False, True])
def test_the_dashboard_shows_the_corrections_amber_and_red(org, subtree):
    for _ in range(3):
        pending(org.sales_rep)
    pending(org.east_head)
    board = selectors.dashboard(user=org.sales_head, subtree=subtree)
    red, amber = _cell(board, org.sales_rep), _cell(board, org.east_head)
    assert (red.value, str(red.signal)) == (3, "red")
    assert (amber.value, str(amber.signal)) == (1, "amber")
    assert red.detail == reverse("reports:control_corrections", args=[org.sales_rep.pk])
    assert amber.url == f"{reverse('reports:corrections')}?person={org.east_head.pk}"
    if subtree:
        quiet = _cell(board, org.field_rep)
        assert (quiet.value, str(quiet.signal), quiet.detail) == (0, "green", "")
    # the SQL ranking of the whole sub-tree agrees with the cells
    assert board.people_red >= 1 and board.rows[0].person.pk == org.sales_rep.pk


def _team(root, size: int):
    team = DepartmentFactory(name="Corrections budget", parent=root)
    head = UserFactory(department=team)
    team.head = head
    team.save(update_fields=["head"])
    people = [UserFactory(department=team) for _ in range(size)]
    return head, people


def test_the_dashboard_costs_the_same_queries_with_many_corrections(org):
    head, people = _team(org.root, 6)
    pending(people[0])
    client = page_client(head)

    def fetch():
        for params in ({}, {"subtree": "1"}):
            response = client.get(reverse("reports:home"), params)
            assert response.status_code == 200

    fetch()

    def grow():
        for person in people:
            for _ in range(3):
                pending(person)

    # both pages (direct people, the whole sub-tree) with their shells: about 25 + 29 queries today; what
    # matters is that the corrections' column and button add a constant number to them
    assert_query_budget(fetch, grow, budget=60)
    html = client.get(reverse("reports:home")).content.decode()
    assert 'id="control-corrections-count">19<' in html


# --- the detail a cell opens ------------------------------------------------------------------------------


def test_the_detail_shows_the_recorded_and_asked_times_and_the_reason(org):
    stale = pending(org.east_rep, days_ago=3, paused=3600, reason="The badge reader was down")
    fresh = pending(org.east_rep)
    pending(org.field_rep)  # someone else's
    response = page_client(org.sales_head).get(
        reverse("reports:control_corrections", args=[org.east_rep.pk]), **HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(
        f'<div class="control-detail text-wrap py-2" id="control-detail-corrections-{org.east_rep.pk}"'
    )
    assert "<html" not in html
    assert re.findall(r'data-correction="(\d+)"', html) == [str(stale.pk), str(fresh.pk)]  # oldest first
    assert "09:00–17:00 · 7:00 h" in html  # recorded, less the hour of breaks
    assert "08:30–17:00 · 7:30 h" in html  # asked
    assert "The badge reader was down" in html
    assert "waiting 3 days" in html and 'data-stale="1"' in html
    decide = reverse("reports:control_correction_decide", args=[stale.pk])
    assert f'hx-post="{decide}"' in html and f'action="{decide}"' in html
    assert 'hx-target="closest .control-detail"' in html and 'hx-swap="outerHTML"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'value="approve"' in html and 'value="reject"' in html
    assert "onclick" not in html and "<script" not in html


def test_the_detail_without_htmx_is_a_small_page_back_to_the_dashboard(org):
    pending(org.east_rep)
    response = page_client(org.sales_head).get(reverse("reports:control_corrections", args=[org.east_rep.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and f'id="control-detail-corrections-{org.east_rep.pk}"' in html
    assert f'href="{reverse("reports:home")}" id="control-back"' in html


def test_the_detail_with_nothing_waiting(org):
    decided(org.field_rep)  # decided already
    pending(org.east_rep)  # someone else's
    html = (
        page_client(org.east_head)
        .get(reverse("reports:control_corrections", args=[org.field_rep.pk]), **HX)
        .content.decode()
    )
    assert "Nothing waits for your decision." in html and "data-correction=" not in html


def test_the_detail_of_someone_not_controlled_is_404(org):
    pending(org.developer)
    client = page_client(org.sales_head)
    assert client.get(reverse("reports:control_corrections", args=[org.developer.pk])).status_code == 404
    assert client.get(reverse("reports:control_corrections", args=[99999])).status_code == 404
    assert client.get(reverse("reports:control_corrections", args=[org.sales_head.pk])).status_code == 404


def test_the_detail_costs_the_same_queries_for_1_and_20_corrections(org):
    pending(org.east_rep)
    client = page_client(org.sales_head)
    url = reverse("reports:control_corrections", args=[org.east_rep.pk])

    def fetch():
        assert client.get(url, **HX).status_code == 200

    fetch()

    def grow():
        for _ in range(19):
            pending(org.east_rep)

    # session, viewer, the person, the viewer's permissions (2), supervises (2), the corrections
    assert_query_budget(fetch, grow, budget=8)


def test_confirm_from_the_detail(org):
    correction = pending(org.east_rep)
    other = pending(org.east_rep)
    response = page_client(org.sales_head).post(
        reverse("reports:control_correction_decide", args=[correction.pk]),
        {"decision": "approve", "comment": ""},
        **HX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "controlChanged"
    html = response.content.decode()
    assert html.startswith('<div class="control-detail')
    assert 'role="status"' in html and "The correction is confirmed." in html
    assert re.findall(r'data-correction="(\d+)"', html) == [str(other.pk)]
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.APPROVED and correction.decided_by == org.sales_head
    day = WorkDay.objects.get(pk=correction.day_id)
    assert day.started_at == correction.started_at and day.original_started_at == correction.old_started_at


def test_decline_with_a_comment_then_nothing_waits(org):
    correction = pending(org.east_rep)
    response = page_client(org.east_head).post(
        reverse("reports:control_correction_decide", args=[correction.pk]),
        {"decision": "reject", "comment": "  The reader log says 9:02  "},
        **HX,
    )
    html = response.content.decode()
    assert response["HX-Trigger"] == "controlChanged"
    assert "The correction is declined." in html and "Nothing waits for your decision." in html
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.REJECTED
    assert correction.decision_comment == "The reader log says 9:02"
    assert WorkDay.objects.get(pk=correction.day_id).started_at == correction.old_started_at


def test_bad_input_shows_the_error_and_changes_nothing(org):
    correction = pending(org.east_rep)
    client = page_client(org.sales_head)
    url = reverse("reports:control_correction_decide", args=[correction.pk])
    response = client.post(url, {"decision": "maybe"}, **HX)
    assert response.status_code == 200 and "HX-Trigger" not in response
    html = response.content.decode()
    assert 'class="alert alert-danger' in html and 'role="status"' in html
    assert f'data-correction="{correction.pk}"' in html
    assert DayCorrection.objects.get(pk=correction.pk).status == CorrectionStatus.PENDING
    # decided meanwhile (another tab): said so, nothing changes
    client.post(url, {"decision": "reject"}, **HX)
    again = client.post(url, {"decision": "approve"}, **HX)
    assert again.status_code == 200 and "HX-Trigger" not in again
    assert "This correction is already decided." in again.content.decode()
    assert DayCorrection.objects.get(pk=correction.pk).status == CorrectionStatus.REJECTED


def test_without_htmx_a_decision_flashes_and_goes_back_to_the_dashboard(org):
    correction = pending(org.east_rep)
    client = page_client(org.sales_head)
    url = reverse("reports:control_correction_decide", args=[correction.pk])
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 302 and response["Location"] == reverse("reports:home")
    page = client.get(reverse("reports:home")).content.decode()
    assert "The correction is confirmed." in page
    failed = client.post(url, {"decision": "approve"}, follow=True).content.decode()
    assert "This correction is already decided." in failed


def test_a_correction_the_viewer_may_not_decide_is_404(org):
    own = pending(org.east_head)
    elsewhere = pending(org.developer)
    client = page_client(org.east_head)
    for correction in (own, elsewhere):
        url = reverse("reports:control_correction_decide", args=[correction.pk])
        assert client.post(url, {"decision": "approve"}, **HX).status_code == 404
    assert not DayCorrection.objects.exclude(status=CorrectionStatus.PENDING).exists()


def test_the_lines_compute_the_hours_of_an_open_day_as_unknown(org):
    day = WorkDayFactory(
        user=org.east_rep,
        date=datetime.date(2026, 1, 5),
        started_at=datetime.datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        state=DayState.OPEN,
    )
    DayCorrection.objects.create(
        day=day,
        requested_by=org.east_rep,
        reason="r",
        started_at=datetime.datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        old_started_at=day.started_at,
    )
    (line,) = control_correction_lines(viewer=org.sales_head, person=org.east_rep)
    assert (line.recorded_seconds, line.asked_seconds, line.is_stale) == (None, None, False)


# --- the count on the dashboard's "Corrections" button ----------------------------------------------------


def _badge(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load reports_corrections %}{% corrections_waiting as n %}[{{ n }}]").render(
        Context({"request": request})
    )


def test_the_button_counts_what_waits_for_my_decision(waiting):
    org = waiting
    assert _badge(org.sales_head) == "[5]"
    assert _badge(org.east_head) == "[3]"
    assert _badge(org.developer) == "[0]"
    assert corrections_to_decide_total(viewer=org.admin) == 8
    # one query once the viewer's role and department are known (the page has read them already)
    head = User.objects.get(pk=org.sales_head.pk)
    assert count_queries(lambda: corrections_to_decide_total(viewer=head)) <= 4
    assert count_queries(lambda: corrections_to_decide_total(viewer=head)) == 1


def test_the_dashboard_button_shows_the_badge_only_when_something_waits(org):
    client = page_client(org.sales_head)
    html = client.get(reverse("reports:home")).content.decode()
    assert 'id="control-corrections"' in html and 'id="control-corrections-count"' not in html
    pending(org.east_rep)
    pending(org.sales_rep)
    html = client.get(reverse("reports:home")).content.decode()
    link = re.search(r'<a [^>]*id="control-corrections"[^>]*>.*?</a>', html, re.S).group(0)
    assert f'href="{reverse("reports:corrections")}"' in link
    assert '<span class="badge text-bg-warning" id="control-corrections-count">2</span>' in link


def test_the_corrections_page_keeps_one_person(org):
    mine = pending(org.east_rep)
    pending(org.field_rep)
    client = page_client(org.sales_head)
    html = client.get(reverse("reports:corrections"), {"person": org.east_rep.pk}).content.decode()
    assert re.findall(r'data-correction="(\d+)"', html) == [str(mine.pk)]
    assert 'id="correction-person-filter"' in html
    everybody = client.get(reverse("reports:corrections"), {"person": "x"}).content.decode()
    assert len(re.findall(r'data-correction="(\d+)"', everybody)) == 2
