# ruff: noqa: F811 - the `staff` fixture imported from control_support is redefined as test arguments
"""The dashboard's cells lead to their cause in place: the detail link of each signal, the columns counting
what the viewer can act on (`DashboardCount`, in Python and in the SQL ranking alike), the markup the page's
script opens, the switches the dashboard remembers and the digest shown as the morning's snapshot."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Count
from django.urls import reverse

from portal.core.registry import DashboardCount, DashboardCounter, registry
from portal.notifications.models import Notification
from reports import selectors
from reports.choices import DigestKind, Signal
from reports.models import Digest
from reports.templatetags.reports_control import control_cells
from tests.reports.control_support import (
    MONDAY,
    NEGATIVE,
    NOW,
    TUESDAY,
    WEDNESDAY,
    counter,
    report,
    staff,  # noqa: F401 - a fixture
    workday,
)

RED, AMBER, GREEN = Signal.RED, Signal.AMBER, Signal.GREEN


def cells_of(board) -> dict[int, dict[str, selectors.Cell]]:
    keys = [column.key for column in board.columns]
    return {row.person.pk: dict(zip(keys, row.cells, strict=True)) for row in board.rows}


def reports_detail(person, date=None) -> str:
    url = reverse("reports:control_reports", args=[person.pk])
    return f"{url}?date={date.isoformat()}" if date else url


def test_report_signals_open_the_persons_reports_in_place(staff):
    workday(staff.sales_rep, WEDNESDAY, (9, 0))
    report(staff.sales_rep, TUESDAY)  # waiting for a rating
    report(staff.east_head, TUESDAY, rating=NEGATIVE)
    # east_rep and field_rep: Tuesday's report missing (field_rep is not sales_head's direct report)
    board = selectors.dashboard(user=staff.sales_head, now=NOW)
    cells = cells_of(board)

    assert cells[staff.sales_rep.pk]["reports_waiting"].detail == reports_detail(staff.sales_rep)
    assert cells[staff.sales_rep.pk]["last_report"].signal == GREEN
    assert cells[staff.sales_rep.pk]["last_report"].detail == ""
    assert cells[staff.east_head.pk]["last_report"].signal == RED
    assert cells[staff.east_head.pk]["last_report"].detail == reports_detail(staff.east_head)
    assert cells[staff.east_head.pk]["reports_waiting"].detail == ""  # nothing waits

    board = selectors.dashboard(user=staff.east_head, now=NOW)
    cells = cells_of(board)
    assert cells[staff.east_rep.pk]["last_report"].value == "missing"
    assert cells[staff.east_rep.pk]["last_report"].detail == reports_detail(staff.east_rep, TUESDAY)
    # the list behind the cell is still its link (a modifier click, no JavaScript)
    assert cells[staff.east_rep.pk]["last_report"].url.startswith(reverse("reports:report_list"))


def test_a_counter_column_with_a_detail_opens_it_for_the_cells_that_count(staff):
    spec = DashboardCounter(
        "crm.stale_deals",
        "Stale deals",
        url=lambda pk: f"/crm/?owner={pk}",
        detail=lambda pk: f"/crm/control/{pk}/",
        column="stale",
    )
    counter(staff.sales_rep, "crm.stale_deals", 2)
    with registry.dashboard_counters.override(spec):
        cells = cells_of(selectors.dashboard(user=staff.sales_head, now=NOW))
    assert cells[staff.sales_rep.pk]["stale"].detail == f"/crm/control/{staff.sales_rep.pk}/"
    assert cells[staff.sales_rep.pk]["stale"].url == f"/crm/?owner={staff.sales_rep.pk}"
    assert cells[staff.east_head.pk]["stale"].detail == ""


def _nudges(among, *, viewer, today):
    """Notifications the viewer sent each person (a count that depends on who looks)."""
    return (
        Notification.objects.filter(recipient_id__in=among, actor_id=getattr(viewer, "pk", None))
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    )


NUDGES = DashboardCount(
    "nudges",
    "Nudges",
    _nudges,
    amber_at=1,
    red_at=3,
    url=lambda pk: f"/nudges/?person={pk}",
    detail=lambda pk: f"/nudges/{pk}/",
    order=15,
)


def nudge(sender, recipient, n=1):
    for _ in range(n):
        Notification.objects.create(recipient=recipient, actor=sender, kind="test", title="Nudge")


def test_a_count_column_counts_what_the_viewer_can_act_on(staff):
    nudge(staff.sales_head, staff.sales_rep, 3)
    nudge(staff.sales_head, staff.east_head, 1)
    nudge(staff.ceo, staff.east_head, 5)
    with registry.dashboard_counts.override(NUDGES):
        board = selectors.dashboard(user=staff.sales_head, now=NOW)
        keys = [column.key for column in board.columns]
        assert keys.index("workday") < keys.index("nudges") < keys.index("week_hours")
        cells = cells_of(board)
        assert (cells[staff.sales_rep.pk]["nudges"].value, cells[staff.sales_rep.pk]["nudges"].signal) == (
            3,
            RED,
        )
        assert cells[staff.sales_rep.pk]["nudges"].detail == f"/nudges/{staff.sales_rep.pk}/"
        assert cells[staff.sales_rep.pk]["nudges"].url == f"/nudges/?person={staff.sales_rep.pk}"
        assert (cells[staff.east_head.pk]["nudges"].value, cells[staff.east_head.pk]["nudges"].signal) == (
            1,
            AMBER,
        )
        # another viewer of the same person sees their own count
        ceo = cells_of(selectors.dashboard(user=staff.ceo, subtree=True, now=NOW))
        assert ceo[staff.east_head.pk]["nudges"].value == 5
        assert ceo[staff.sales_rep.pk]["nudges"].value == 0
        assert ceo[staff.sales_rep.pk]["nudges"].detail == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL ranking runs on PostgreSQL")
def test_the_sql_ranking_joins_a_count_column_as_the_cells_count_it(staff, monkeypatch):
    from reports.selectors import control

    nudge(staff.ceo, staff.field_rep, 4)
    nudge(staff.ceo, staff.developer, 1)
    with registry.dashboard_counts.override(NUDGES):
        in_sql = selectors.dashboard(user=staff.ceo, subtree=True, now=NOW)
        monkeypatch.setattr(control, "_rank_in_sql", lambda *args, **kwargs: None)
        in_python = selectors.dashboard(user=staff.ceo, subtree=True, now=NOW)
    assert [(r.person.pk, r.red, r.amber) for r in in_sql.rows] == [
        (r.person.pk, r.red, r.amber) for r in in_python.rows
    ]
    assert [r.cells for r in in_sql.rows] == [r.cells for r in in_python.rows]
    assert (in_sql.red, in_sql.amber) == (in_python.red, in_python.amber)
    nudges = {r.person.pk: cells_of(in_sql)[r.person.pk]["nudges"] for r in in_sql.rows}
    assert nudges[staff.field_rep.pk].signal == RED and nudges[staff.developer.pk].signal == AMBER


def test_the_cells_markup_carries_the_detail_for_the_page_script():
    cells = [
        selectors.Cell(2, AMBER, "/list/?a=1&b=2", detail="/detail/7/?date=2026-11-17"),
        selectors.Cell(0, GREEN, "/list/"),
        selectors.Cell(1, RED, "", detail="/detail/8/"),
    ]
    html = str(control_cells(cells))
    assert (
        '<a href="/list/?a=1&amp;b=2" class="control-detail-link" '
        'data-detail-url="/detail/7/?date=2026-11-17" aria-expanded="false">' in html
    )
    assert '<a href="/list/">0</a>' in html
    # without a list, the link leads to the detail as a page
    assert '<a href="/detail/8/" class="control-detail-link" data-detail-url="/detail/8/"' in html


def test_a_green_cells_hint_is_markup_for_screen_readers_not_text():
    cells = [
        selectors.Cell("none", GREEN, "", "Not started yet", "Within the allowed <lateness>"),
        selectors.Cell("none", GREEN, "/list/", "Not started yet", "Within"),
    ]
    html = str(control_cells(cells))
    assert (
        'Not started yet<span class="visually-hidden"> (Within the allowed &lt;lateness&gt;)</span></td>'
        in html
    )
    assert '<a href="/list/">Not started yet<span class="visually-hidden"> (Within)</span></a>' in html
    assert "&lt;span" not in html


def test_the_dashboard_remembers_its_switches(client, staff):
    client.force_login(staff.sales_head)
    home = reverse("reports:home")
    page = client.get(home)
    assert page.context["subtree"] is False and page.context["only_signals"] is False
    client.get(home, {"subtree": "1", "signals": "1"})
    page = client.get(home)  # "Back to the dashboard", the menu entry
    assert page.context["subtree"] is True and page.context["only_signals"] is True
    html = page.content.decode()
    assert f'href="{home}?subtree=0&amp;signals=1"' in html  # the other switch says both
    page = client.get(home, {"subtree": "0"})
    assert page.context["subtree"] is False and page.context["only_signals"] is True
    assert client.get(home).context["subtree"] is False


def test_the_digest_beside_the_live_count_is_labelled_as_the_morning_snapshot(client, staff):
    digest = Digest.objects.create(
        recipient=staff.sales_head, kind=DigestKind.SUPERVISOR, date=datetime.date.today(), signals=23
    )
    client.force_login(staff.sales_head)
    html = client.get(reverse("reports:home")).content.decode()
    assert "Morning snapshot" in html
    assert "23 signals then" in html
    assert 'id="digest-panel-note"' in html
    zone = zoneinfo.ZoneInfo(staff.sales_head.time_zone or "UTC")
    assert (
        f"{digest.date:%a} {digest.date.day} {digest.date:%b}, {digest.created_at.astimezone(zone):%H:%M}"
        in html
    )


# --- the working day in place ---------------------------------------------------------------------------


def test_day_and_week_signals_open_the_persons_working_day(staff):
    workday(staff.sales_rep, WEDNESDAY, (9, 40), late=True)
    cells = cells_of(selectors.dashboard(user=staff.sales_head, now=NOW))
    detail = reverse("reports:control_workday", args=[staff.sales_rep.pk])
    assert cells[staff.sales_rep.pk]["workday"].signal == AMBER
    assert cells[staff.sales_rep.pk]["workday"].detail == detail
    assert cells[staff.sales_rep.pk]["week_hours"].signal == AMBER  # no Monday or Tuesday worked
    assert cells[staff.sales_rep.pk]["week_hours"].detail == detail
    not_started = cells[staff.east_head.pk]["workday"]
    assert not_started.signal == RED
    assert not_started.detail == reverse("reports:control_workday", args=[staff.east_head.pk])


def test_the_working_day_fragment_and_a_reminder_once_a_day(client, staff):
    url = reverse("reports:control_workday", args=[staff.east_head.pk])
    remind = reverse("reports:control_workday_remind", args=[staff.east_head.pk])
    client.force_login(staff.sales_head)
    with time_machine.travel(NOW, tick=False):
        page = client.get(url, headers={"HX-Request": "true"})
        html = page.content.decode()
        assert page.status_code == 200
        assert 'id="control-detail-workday-' in html and "<html" not in html
        assert "not started; the day begins at 09:00" in html
        assert 'data-action="remind"' in html
        answer = client.post(remind, headers={"HX-Request": "true"})
        assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "controlChanged"
        assert "is reminded to start the working day" in answer.content.decode()
        assert "Reminded today." in answer.content.decode()
        again = client.post(remind, headers={"HX-Request": "true"})
        assert "Already reminded today." in again.content.decode()
        assert "HX-Trigger" not in again.headers
        sent = Notification.objects.filter(recipient=staff.east_head, kind="workday_reminder")
        assert sent.count() == 1
        assert "09:00" in sent.get().title
        # the page without htmx: the fragment inside a page, and a POST answers with a redirect
        assert "<html" in client.get(url).content.decode()
        assert client.post(remind).status_code == 302


def test_no_reminder_for_a_day_started_or_a_day_off(client, staff):
    workday(staff.sales_rep, WEDNESDAY, (9, 0))
    client.force_login(staff.sales_head)
    with time_machine.travel(NOW, tick=False):
        answer = client.post(
            reverse("reports:control_workday_remind", args=[staff.sales_rep.pk]),
            headers={"HX-Request": "true"},
        )
        assert "has started the working day already" in answer.content.decode()
    with time_machine.travel(datetime.datetime(2026, 11, 21, 11, tzinfo=datetime.UTC), tick=False):
        answer = client.post(
            reverse("reports:control_workday_remind", args=[staff.east_head.pk]),
            headers={"HX-Request": "true"},
        )
        assert "is not a working day" in answer.content.decode()
        assert (
            "a day off"
            in client.get(reverse("reports:control_workday", args=[staff.east_head.pk])).content.decode()
        )
    assert not Notification.objects.filter(kind="workday_reminder").exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("developer", 404), ("it_head", 404), ("sales_head", 200), ("admin", 200)],
)
def test_the_working_day_fragment_permissions(client, staff, who, status):
    if who != "anonymous":
        client.force_login(getattr(staff, who))
    url = reverse("reports:control_workday", args=[staff.east_head.pk])
    assert client.get(url).status_code == status
    answer = client.post(reverse("reports:control_workday_remind", args=[staff.east_head.pk]))
    assert answer.status_code == (302 if status == 200 else status)
    if status != 200:
        assert not Notification.objects.filter(kind="workday_reminder").exists()


def test_the_working_day_fragment_costs_the_same_queries_for_one_and_five_days(
    client, staff, django_assert_max_num_queries
):
    client.force_login(staff.sales_head)
    url = reverse("reports:control_workday", args=[staff.sales_rep.pk])
    with time_machine.travel(NOW, tick=False):
        # (+ the company calendar and the absences of the week)
        with django_assert_max_num_queries(14):
            client.get(url, headers={"HX-Request": "true"})
        workday(staff.sales_rep, MONDAY, (9, 0), (17, 0))
        workday(staff.sales_rep, TUESDAY, (9, 0), (17, 0))
        workday(staff.sales_rep, WEDNESDAY, (9, 0))
        with django_assert_max_num_queries(14):
            html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert html.count("<tr") == 4  # the header and Monday to Wednesday
