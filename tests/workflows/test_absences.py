"""The absences' services and selectors: who may enter absences (HR, the permission, admins, the system; nobody
their own vacation), overlaps refused, audit rows, absence types, allowances, leave balances counted in working
days (weekends and holidays not spent) with carry-over, the yearly carry-over job, who sees what of an absence,
and the absence provider core asks."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from portal.core.audit import AuditLog
from portal.core.errors import Invalid, NotAllowed
from portal.workflows.models import Absence, AbsenceType, LeaveAllowance, ProcessRole
from portal.workflows.selectors import absences as selectors
from portal.workflows.services import absences as services
from tests.people.factories import UserFactory
from tests.workflows.factories import AbsenceFactory, HolidayFactory, LeaveAllowanceFactory

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = 2031  # a year of its own: Jan 1st 2031 is a Wednesday


def absence_types() -> dict[str, AbsenceType]:
    """The built-in types (laid on migrate; made here when a flush took them), as the services expect them."""
    wanted = {
        "vacation": {"name": "Vacation", "color": "#198754", "counts_allowance": True, "private": False},
        "sick": {"name": "Sick leave", "color": "#dc3545", "counts_allowance": False, "private": True},
        "trip": {"name": "Business trip", "color": "#0d6efd", "counts_allowance": False, "private": False},
        "dayoff": {"name": "Day off", "color": "#6f42c1", "counts_allowance": False, "private": False},
    }
    found = {}
    for key, values in wanted.items():
        kind, _ = AbsenceType.objects.update_or_create(key=key, defaults={**values, "is_active": True})
        found[key] = kind
    return found


def hr_role(*members) -> ProcessRole:
    role, _ = ProcessRole.objects.get_or_create(key="hr", defaults={"name": "HR"})
    role.members.add(*members)
    return role


def fresh(user):
    """The user as a new request sees it (no memoised rights)."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def kinds(db):
    return absence_types()


@pytest.fixture
def hr(org):
    person = UserFactory(email="hr@acme.test", department=org.root)
    hr_role(person)
    return person


# --- rights -------------------------------------------------------------------------------------------------


def test_who_may_enter_absences(org, kinds, hr):
    sick = kinds["sick"]
    day = D(YEAR, 3, 3)
    with pytest.raises(NotAllowed):
        services.absence_create(actor=org.developer, user=org.east_rep, type=sick, start=day, end=day)
    with pytest.raises(NotAllowed):  # a supervisor is not HR
        services.absence_create(actor=org.sales_head, user=org.east_rep, type=sick, start=day, end=day)
    assert not Absence.objects.exists()

    by_hr = services.absence_create(
        actor=hr, user=org.east_rep, type=sick, start=day, end=day, comment=" flu "
    )
    assert (by_hr.created_by, by_hr.comment) == (hr, "flu")
    by_admin = services.absence_create(
        actor=org.admin, user=org.developer, type=sick, start=day, end=day + datetime.timedelta(days=1)
    )
    assert by_admin.created_by == org.admin

    holder = UserFactory(department=org.it)
    holder.user_permissions.add(Permission.objects.get(codename="manage_absences"))
    by_perm = services.absence_create(
        actor=fresh(holder), user=org.field_rep, type=kinds["trip"], start=day, end=day
    )
    assert by_perm.pk

    # The system (an approved leave request) enters anyone's vacation, with no author.
    system = services.absence_create(
        actor=None, user=org.sales_rep, type=kinds["vacation"], start=day, end=day, comment="approved"
    )
    assert system.created_by is None
    actors = list(
        AuditLog.objects.filter(action="workflows.absence.create").values_list("actor_id", flat=True)
    )
    assert len(actors) == 4 and set(actors) == {hr.pk, org.admin.pk, holder.pk, None}


def test_nobody_enters_their_own_vacation(org, kinds, hr):
    day = D(YEAR, 4, 7)
    with pytest.raises(NotAllowed) as refused:
        services.absence_create(actor=hr, user=hr, type=kinds["vacation"], start=day, end=day)
    assert refused.value.code == "own_vacation"
    with pytest.raises(NotAllowed):
        services.absence_create(actor=org.admin, user=org.admin, type=kinds["vacation"], start=day, end=day)
    # Their own sick leave is fine, but it cannot be turned into a vacation either.
    own = services.absence_create(actor=hr, user=hr, type=kinds["sick"], start=day, end=day)
    with pytest.raises(NotAllowed):
        services.absence_update(actor=hr, absence=own, type=kinds["vacation"])
    assert Absence.objects.get(pk=own.pk).type == kinds["sick"]


def test_update_and_delete_need_the_right(org, kinds, hr):
    absence = services.absence_create(
        actor=hr, user=org.east_rep, type=kinds["sick"], start=D(YEAR, 5, 5), end=D(YEAR, 5, 6)
    )
    with pytest.raises(NotAllowed):
        services.absence_update(actor=org.east_rep, absence=absence, end=D(YEAR, 5, 9))
    with pytest.raises(NotAllowed):
        services.absence_delete(actor=org.sales_head, absence=absence)

    services.absence_update(actor=hr, absence=absence, end=D(YEAR, 5, 9), comment="longer")
    absence.refresh_from_db()
    assert (absence.end, absence.comment) == (D(YEAR, 5, 9), "longer")
    row = AuditLog.objects.get(action="workflows.absence.update")
    assert row.changes["end"] == [str(D(YEAR, 5, 6)), str(D(YEAR, 5, 9))]
    with pytest.raises(Invalid):
        services.absence_update(actor=hr, absence=absence, user=org.developer)

    services.absence_delete(actor=org.admin, absence=absence)
    assert not Absence.objects.filter(pk=absence.pk).exists()
    assert AuditLog.objects.filter(action="workflows.absence.delete", target_id=str(absence.pk)).exists()


# --- validation and overlaps --------------------------------------------------------------------------------


def test_overlapping_absences_of_one_person_are_refused(org, kinds, hr):
    first = services.absence_create(
        actor=hr, user=org.east_rep, type=kinds["sick"], start=D(YEAR, 6, 2), end=D(YEAR, 6, 6)
    )
    with pytest.raises(Invalid) as clash:
        services.absence_create(
            actor=None, user=org.east_rep, type=kinds["vacation"], start=D(YEAR, 6, 6), end=D(YEAR, 6, 13)
        )
    assert clash.value.code == "overlap"
    assert "already away" in clash.value.fields["start"][0]
    assert Absence.objects.filter(user=org.east_rep).count() == 1

    # The day after is free, and so is the same week for someone else.
    next_one = services.absence_create(
        actor=None, user=org.east_rep, type=kinds["vacation"], start=D(YEAR, 6, 7), end=D(YEAR, 6, 13)
    )
    services.absence_create(
        actor=hr, user=org.developer, type=kinds["sick"], start=D(YEAR, 6, 2), end=D(YEAR, 6, 6)
    )

    # Moving one into the other is refused too; changing one within its own days is not an overlap.
    with pytest.raises(Invalid):
        services.absence_update(actor=hr, absence=next_one, start=D(YEAR, 6, 5))
    services.absence_update(actor=hr, absence=first, start=D(YEAR, 6, 3), end=D(YEAR, 6, 5))
    first.refresh_from_db()
    assert (first.start, first.end) == (D(YEAR, 6, 3), D(YEAR, 6, 5))


def test_bad_input_is_refused_field_by_field(org, kinds, hr):
    with pytest.raises(Invalid) as bad:
        services.absence_create(
            actor=hr, user=org.east_rep, type=kinds["sick"], start=D(YEAR, 7, 9), end=D(YEAR, 7, 8)
        )
    assert set(bad.value.fields) == {"end"}
    gone = UserFactory(is_active=False)
    with pytest.raises(Invalid) as inactive:
        services.absence_create(
            actor=hr, user=gone, type=kinds["sick"], start=D(YEAR, 7, 8), end=D(YEAR, 7, 8)
        )
    assert "user" in inactive.value.fields
    old = AbsenceType.objects.create(name="Old", is_active=False)
    with pytest.raises(Invalid) as retired:
        services.absence_create(actor=hr, user=org.east_rep, type=old, start=D(YEAR, 7, 8), end=D(YEAR, 7, 8))
    assert "type" in retired.value.fields
    assert not Absence.objects.exists()


# --- who sees what ------------------------------------------------------------------------------------------


def test_private_types_and_comments_show_to_the_right_people(org, kinds, hr):
    absence = services.absence_create(
        actor=hr, user=org.east_rep, type=kinds["sick"], start=D(YEAR, 8, 4), end=D(YEAR, 8, 5), comment="flu"
    )
    absence = Absence.objects.select_related("user__department", "type").get(pk=absence.pk)
    for viewer in (org.east_rep, org.east_head, org.sales_head, org.ceo, org.admin, hr):
        view = selectors.absence_view(fresh(viewer), absence)
        assert (view.label, view.comment, view.type_id) == ("Sick leave", "flu", kinds["sick"].pk), viewer
    for viewer in (org.developer, org.sales_rep, org.field_rep, org.it_head):
        view = selectors.absence_view(fresh(viewer), absence)
        assert (view.label, view.comment, view.type_id) == ("Absent", "", None), viewer
        assert view.color == selectors.HIDDEN_COLOR
    # A public type shows its name to everyone, the comment still not.
    trip = services.absence_create(
        actor=hr,
        user=org.east_rep,
        type=kinds["trip"],
        start=D(YEAR, 9, 1),
        end=D(YEAR, 9, 2),
        comment="Berlin",
    )
    view = selectors.absence_view(
        fresh(org.developer), Absence.objects.select_related("type", "user").get(pk=trip.pk)
    )
    assert (view.label, view.comment) == ("Business trip", "")


def test_a_filter_by_a_private_type_finds_only_what_the_reader_may_see(org, kinds, hr):
    for person in (org.east_rep, org.developer):
        AbsenceFactory(user=person, type=kinds["sick"], start=D(YEAR, 8, 4), end=D(YEAR, 8, 5))
    by_type = {"type": [str(kinds["sick"].pk)]}

    def people(viewer) -> set:
        return set(
            selectors.absence_list(user=fresh(viewer), filters=by_type).values_list("user_id", flat=True)
        )

    assert people(org.sales_rep) == set()
    assert people(org.developer) == {org.developer.pk}
    assert people(org.sales_head) == {org.east_rep.pk}
    assert people(hr) == {org.east_rep.pk, org.developer.pk}
    # Without the filter everyone sees both absences (as "Absent").
    assert selectors.absence_list(user=fresh(org.sales_rep), filters={}).count() == 2


def test_absences_on_a_day_and_the_provider_core_asks(org, kinds, hr):
    from portal.core.absences import absence_days

    sick = AbsenceFactory(user=org.east_rep, type=kinds["sick"], start=D(YEAR, 3, 2), end=D(YEAR, 3, 4))
    AbsenceFactory(user=org.developer, type=kinds["vacation"], start=D(YEAR, 3, 4), end=D(YEAR, 3, 10))
    on = selectors.absences_on(
        user_ids=[org.east_rep.pk, org.developer.pk, org.sales_rep.pk], day=D(YEAR, 3, 4)
    )
    assert set(on) == {org.east_rep.pk, org.developer.pk} and on[org.east_rep.pk] == sick

    days = absence_days(user_ids=[org.east_rep.pk, org.developer.pk], start=D(YEAR, 3, 3), end=D(YEAR, 3, 5))
    # The directory and chat read it too: a private type is "Absent" there.
    assert days[org.east_rep.pk] == {D(YEAR, 3, 3): "Absent", D(YEAR, 3, 4): "Absent"}
    assert days[org.developer.pk] == {D(YEAR, 3, 4): "Vacation", D(YEAR, 3, 5): "Vacation"}


def test_the_provider_answers_in_one_query_for_many_people(org, kinds, django_assert_num_queries):
    people = [UserFactory(department=org.it) for _ in range(15)]
    for n, person in enumerate(people):
        AbsenceFactory(user=person, type=kinds["trip"], start=D(YEAR, 2, 1 + n), end=D(YEAR, 2, 3 + n))
    ids = [p.pk for p in people]
    with django_assert_num_queries(1):
        labels = selectors.absence_labels(user_ids=ids, start=D(YEAR, 2, 1), end=D(YEAR, 2, 28))
    assert len(labels) == 15
    from portal.people.models import User

    with django_assert_num_queries(1):  # a queryset of ids is a subquery, not a second query
        labels = selectors.absence_labels(
            user_ids=User.objects.filter(pk__in=ids).values_list("pk", flat=True),
            start=D(YEAR, 2, 1),
            end=D(YEAR, 2, 28),
        )
    assert len(labels) == 15


# --- balances -----------------------------------------------------------------------------------------------


def test_the_balance_counts_working_days_of_vacation_only(org, kinds):
    person = org.east_rep
    LeaveAllowanceFactory(user=person, year=YEAR, days=Decimal("28"), carried_over=Decimal("3.5"))
    HolidayFactory(date=D(YEAR, 3, 12), name="Spring day")  # a Wednesday
    # A Monday-to-Sunday week: five working days, the weekend not spent.
    AbsenceFactory(user=person, type=kinds["vacation"], start=D(YEAR, 2, 3), end=D(YEAR, 2, 9))
    # Monday to Friday with the holiday inside: four working days; after "today" it is planned, not used.
    AbsenceFactory(user=person, type=kinds["vacation"], start=D(YEAR, 3, 10), end=D(YEAR, 3, 14))
    # Sick leave and trips do not count; neither does last year's vacation, nor the part of one in the next.
    AbsenceFactory(user=person, type=kinds["sick"], start=D(YEAR, 4, 7), end=D(YEAR, 4, 11))
    AbsenceFactory(user=person, type=kinds["vacation"], start=D(YEAR - 1, 12, 1), end=D(YEAR - 1, 12, 5))
    AbsenceFactory(user=person, type=kinds["vacation"], start=D(YEAR, 12, 29), end=D(YEAR + 1, 1, 9))

    balance = selectors.leave_balance(user=person, year=YEAR, today=D(YEAR, 3, 1))
    assert balance.allowance == 28 and balance.carried_over == Decimal("3.5")
    # Dec 29-31 (Mon-Wed) are three working days of this year.
    assert (balance.used, balance.planned) == (5, 4 + 3)
    assert balance.left == Decimal("28") + Decimal("3.5") - 12
    assert balance.total == Decimal("31.5")

    later = selectors.leave_balance(user=person, year=YEAR, today=D(YEAR, 3, 11))
    assert (later.used, later.planned) == (5 + 2, 2 + 3)

    # A moved working day inside a vacation is spent (a Saturday worked).
    HolidayFactory(date=D(YEAR, 2, 8), name="Working Saturday", kind="workday")
    assert selectors.leave_balance(user=person, year=YEAR, today=D(YEAR, 3, 1)).used == 6


def test_without_an_allowance_the_default_applies(org, settings):
    settings.LUMEN_LEAVE_DEFAULT_DAYS = 20
    balance = selectors.leave_balance(user=org.developer, year=YEAR)
    assert (balance.allowance, balance.carried_over, balance.left, balance.has_allowance) == (
        20,
        0,
        20,
        False,
    )


def test_balances_of_many_people_take_a_constant_number_of_queries(org, kinds, django_assert_num_queries):
    people = [UserFactory(department=org.it) for _ in range(12)]
    for person in people:
        LeaveAllowanceFactory(user=person, year=YEAR, days=25)
        AbsenceFactory(user=person, type=kinds["vacation"], start=D(YEAR, 6, 2), end=D(YEAR, 6, 3))
    with django_assert_num_queries(3):  # allowances, absences, the calendar
        balances = selectors.leave_balances(user_ids=[p.pk for p in people], year=YEAR, today=D(YEAR, 1, 1))
    assert {(b.allowance, b.used, b.planned, b.left) for b in balances.values()} == {(25, 0, 2, 23)}


def test_allowance_set_rights_and_checks(org, hr):
    with pytest.raises(NotAllowed):
        services.allowance_set(actor=org.east_head, user=org.east_rep, year=YEAR, days=30)
    row = services.allowance_set(actor=hr, user=org.east_rep, year=YEAR, days="24.5", carried_over=2)
    assert (row.days, row.carried_over) == (Decimal("24.5"), Decimal("2"))
    # `carried_over` left out keeps what is there.
    row = services.allowance_set(actor=org.admin, user=org.east_rep, year=YEAR, days=26)
    assert (row.days, row.carried_over) == (Decimal("26"), Decimal("2"))
    for bad in (-1, 400, "many", "1.25"):
        with pytest.raises(Invalid) as refused:
            services.allowance_set(actor=hr, user=org.east_rep, year=YEAR, days=bad)
        assert "days" in refused.value.fields
    with pytest.raises(Invalid):
        services.allowance_set(actor=hr, user=org.east_rep, year=1990, days=10)
    assert AuditLog.objects.filter(action__startswith="workflows.allowance.").count() == 2


# --- carry-over ---------------------------------------------------------------------------------------------


def test_carry_over_moves_unused_days_up_to_the_limit_once(org, kinds, settings):
    from portal.people.models import User

    settings.LUMEN_LEAVE_CARRY_OVER_MAX_DAYS = 14
    last = YEAR - 1
    User.objects.exclude(pk__in=[org.east_rep.pk, org.developer.pk, org.sales_rep.pk]).update(is_active=False)
    # east_rep: 28 days, 10 working days taken (two Monday-Friday weeks) -> 18 unused -> 14 carried.
    LeaveAllowanceFactory(user=org.east_rep, year=last, days=28)
    AbsenceFactory(user=org.east_rep, type=kinds["vacation"], start=D(last, 6, 3), end=D(last, 6, 14))
    # developer: 20 + 2 carried, a two-week vacation with a holiday inside (9 working days) -> 13 carried; this
    # year's allowance row exists already and keeps its days.
    LeaveAllowanceFactory(user=org.developer, year=last, days=20, carried_over=2)
    HolidayFactory(date=D(last, 6, 4), name="Holiday")
    AbsenceFactory(user=org.developer, type=kinds["vacation"], start=D(last, 6, 3), end=D(last, 6, 14))
    LeaveAllowanceFactory(user=org.developer, year=YEAR, days=22, carried_over=0)
    # sales_rep: no allowance last year (the default 28) and 30 working days taken -> nothing to carry.
    AbsenceFactory(user=org.sales_rep, type=kinds["vacation"], start=D(last, 1, 7), end=D(last, 2, 15))

    result = services.allowances_carry_over(year=YEAR)
    assert result == {"created": 2, "updated": 1, "people": 3}
    rows = {a.user_id: a for a in LeaveAllowance.objects.filter(year=YEAR)}
    assert (rows[org.east_rep.pk].days, rows[org.east_rep.pk].carried_over) == (28, 14)
    assert (rows[org.developer.pk].days, rows[org.developer.pk].carried_over) == (22, 13)
    assert (rows[org.sales_rep.pk].days, rows[org.sales_rep.pk].carried_over) == (28, 0)
    assert selectors.leave_balance(user=org.east_rep, year=YEAR, today=D(YEAR, 1, 1)).left == 42

    # Again: nothing changes, no audit rows are added.
    audits = AuditLog.objects.filter(action="workflows.allowance.carry_over").count()
    assert services.allowances_carry_over(year=YEAR) == {"created": 0, "updated": 0, "people": 3}
    assert AuditLog.objects.filter(action="workflows.allowance.carry_over").count() == audits

    # A lower limit applies on the next run.
    settings.LUMEN_LEAVE_CARRY_OVER_MAX_DAYS = 5
    services.allowances_carry_over(year=YEAR)
    assert LeaveAllowance.objects.get(user=org.east_rep, year=YEAR).carried_over == 5
    with pytest.raises(NotAllowed):
        services.allowances_carry_over(year=YEAR, actor=org.east_rep)


def test_the_yearly_job_carries_over_idempotently(org, kinds):
    from portal.workflows.jobs import workflows_allowances_carry_over

    LeaveAllowanceFactory(user=org.east_rep, year=YEAR - 1, days=10)
    first = workflows_allowances_carry_over(YEAR)
    assert first["created"] >= 1
    assert LeaveAllowance.objects.get(user=org.east_rep, year=YEAR).carried_over == 10
    again = workflows_allowances_carry_over(YEAR)
    assert (again["created"], again["updated"]) == (0, 0)


def test_the_beat_schedules_the_carry_over_on_new_year():
    from portal.celery import app

    entry = app.conf.beat_schedule["workflows-allowances-carry-over"]
    assert entry["task"] == "portal.workflows.jobs.workflows_allowances_carry_over"
    schedule = entry["schedule"]
    assert schedule.month_of_year == {1} and schedule.day_of_month == {1}


# --- absence types ------------------------------------------------------------------------------------------


def test_absence_types_are_edited_by_admins(org, hr):
    with pytest.raises(NotAllowed):
        services.absence_type_create(actor=hr, name="Study leave")
    kind = services.absence_type_create(actor=org.admin, name=" Study leave ", color="#AABBCC", order=50)
    assert (kind.name, kind.color, kind.is_active, kind.key) == ("Study leave", "#aabbcc", True, None)
    with pytest.raises(Invalid) as bad:
        services.absence_type_update(actor=org.admin, absence_type=kind, color="red", name="")
    assert set(bad.value.fields) == {"color", "name"}
    services.absence_type_update(actor=org.admin, absence_type=kind, is_active=False, private=True)
    kind.refresh_from_db()
    assert (kind.is_active, kind.private, kind.name) == (False, True, "Study leave")
    assert AuditLog.objects.filter(action="workflows.absence_type.update", target_id=str(kind.pk)).exists()
