"""The absence pages: the chart (rows, bars placed on the day grid, weekends, holidays, today, month and quarter,
navigation, filters by department with sub-departments, type and "only people away", privacy, the same number of
queries for 3 and 30 people and for 10 and 300, the day grid drawn once and a size budget, built to scroll on a
phone), an absence's popover and page, HR's entry, change and removal, the list, the absence types and the
allowances with their balances."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from portal.people.models import User
from portal.workflows.models import Absence, AbsenceType, LeaveAllowance
from tests.people.factories import DepartmentFactory, UserFactory
from tests.utils import client_as, count_queries
from tests.workflows.factories import AbsenceFactory, HolidayFactory, LeaveAllowanceFactory
from tests.workflows.test_absences import absence_types, hr_role

pytestmark = pytest.mark.django_db

D = datetime.date
HTMX = {"HTTP_HX_REQUEST": "true"}
CHART = reverse("workflows:absence_chart")
MONTH = {"month": "2030-05"}  # May 2030: the 1st is a Wednesday


@pytest.fixture
def chart_kinds(db):
    return absence_types()


@pytest.fixture
def hr_person(org):
    person = UserFactory(email="hr.views@acme.test", department=org.root, first_name="Helga", last_name="Hr")
    hr_role(person)
    return person


BAR = re.compile(
    r'<a class="wf-bar wf-s(?P<offset>\d+) wf-w(?P<span>\d+) wf-t(?P<key>\d+)(?P<cut>[^"]*)"'
    r' href="(?P<href>[^"]+)" data-absence="(?P<pk>\d+)" title="(?P<title>[^"]*)">(?P<label>[^<]*)</a>'
)


def bars(html: str) -> dict[int, tuple[str, str]]:
    """{absence id: (the days it spans, label)} of the chart's bars."""
    return {int(m["pk"]): (m["span"], m["label"]) for m in BAR.finditer(html)}


def bar_of(html: str, pk: int) -> re.Match:
    return next(m for m in BAR.finditer(html) if int(m["pk"]) == pk)


def colors(html: str) -> dict[int, str]:
    """{colour key: colour} of the chart's data-colors (the bars' wf-t<key> classes)."""
    found = re.search(r'<div id="wf-chart" class="wf-chart-box" data-colors="([^"]*)"', html).group(1)
    return {int(key): color for key, color in (pair.split(":") for pair in found.split())}


def day_columns(html: str) -> int:
    """The day columns of the layer drawn behind all rows."""
    layer = re.search(r'<div class="wf-layer wf-line" aria-hidden="true">(.*?)</div>', html).group(1)
    return layer.count('<i class="wf-day')


def test_the_chart_draws_rows_bars_weekends_holidays_and_today(org, chart_kinds):
    HolidayFactory(date=D(2030, 5, 9), name="Victory Day")
    HolidayFactory(date=D(2030, 5, 18), name="Moved working day", kind="workday")
    vacation = AbsenceFactory(
        user=org.east_rep, type=chart_kinds["vacation"], start=D(2030, 5, 6), end=D(2030, 5, 17)
    )
    # Starts in April and ends in June: clipped to the month, cut at both ends.
    long_trip = AbsenceFactory(
        user=org.developer, type=chart_kinds["trip"], start=D(2030, 4, 20), end=D(2030, 6, 3)
    )
    response = client_as(org.sales_rep).get(CHART, MONTH)
    html = response.content.decode()
    assert response.status_code == 200
    found = bars(html)
    assert found[vacation.pk] == ("12", "Vacation")
    assert found[long_trip.pk] == ("31", "Business trip")
    # Placed on the grid from its first day (the 6th: offset 5), coloured by its type, its dates in the title.
    bar = bar_of(html, vacation.pk)
    assert (bar["offset"], bar["key"], bar["cut"]) == ("5", str(chart_kinds["vacation"].pk), "")
    assert bar["href"] == reverse("workflows:absence_detail", args=[vacation.pk])
    assert bar["title"] == "Vacation: 05/06/2030 – 05/17/2030"
    assert colors(html)[chart_kinds["vacation"].pk] == "#198754"
    trip = bar_of(html, long_trip.pk)
    assert (trip["offset"], trip["cut"]) == ("0", " wf-cut-before wf-cut-after")
    # 31 day columns drawn once behind the rows: weekends and the holiday shaded, the moved Saturday not.
    assert day_columns(html) == 31 and "wf-days-31" in html
    layer = re.search(r'<div class="wf-layer wf-line" aria-hidden="true">(.*?)</div>', html).group(1)
    assert layer.count("wf-day wf-off") == 8  # seven weekend days (not the moved Saturday) and the holiday
    assert '<i class="wf-day wf-off wf-holiday">' in layer and '<i class="wf-day wf-workday">' in layer
    assert "wf-day wf-off wf-holiday" in html and "Victory Day" in html
    assert "wf-day wf-workday" in html and "Moved working day" in html
    # Every active person has a row with a link to their profile, with the initials (drawn by CSS) or the photo.
    assert reverse("people:profile", args=[org.field_rep.pk]) in html
    profile = reverse("people:profile", args=[org.east_rep.pk])
    name, initials = escape(str(org.east_rep)), escape(org.east_rep.initials)
    assert f'<a class="wf-name" href="{profile}" data-i="{initials}">{name}</a>' in html
    User.objects.filter(pk=org.field_rep.pk).update(photo="people/photos/2030/05/face.jpg")
    with_photo = client_as(org.sales_rep).get(CHART, MONTH).content.decode()
    photo = reverse("people:photo", args=[org.field_rep.pk])
    assert re.search(
        rf'<a class="wf-name" href="{reverse("people:profile", args=[org.field_rep.pk])}">'
        rf'<img src="{photo}" alt="" class="rounded-circle lumen-avatar"[^>]*>{re.escape(escape(str(org.field_rep)))}</a>',
        with_photo,
    )
    assert "May 2030" in html

    with_today = client_as(org.sales_rep).get(CHART).content.decode()
    assert 'aria-current="date"' in with_today and "wf-today" in with_today


def test_month_and_quarter_and_navigation(org, chart_kinds):
    quarter = client_as(org.east_rep).get(CHART, {"view": "quarter", "month": "2030-05"}).content.decode()
    # A quarter from May is April to June: 91 days, a header cell per month spanning its days.
    assert day_columns(quarter) == 91 and "wf-chart-quarter wf-days-91" in quarter
    assert re.findall(r'<div class="wf-month wf-w(\d+)"><span>(\w+)</span>', quarter) == [
        ("30", "April"),
        ("31", "May"),
        ("30", "June"),
    ]
    assert "April – June 2030" in quarter
    assert "month=2030-01" in quarter and "month=2030-07" in quarter  # previous and next quarter
    month = client_as(org.east_rep).get(CHART, {"month": "2030-12"}).content.decode()
    assert "month=2030-11" in month and "month=2031-01" in month
    bad = client_as(org.east_rep).get(CHART, {"month": "nonsense", "view": "week", "page": "x", "type": "z"})
    assert bad.status_code == 200  # falls back to this month


def test_filters_by_department_type_and_people_away(org, chart_kinds):
    sick = AbsenceFactory(
        user=org.field_rep, type=chart_kinds["sick"], start=D(2030, 5, 6), end=D(2030, 5, 7)
    )
    trip = AbsenceFactory(
        user=org.east_rep, type=chart_kinds["trip"], start=D(2030, 5, 13), end=D(2030, 5, 14)
    )
    dev_trip = AbsenceFactory(
        user=org.developer, type=chart_kinds["trip"], start=D(2030, 5, 2), end=D(2030, 5, 3)
    )
    client = client_as(org.sales_head)

    east = client.get(CHART, {**MONTH, "department": org.east.pk}, **HTMX).content.decode()
    assert set(bars(east)) == {sick.pk, trip.pk}  # East Field is under Sales East
    assert str(org.developer) not in east and str(org.field_rep) in east
    assert "<html" not in east  # the htmx answer is the chart alone

    trips = client.get(CHART, {**MONTH, "type": [chart_kinds["trip"].pk]}).content.decode()
    assert set(bars(trips)) == {trip.pk, dev_trip.pk}

    away = client.get(CHART, {**MONTH, "department": org.sales.pk, "absent": "on"}).content.decode()
    assert str(org.field_rep) in away and str(org.east_rep) in away and str(org.sales_rep) not in away
    assert "2 people" in away


def test_privacy_on_the_chart(org, chart_kinds):
    sick = AbsenceFactory(
        user=org.east_rep, type=chart_kinds["sick"], start=D(2030, 5, 6), end=D(2030, 5, 7), comment="flu"
    )
    colleague = client_as(org.developer).get(CHART, MONTH).content.decode()
    assert bars(colleague)[sick.pk] == ("2", "Absent") and "Sick leave:" not in colleague
    # The colour says nothing either: the neutral grey under the hidden key, not the type's id and red.
    assert bar_of(colleague, sick.pk)["key"] == "0" and colors(colleague) == {0: "#adb5bd"}
    supervisor = client_as(org.east_head).get(CHART, MONTH).content.decode()
    assert bars(supervisor)[sick.pk] == ("2", "Sick leave")
    assert bar_of(supervisor, sick.pk)["key"] == str(chart_kinds["sick"].pk)
    assert colors(supervisor) == {chart_kinds["sick"].pk: "#dc3545"}
    # Filtering by the private type finds nothing for a colleague (it would tell who is ill).
    by_type = client_as(org.developer).get(CHART, {**MONTH, "type": [chart_kinds["sick"].pk], "absent": "on"})
    assert sick.pk not in bars(by_type.content.decode())
    assert str(org.east_rep) not in by_type.content.decode()
    popover = client_as(org.developer).get(reverse("workflows:absence_detail", args=[sick.pk]), **HTMX)
    assert "Absent" in popover.content.decode() and "flu" not in popover.content.decode()
    own = client_as(org.east_rep).get(reverse("workflows:absence_detail", args=[sick.pk])).content.decode()
    assert "Sick leave" in own and "flu" in own


def _company(department, count: int, kinds) -> None:
    for n in range(count):
        person = UserFactory(department=department)
        AbsenceFactory(
            user=person,
            type=kinds["vacation" if n % 2 else "sick"],
            start=D(2030, 5, 1 + n % 20),
            end=D(2030, 5, 3 + n % 20),
        )


def test_the_chart_takes_the_same_queries_for_3_and_30_people(org, chart_kinds):
    team = DepartmentFactory(name="Support", parent=org.root)
    night = DepartmentFactory(name="Night shift", parent=team)
    HolidayFactory(date=D(2030, 5, 9), name="Holiday")
    _company(team, 2, chart_kinds)
    _company(night, 1, chart_kinds)
    query = {**MONTH, "department": team.pk}
    client = client_as(org.east_rep)
    client.get(CHART, query)
    few = count_queries(lambda: client.get(CHART, query))
    few_partial = count_queries(lambda: client.get(CHART, query, **HTMX))
    _company(team, 15, chart_kinds)
    _company(night, 12, chart_kinds)
    many = count_queries(lambda: client.get(CHART, query))
    html = client.get(CHART, query).content.decode()
    assert html.count('<a class="wf-name"') == 30
    assert many == few, (few, many)
    assert count_queries(lambda: client.get(CHART, query, **HTMX)) == few_partial
    # HR (who sees every type) and the whole company cost the same.
    hr = UserFactory(department=org.root)
    hr_role(hr)
    client_as(hr).get(CHART, MONTH)  # warm, as the team's chart above: a person's permissions are then cached
    everyone_few = count_queries(lambda: client_as(hr).get(CHART, MONTH))
    _company(org.it, 10, chart_kinds)
    assert count_queries(lambda: client_as(hr).get(CHART, MONTH)) == everyone_few


def _department_of(department, count: int, kinds, start: int = 0) -> None:
    """`count` people in `department` laid in bulk, each with a vacation and a trip this May (and one in April)."""
    people = User.objects.bulk_create(
        User(
            email=f"crowd{start + n}@acme.test",
            first_name=f"Crowd{start + n}",
            last_name=f"Member{start + n:04d}",
            department=department,
        )
        for n in range(count)
    )
    absences = []
    for n, person in enumerate(people):
        day = 1 + n % 20
        absences += [
            Absence(user=person, type=kinds["vacation"], start=D(2030, 5, day), end=D(2030, 5, day + 3)),
            Absence(user=person, type=kinds["trip"], start=D(2030, 5, day + 6), end=D(2030, 5, day + 7)),
            Absence(
                user=person, type=kinds["sick"], start=D(2030, 4, 1 + n % 28), end=D(2030, 4, 2 + n % 28)
            ),
        ]
    Absence.objects.bulk_create(absences)


def test_the_chart_takes_the_same_queries_for_10_and_300_people(org, chart_kinds):
    """A department's month at 10 and at 300 people (a full page) costs the same queries, page and partial; the
    day grid is drawn once, whatever the rows, and 300 people's page stays well under 150 KB."""
    team = DepartmentFactory(name="Warehouse", parent=org.root)
    shift = DepartmentFactory(name="Late shift", parent=team)
    HolidayFactory(date=D(2030, 5, 9), name="Holiday")
    _department_of(team, 6, chart_kinds)
    _department_of(shift, 4, chart_kinds, start=6)
    query = {**MONTH, "department": team.pk}
    client = client_as(org.east_rep)
    client.get(CHART, query)
    few = count_queries(lambda: client.get(CHART, query))
    few_partial = count_queries(lambda: client.get(CHART, query, **HTMX))
    small = client.get(CHART, query).content.decode()
    assert small.count('<a class="wf-name"') == 10 and len(bars(small)) == 20

    _department_of(team, 150, chart_kinds, start=10)
    _department_of(shift, 140, chart_kinds, start=160)
    response = client.get(CHART, query)
    html = response.content.decode()
    assert html.count('<a class="wf-name"') == 300 and len(bars(html)) == 600
    assert "300 people" in html and 'aria-label="Pages"' not in html
    assert count_queries(lambda: client.get(CHART, query)) == few
    assert count_queries(lambda: client.get(CHART, query, **HTMX)) == few_partial
    # One person more makes a second page: the count joins (one query), the second page costs the same.
    _department_of(shift, 1, chart_kinds, start=400)
    paged = count_queries(lambda: client.get(CHART, query))
    assert paged == few + 1
    assert count_queries(lambda: client.get(CHART, {**query, "page": 2})) == paged
    second = client.get(CHART, {**query, "page": 2}).content.decode()
    assert second.count('<a class="wf-name"') == 1 and "2 / 2" in second and "301 people" in second
    # The grid is one layer of 31 days for all rows; a row is its name cell and its bars, nothing per day.
    assert day_columns(html) == 31 and html.count('<i class="wf-day') == 31
    rows = re.search(r'<ul class="wf-rows"[^>]*>(.*?)</ul>', html, re.S).group(1)
    assert "wf-day" not in rows and rows.count("<li>") == 300
    assert len(response.content) < 150_000, len(response.content)


def test_the_chart_takes_the_same_queries_when_nobody_is_away(org, chart_kinds):
    team = DepartmentFactory(name="Quiet", parent=org.root)
    for _ in range(3):
        UserFactory(department=team)
    query = {**MONTH, "department": team.pk}
    client = client_as(org.east_rep)
    client.get(CHART, query)
    quiet = count_queries(lambda: client.get(CHART, query))
    _department_of(team, 5, chart_kinds)
    assert count_queries(lambda: client.get(CHART, query)) == quiet


def test_the_filters_keep_what_was_chosen(org, chart_kinds):
    html = (
        client_as(org.east_rep)
        .get(CHART, {**MONTH, "view": "quarter", "department": org.east.pk, "type": [chart_kinds["trip"].pk]})
        .content.decode()
    )
    assert '<select name="view" class="form-select form-select-sm" id="id_view">' in html
    assert '<option value="quarter" selected>' in html and '<option value="month">' in html
    assert f'<option value="{org.east.pk}" selected>— — Sales East</option>' in html
    assert '<option value="">Everyone</option>' in html
    trip = chart_kinds["trip"]
    boxes = re.findall(r'<input type="checkbox" name="type" value="(\d+)" id="id_type_\d+"( checked)?>', html)
    assert (str(trip.pk), " checked") in boxes and len([box for box in boxes if box[1]]) == 1
    everyone = client_as(org.east_rep).get(CHART).content.decode()
    assert '<option value="" selected>Everyone</option>' in everyone and " checked>" not in everyone


def test_the_chart_is_built_to_scroll_on_a_phone(org, chart_kinds):
    html = client_as(org.east_rep).get(CHART, MONTH).content.decode()
    assert 'name="viewport" content="width=device-width' in html
    # The table sits in its own horizontal scroller (the page itself does not widen); the name column sticks.
    assert re.search(r'<div class="wf-chart-scroll"[^>]*role="region"', html)
    assert "workflows/absence_chart.css" in html and "workflows/absence_chart.js" in html
    from django.contrib.staticfiles import finders

    css = open(finders.find("workflows/absence_chart.css")).read()
    assert re.search(r"\.wf-chart-scroll \{[^}]*overflow-x: auto", css)
    assert re.search(r"\.wf-chart \.wf-name \{[^}]*position: sticky", css)
    assert "@media (max-width: 575.98px)" in css
    assert "<script>" not in html and " onclick=" not in html


def test_the_popover_and_the_page_of_an_absence(org, chart_kinds, hr_person):
    absence = AbsenceFactory(
        user=org.east_rep, type=chart_kinds["trip"], start=D(2030, 5, 6), end=D(2030, 5, 12), comment="Berlin"
    )
    url = reverse("workflows:absence_detail", args=[absence.pk])
    popover = client_as(org.developer).get(url, **HTMX)
    text = popover.content.decode()
    assert popover.status_code == 200 and "<html" not in text and "modal-body" in text
    assert "7 days" in text and "5 working days" in text and "Berlin" not in text
    assert reverse("workflows:absence_edit", args=[absence.pk]) not in text
    page = client_as(hr_person).get(url).content.decode()
    assert (
        "<html" in page and "Berlin" in page and reverse("workflows:absence_edit", args=[absence.pk]) in page
    )
    assert (
        client_as(org.developer).get(reverse("workflows:absence_detail", args=[absence.pk + 999])).status_code
        == 404
    )


def test_hr_enters_changes_and_removes_absences(org, chart_kinds, hr_person):
    create = reverse("workflows:absence_create")
    assert client_as(org.east_head).get(create).status_code == 404
    client = client_as(hr_person)
    assert client.get(create).status_code == 200
    data = {
        "user": org.east_rep.pk,
        "type": chart_kinds["sick"].pk,
        "start": "2030-05-06",
        "end": "2030-05-08",
        "comment": "flu",
    }
    response = client.post(create, data, format="multipart")
    assert response.status_code == 302 and response["Location"].endswith("?month=2030-05")
    absence = Absence.objects.get()
    assert (absence.user, absence.created_by, absence.comment) == (org.east_rep, hr_person, "flu")

    back = client.post(
        create,
        {**data, "start": "2030-06-03", "end": "2030-06-03", "next": reverse("workflows:absence_list")},
        format="multipart",
    )
    assert back.status_code == 302 and back["Location"] == reverse("workflows:absence_list")
    Absence.objects.filter(start=D(2030, 6, 3)).delete()
    clash = client.post(create, {**data, "start": "2030-05-08", "end": "2030-05-09"}, format="multipart")
    assert clash.status_code == 400 and "already away" in clash.content.decode()
    own = client.post(
        create, {**data, "user": hr_person.pk, "type": chart_kinds["vacation"].pk}, format="multipart"
    )
    assert own.status_code == 400 and "leave request" in own.content.decode()
    assert Absence.objects.count() == 1

    edit = reverse("workflows:absence_edit", args=[absence.pk])
    assert client_as(org.east_rep).get(edit).status_code == 404
    changed = client.post(
        edit, {"type": chart_kinds["sick"].pk, "start": "2030-05-06", "end": "2030-05-10"}, format="multipart"
    )
    assert changed.status_code == 302
    absence.refresh_from_db()
    assert (absence.end, absence.comment) == (D(2030, 5, 10), "")

    delete = reverse("workflows:absence_delete", args=[absence.pk])
    assert client_as(org.east_rep).post(delete).status_code == 404
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert not Absence.objects.exists()


def test_the_list_filters_and_keeps_a_query_budget(org, chart_kinds):
    AbsenceFactory(user=org.east_rep, type=chart_kinds["trip"], start=D(2030, 5, 6), end=D(2030, 5, 7))
    AbsenceFactory(user=org.developer, type=chart_kinds["dayoff"], start=D(2030, 6, 6), end=D(2030, 6, 6))
    url = reverse("workflows:absence_list")
    client = client_as(org.sales_rep)
    html = client.get(url).content.decode()
    assert "Business trip" in html and "Day off" in html
    only_sales = client.get(url, {"department": org.sales.pk}, **HTMX).content.decode()
    assert "Business trip" in only_sales and "Day off" not in only_sales and "<html" not in only_sales
    june = client.get(url, {"date_from": "2030-06-01", "date_to": "2030-06-30"}, **HTMX).content.decode()
    assert "Day off" in june and "Business trip" not in june
    by_person = client.get(url, {"person": org.developer.pk}, **HTMX).content.decode()
    assert "Day off" in by_person and "Business trip" not in by_person

    few = count_queries(lambda: client.get(url))
    for n in range(20):
        AbsenceFactory(
            user=UserFactory(department=org.it),
            type=chart_kinds["sick"],
            start=D(2030, 7, 1 + n),
            end=D(2030, 7, 1 + n),
        )
    assert count_queries(lambda: client.get(url)) <= few


def test_absence_types_page_is_for_admins(org, chart_kinds):
    url = reverse("workflows:absence_types")
    assert client_as(org.east_rep).get(url).status_code == 404
    admin = client_as(org.admin)
    assert "Sick leave" in admin.get(url).content.decode()
    created = admin.post(
        reverse("workflows:absence_type_create"),
        {"name": "Study leave", "color": "#112233", "order": "60", "is_active": "on"},
        format="multipart",
    )
    assert created.status_code == 302
    kind = AbsenceType.objects.get(name="Study leave")
    edit = reverse("workflows:absence_type_edit", args=[kind.pk])
    bad = admin.post(edit, {"name": "Study leave", "color": "blue", "order": "60"}, format="multipart")
    assert bad.status_code == 400
    assert (
        admin.post(edit, {"name": "Study", "color": "#112233", "order": "5"}, format="multipart").status_code
        == 302
    )
    kind.refresh_from_db()
    assert (kind.name, kind.is_active, kind.order) == ("Study", False, 5)


def test_allowances_show_balances_and_carry_over(org, chart_kinds, hr_person, django_assert_max_num_queries):
    year = timezone.localdate().year
    url = reverse("workflows:allowance_list")
    assert client_as(org.east_head).get(url).status_code == 404
    LeaveAllowanceFactory(user=org.east_rep, year=year, days=30, carried_over=2)
    client = client_as(hr_person)
    html = client.get(url, {"year": year, "department": org.east.pk}).content.decode()
    assert str(org.east_rep) in html and str(org.developer) not in html
    row = re.search(rf"{re.escape(str(org.east_rep))}</a>.*?</tr>", html, re.S).group(0)
    assert re.findall(r'<td class="text-end[^"]*">([\d.,-]+)', row)[:5] == ["30", "2", "0", "0", "32"]

    edit = reverse("workflows:allowance_edit")
    assert client.get(edit, {"user": org.east_rep.pk, "year": year}).status_code == 200
    saved = client.post(edit, {"user": org.developer.pk, "year": year, "days": "21.5"}, format="multipart")
    assert saved.status_code == 302
    assert LeaveAllowance.objects.get(user=org.developer, year=year).days == 21.5
    carried = client.post(reverse("workflows:allowance_carry_over"), {"year": year}, format="multipart")
    assert carried.status_code == 302
    assert LeaveAllowance.objects.filter(year=year).count() > 2

    few = count_queries(lambda: client.get(url, {"year": year}))
    for _ in range(20):
        LeaveAllowanceFactory(user=UserFactory(department=org.it), year=year, days=20)
    with django_assert_max_num_queries(few):
        client.get(url, {"year": year})


def test_bar_labels_are_escaped(org):
    kind = AbsenceType.objects.create(name='<b onmouseover="x">Odd</b>', color="#123456")
    AbsenceFactory(user=org.east_rep, type=kind, start=D(2030, 5, 6), end=D(2030, 5, 7))
    html = client_as(org.developer).get(CHART, MONTH).content.decode()
    assert '<b onmouseover="x">' not in html
    assert "&lt;b onmouseover=&quot;x&quot;&gt;Odd&lt;/b&gt;" in html
