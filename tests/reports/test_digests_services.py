"""Control digests: the content on hand-made data, unique per person and day, the due logic across time
zones, sending once, the personal digest and the digest preference."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from portal.core.registry import registry
from portal.notifications.models import UserCounter
from reports import selectors, services
from reports.choices import CorrectionStatus, DayState, DigestKind, Rating, ReportStatus
from reports.models import DayCorrection, Digest, DigestPreference, WorkDay
from reports.selectors.control import register_dashboard_counter
from tests.people.factories import DepartmentFactory
from tests.reports.factories import DigestFactory, DigestPreferenceFactory, WorkDayFactory, WorkReportFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TODAY = datetime.date(2026, 1, 14)  # a Wednesday
YESTERDAY = TODAY - datetime.timedelta(days=1)
NOW = datetime.datetime(2026, 1, 14, 10, 0, tzinfo=UTC)  # 10:00 in UTC, where the `org` people live


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def people(org):
    """Everybody joined long ago (a person who joined after a date owes nothing for it)."""
    from portal.people.models import User

    User.objects.update(date_joined=datetime.datetime(2020, 1, 1, tzinfo=UTC))
    for person in (
        "ceo",
        "sales_head",
        "sales_rep",
        "east_head",
        "east_rep",
        "field_rep",
        "it_head",
        "developer",
    ):
        getattr(org, person).refresh_from_db()
    return org


@pytest.fixture
def extra_counters():
    """A CRM-like counter per person and an approvals-like counter of the recipient, registered for digests."""
    selectors.register_digest_counter("crm.activities_overdue", label="Overdue CRM activities")
    selectors.register_digest_counter(
        "workflows.approvals_waiting", label="Approvals waiting", scope="recipient"
    )
    yield
    selectors.unregister_digest_counter("crm.activities_overdue")
    selectors.unregister_digest_counter("workflows.approvals_waiting")


def lay_sales_data(org) -> dict:
    """Yesterday and today of Sales (head: sales_head; people: sales_rep, east_head, east_rep, field_rep)."""
    from tasks.choices import TaskStatus

    made = {}
    # Reports of yesterday: sales_rep sent one (waiting for a rating), east_rep's was rated negative,
    # east_head and field_rep sent nothing.
    made["sent"] = WorkReportFactory(
        author=org.sales_rep, supervisor=org.sales_head, period_start=YESTERDAY, status=ReportStatus.SENT,
        sent_at=at(YESTERDAY, 18),
    )  # fmt: skip
    made["negative"] = WorkReportFactory(
        author=org.east_rep, supervisor=org.east_head, period_start=YESTERDAY, status=ReportStatus.RATED,
        rating=Rating.NEGATIVE, rating_comment="Nothing was done.", rated_by=org.east_head,
        sent_at=at(YESTERDAY, 18),
    )  # fmt: skip
    # Outside the sub-tree: the developer's missing report must not show.
    # Working days of yesterday: east_rep was late, field_rep never started; today east_head was late,
    # east_rep and field_rep have not started (it is 10:00, the schedule starts at 09:00 + 10 minutes).
    WorkDayFactory(user=org.sales_rep, date=YESTERDAY, started_at=at(YESTERDAY, 9, 5), state=DayState.CLOSED,
                   ended_at=at(YESTERDAY, 18))  # fmt: skip
    made["late_yesterday"] = WorkDayFactory(
        user=org.east_rep, date=YESTERDAY, started_at=at(YESTERDAY, 9, 40), is_late=True, state=DayState.CLOSED,
        ended_at=at(YESTERDAY, 18),
    )  # fmt: skip
    WorkDayFactory(user=org.east_head, date=YESTERDAY, started_at=at(YESTERDAY, 8, 55), state=DayState.CLOSED,
                   ended_at=at(YESTERDAY, 18))  # fmt: skip
    WorkDayFactory(user=org.sales_rep, date=TODAY, started_at=at(TODAY, 9, 0))
    made["late_today"] = WorkDayFactory(
        user=org.east_head, date=TODAY, started_at=at(TODAY, 9, 25), is_late=True
    )
    # A day closed automatically at midnight, waiting for field_rep's confirmation.
    made["to_confirm"] = WorkDayFactory(
        user=org.field_rep, date=TODAY - datetime.timedelta(days=2), started_at=at(TODAY - datetime.timedelta(days=2), 9),
        ended_at=at(TODAY - datetime.timedelta(days=2), 23, 59), state=DayState.CLOSED, auto_closed=True,
        needs_confirmation=True,
    )  # fmt: skip
    # A correction of sales_rep's day waiting for confirmation.
    day = WorkDay.objects.get(user=org.sales_rep, date=YESTERDAY)
    DayCorrection.objects.create(
        day=day, requested_by=org.sales_rep, reason="Forgot to start", started_at=at(YESTERDAY, 8, 30),
        ended_at=day.ended_at, old_started_at=day.started_at, old_ended_at=day.ended_at,
        status=CorrectionStatus.PENDING,
    )  # fmt: skip
    # Tasks: east_rep's overdue one counts; a closed overdue one, one due tomorrow and the developer's do not.
    made["overdue"] = TaskFactory(
        title="Call the client back",
        creator=org.sales_head,
        responsible=org.east_rep,
        deadline=at(YESTERDAY, 12),
    )
    TaskFactory(creator=org.sales_head, responsible=org.east_rep, deadline=at(YESTERDAY, 12),
                status=TaskStatus.COMPLETED, completed_at=at(YESTERDAY, 11))  # fmt: skip
    TaskFactory(
        creator=org.sales_head, responsible=org.field_rep, deadline=at(TODAY + datetime.timedelta(days=1), 12)
    )
    TaskFactory(creator=org.it_head, responsible=org.developer, deadline=at(YESTERDAY, 12))
    # Awaiting control: field_rep finished one (set by east_head); sales_head must check the developer's.
    made["awaiting_people"] = TaskFactory(
        title="Quote for ACME",
        creator=org.east_head,
        responsible=org.field_rep,
        status=TaskStatus.AWAITING_CONTROL,
    )
    made["awaiting_mine"] = TaskFactory(
        title="New laptops",
        creator=org.sales_head,
        responsible=org.developer,
        status=TaskStatus.AWAITING_CONTROL,
    )
    TaskFactory(creator=org.it_head, responsible=org.developer, status=TaskStatus.AWAITING_CONTROL)
    return made


def test_supervisor_digest_content_on_hand_made_data(people, extra_counters):
    org = people
    made = lay_sales_data(org)
    UserCounter.objects.create(user=org.east_rep, key="crm.activities_overdue", value=3)
    UserCounter.objects.create(user=org.developer, key="crm.activities_overdue", value=5)  # not in Sales
    UserCounter.objects.create(user=org.sales_head, key="workflows.approvals_waiting", value=2)
    UserCounter.objects.create(
        user=org.east_rep, key="workflows.approvals_waiting", value=7
    )  # not the recipient

    digest = services.digest_build(recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)

    data = digest.data
    assert data["department"]["name"] == "Sales"
    assert data["people_count"] == 4
    names = lambda section: sorted(i["person"]["id"] for i in data[section]["items"])  # noqa: E731
    assert names("missing_reports") == sorted([org.east_head.pk, org.field_rep.pk])
    assert names("negative_reports") == [org.east_rep.pk]
    assert data["negative_reports"]["items"][0]["comment"] == "Nothing was done."
    assert data["negative_reports"]["items"][0]["url"] == f"/reports/work/{made['negative'].pk}/"
    late = {(i["person"]["id"], i["date"], i["started"]) for i in data["late_starts"]["items"]}
    assert late == {
        (org.east_rep.pk, YESTERDAY.isoformat(), "09:40"),
        (org.east_head.pk, TODAY.isoformat(), "09:25"),
    }
    missing = {(i["person"]["id"], i["date"]) for i in data["missing_starts"]["items"]}
    assert missing == {
        (org.field_rep.pk, YESTERDAY.isoformat()),
        (org.east_rep.pk, TODAY.isoformat()),
        (org.field_rep.pk, TODAY.isoformat()),
    }
    assert [(i["person"]["id"], i["state"]) for i in data["open_days"]["items"]] == [
        (org.field_rep.pk, "auto_closed")
    ]
    assert data["corrections_waiting"]["total"] == 1
    assert data["reports_waiting"]["total"] == 1
    assert data["reports_waiting"]["items"][0]["person"]["id"] == org.sales_rep.pk
    overdue = data["overdue_tasks"]
    assert overdue["total"] == 1
    assert overdue["items"][0]["title"] == "Call the client back"
    assert overdue["items"][0]["url"] == f"/tasks/{made['overdue'].pk}/"
    assert overdue["items"][0]["days"] == 0  # 22 hours overdue
    assert overdue["by_person"][0]["person"]["id"] == org.east_rep.pk
    awaiting = data["awaiting_control"]
    assert awaiting["total"] == 2
    assert {(i["title"], i["mine"]) for i in awaiting["items"]} == {
        ("Quote for ACME", False),
        ("New laptops", True),
    }
    assert data["counters"] == [
        {
            "key": "crm.activities_overdue",
            "label": "Overdue CRM activities",
            "total": 3,
            "people": 1,
            "items": [{"person": {"id": org.east_rep.pk, "name": org.east_rep.full_name}, "count": 3}],
        }
    ]
    assert data["my_counters"] == [
        {"key": "workflows.approvals_waiting", "label": "Approvals waiting", "value": 2}
    ]
    # 2 missing reports + 1 negative + 2 late + 3 missing starts + 1 open day + 1 correction + 1 waiting report
    # + 1 overdue task + 2 awaiting control + 3 CRM + 2 approvals
    assert digest.signals == data["signals"] == 19


def test_sections_show_the_data_with_links(people, extra_counters):
    org = people
    lay_sales_data(org)
    digest = services.digest_build(recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)

    sections = {s.key: s for s in selectors.digest_sections(digest)}

    assert sections["missing_reports"].title == "Reports not sent for Tue 13 Jan"
    assert sections["missing_reports"].total == 2
    assert sections["overdue_tasks"].rows[0][0]["text"] == "Call the client back"
    assert sections["overdue_tasks"].rows[0][0]["url"].startswith("/tasks/")
    assert sections["corrections_waiting"].url == "/reports/workday/corrections/"
    assert "counter:crm.activities_overdue" not in sections  # no value stored in this test
    assert sections["awaiting_control"].rows
    assert selectors.digest_subject(digest) == "Control digest for Jan. 14, 2026: 14 signals"


def test_a_quiet_day_is_all_fine(people):
    org = people
    for person in (org.sales_rep, org.east_head, org.east_rep, org.field_rep):
        WorkReportFactory(
            author=person, period_start=YESTERDAY, status=ReportStatus.RATED, rating=Rating.POSITIVE
        )
        for day in (YESTERDAY, TODAY):
            WorkDayFactory(
                user=person, date=day, started_at=at(day, 9), state=DayState.CLOSED, ended_at=at(day, 18)
            )

    digest = services.digest_build(recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)

    assert digest.signals == 0
    assert all(section.total == 0 for section in selectors.digest_sections(digest))
    assert selectors.digest_subject(digest) == "Control digest for Jan. 14, 2026: all is fine"


def test_people_outside_the_sub_tree_never_appear(people):
    org = people
    lay_sales_data(org)

    digest = services.digest_build(recipient=org.east_head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)

    data = digest.data
    mentioned = {
        item["person"]["id"]
        for key in ("missing_reports", "negative_reports", "late_starts", "missing_starts", "open_days")
        for item in data[key]["items"]
    }
    assert mentioned <= {org.east_rep.pk, org.field_rep.pk}
    assert org.sales_rep.pk not in mentioned and org.east_head.pk not in mentioned
    assert data["people_count"] == 2
    # The developer's awaiting task was set by sales_head, not by east_head: not east_head's business.
    assert [i["title"] for i in data["awaiting_control"]["items"]] == ["Quote for ACME"]


def test_mondays_digest_covers_friday(people):
    org = people
    friday, monday = datetime.date(2026, 1, 16), datetime.date(2026, 1, 19)
    WorkReportFactory(author=org.sales_rep, period_start=friday, status=ReportStatus.SENT)
    WorkDayFactory(user=org.sales_rep, date=friday, started_at=at(friday, 9), state=DayState.CLOSED,
                   ended_at=at(friday, 18))  # fmt: skip

    digest = services.digest_build(
        recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=monday, now=at(monday, 10)
    )

    data = digest.data
    assert data["previous_day"] == friday.isoformat()
    missing = {i["person"]["id"] for i in data["missing_reports"]["items"]}
    assert missing == {org.east_head.pk, org.east_rep.pk, org.field_rep.pk}  # sales_rep sent Friday's
    friday_starts = {
        i["person"]["id"] for i in data["missing_starts"]["items"] if i["date"] == friday.isoformat()
    }
    assert friday_starts == {org.east_head.pk, org.east_rep.pk, org.field_rep.pk}
    assert selectors.digest_sections(digest)[0].title == "Reports not sent for Fri 16 Jan"


def test_a_later_joiner_owes_nothing_for_the_days_before(people):
    org = people
    from portal.people.models import User

    User.objects.filter(pk=org.field_rep.pk).update(date_joined=at(TODAY, 8))

    digest = services.digest_build(recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)

    field_rep_dates = {
        i["date"] for i in digest.data["missing_starts"]["items"] if i["person"]["id"] == org.field_rep.pk
    }
    assert field_rep_dates == {TODAY.isoformat()}  # joined this morning: yesterday is not theirs
    assert org.field_rep.pk not in {i["person"]["id"] for i in digest.data["missing_reports"]["items"]}


def test_nobody_is_due_on_a_day_they_do_not_work(people):
    org = people
    from tests.reports.factories import WorkScheduleFactory

    saturday = datetime.datetime(2026, 1, 17, 10, 0, tzinfo=UTC)
    WorkScheduleFactory(user=org.east_head, working_days=[0, 1, 2, 3, 4, 5])  # works on Saturdays

    assert {r for r, _k, _d in due(saturday)} == {org.east_head.pk}
    assert {org.sales_head.pk, org.ceo.pk} <= {r for r, _k, _d in due(saturday + datetime.timedelta(days=2))}


def test_build_is_unique_per_recipient_kind_and_date(people):
    org = people
    first = services.digest_build(recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)
    TaskFactory(creator=org.sales_head, responsible=org.east_rep, deadline=at(YESTERDAY, 12))

    again = services.digest_build(recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)

    assert again.pk == first.pk
    assert again.data == first.data  # stored once, not rebuilt
    assert Digest.objects.filter(recipient=org.sales_head).count() == 1
    tomorrow = services.digest_build(
        recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=TODAY + datetime.timedelta(days=1), now=NOW
    )
    assert tomorrow.pk != first.pk


def test_build_returns_none_when_there_is_nothing_to_build(people):
    org = people
    assert (
        services.digest_build(recipient=org.developer, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)
        is None
    )
    lonely = DepartmentFactory(name="Lonely", parent=org.root)
    from portal.people.models import Department

    Department.objects.filter(pk=lonely.pk).update(head=org.admin)
    assert services.digest_build(recipient=org.admin, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW) is None
    # Personal digests only for those who switched them on.
    assert (
        services.digest_build(recipient=org.developer, kind=DigestKind.PERSONAL, date=TODAY, now=NOW) is None
    )
    assert not Digest.objects.exists()


def test_build_rejects_an_unknown_kind(people):
    with pytest.raises(ValidationError) as caught:
        services.digest_build(recipient=people.sales_head, kind="weekly", date=TODAY, now=NOW)
    assert "kind" in caught.value.message_dict


def test_personal_digest_holds_my_overdue_tasks_and_my_unsent_report(people):
    org = people
    DigestPreferenceFactory(user=org.east_rep, personal_digest=True)
    TaskFactory(title="Late one", creator=org.east_head, responsible=org.east_rep, deadline=at(YESTERDAY, 8))
    TaskFactory(creator=org.east_head, responsible=org.field_rep, deadline=at(YESTERDAY, 8))  # someone else's

    digest = services.digest_build(recipient=org.east_rep, kind=DigestKind.PERSONAL, date=TODAY, now=NOW)

    assert digest.kind == DigestKind.PERSONAL
    assert digest.data["overdue_tasks"]["total"] == 1
    assert digest.data["overdue_tasks"]["items"][0]["title"] == "Late one"
    assert digest.data["unsent_report"]["total"] == 1  # yesterday's report was never sent
    assert digest.signals == 2
    # (the approvals waiting for me, from portal.workflows, shows as a section of its own, empty here)
    keys = [s.key for s in selectors.digest_sections(digest)]
    assert keys == ["overdue_tasks", "workflows_waiting_mine", "unsent_report"]

    WorkReportFactory(author=org.field_rep, period_start=YESTERDAY, status=ReportStatus.SENT)
    DigestPreferenceFactory(user=org.field_rep, personal_digest=True)
    other = services.digest_build(recipient=org.field_rep, kind=DigestKind.PERSONAL, date=TODAY, now=NOW)
    assert other.data["unsent_report"]["total"] == 0


# --- who is due, across time zones -----------------------------------------------------------------------


@pytest.fixture
def two_zones(people):
    """sales_head lives in Tokyo, it_head in Los Angeles (both supervise people)."""
    from portal.people.models import User

    User.objects.filter(pk=people.sales_head.pk).update(time_zone="Asia/Tokyo")
    User.objects.filter(pk=people.it_head.pk).update(time_zone="America/Los_Angeles")
    return people


def due(now) -> set[tuple[int, str, datetime.date]]:
    return {(d.recipient.pk, d.kind, d.date) for d in selectors.digests_due(now=now)}


def test_due_follows_each_supervisors_own_time_zone(two_zones):
    org = two_zones
    tokyo, la = org.sales_head.pk, org.it_head.pk
    # 16:30 UTC on Jan 15: 08:30 in Los Angeles (Jan 15), 01:30 in Tokyo (Jan 16): nobody of the two is due.
    early = datetime.datetime(2026, 1, 15, 16, 30, tzinfo=UTC)
    assert {r for r, _k, _d in due(early)} & {tokyo, la} == set()
    # 17:30 UTC: 09:30 in Los Angeles: it_head is due for his Jan 15; Tokyo is at 02:30 of Jan 16.
    la_morning = datetime.datetime(2026, 1, 15, 17, 30, tzinfo=UTC)
    found = due(la_morning)
    assert (la, DigestKind.SUPERVISOR, datetime.date(2026, 1, 15)) in found
    assert tokyo not in {r for r, _k, _d in found}
    # 00:30 UTC on Jan 16: 09:30 in Tokyo (Jan 16): sales_head is due; Los Angeles (16:30 on Jan 15) still is,
    # until the digest of Jan 15 is built.
    tokyo_morning = datetime.datetime(2026, 1, 16, 0, 30, tzinfo=UTC)
    found = due(tokyo_morning)
    assert (tokyo, DigestKind.SUPERVISOR, datetime.date(2026, 1, 16)) in found
    assert (la, DigestKind.SUPERVISOR, datetime.date(2026, 1, 15)) in found


def test_run_due_at_one_instant_builds_for_each_local_today(two_zones, django_capture_on_commit_callbacks):
    org = two_zones
    instant = datetime.datetime(2026, 1, 16, 0, 30, tzinfo=UTC)  # Tokyo 09:30 Jan 16, LA 16:30 Jan 15

    with django_capture_on_commit_callbacks(execute=True):
        services.digests_run_due(now=instant)

    assert Digest.objects.get(recipient=org.sales_head).date == datetime.date(2026, 1, 16)
    assert Digest.objects.get(recipient=org.it_head).date == datetime.date(2026, 1, 15)
    # The ceo and east_head live in UTC, where it is 00:30: not due yet.
    assert not Digest.objects.filter(recipient__in=[org.ceo, org.east_head]).exists()
    # Later the same UTC day everybody in UTC is due too; Tokyo and LA have theirs for their local today.
    with django_capture_on_commit_callbacks(execute=True):
        built = services.digests_run_due(now=datetime.datetime(2026, 1, 16, 9, 5, tzinfo=UTC))
    assert built == 2  # ceo and east_head; LA is at 01:05 of Jan 16, before its digest time
    assert Digest.objects.filter(recipient=org.it_head).count() == 1


def test_the_digest_time_is_a_personal_setting(people):
    org = people
    DigestPreferenceFactory(user=org.sales_head, digest_time=datetime.time(7, 15))
    at_seven = datetime.datetime(2026, 1, 14, 7, 0, tzinfo=UTC)
    at_seven_twenty = datetime.datetime(2026, 1, 14, 7, 20, tzinfo=UTC)

    assert org.sales_head.pk not in {r for r, _k, _d in due(at_seven)}
    assert (org.sales_head.pk, DigestKind.SUPERVISOR, TODAY) in due(at_seven_twenty)
    assert org.east_head.pk not in {r for r, _k, _d in due(at_seven_twenty)}  # default 09:00


def test_due_skips_heads_without_people_and_inactive_heads(people):
    org = people
    from portal.people.models import Department, User

    lonely = DepartmentFactory(name="Lonely", parent=org.root)
    Department.objects.filter(pk=lonely.pk).update(head=org.admin)
    User.objects.filter(pk=org.it_head.pk).update(is_active=False)

    recipients = {r for r, _k, _d in due(NOW)}

    assert recipients == {org.ceo.pk, org.sales_head.pk, org.east_head.pk}


def test_personal_digests_are_due_only_for_those_who_switched_them_on(people):
    org = people
    DigestPreferenceFactory(user=org.developer, personal_digest=True, digest_time=datetime.time(8, 0))
    DigestPreferenceFactory(user=org.east_rep, personal_digest=False)

    personal = {(r, d) for r, k, d in due(NOW) if k == DigestKind.PERSONAL}

    assert personal == {(org.developer.pk, TODAY)}


# --- running and sending once ----------------------------------------------------------------------------


def test_run_due_twice_builds_one_digest_and_sends_one_mail(people, django_capture_on_commit_callbacks):
    org = people
    lay_sales_data(org)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.digests_run_due(now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.digests_run_due(now=NOW + datetime.timedelta(minutes=5))

    assert first == 4  # the heads of Acme, Sales, Sales East and IT
    assert second == 0
    assert Digest.objects.filter(recipient=org.sales_head).count() == 1
    to_sales_head = [m for m in mail.outbox if m.to == [org.sales_head.email]]
    assert len(to_sales_head) == 1
    message = to_sales_head[0]
    assert message.subject.startswith("Control digest for Jan. 14, 2026")
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert "Call the client back" in html and "Call the client back" in message.body
    assert "http://testserver" not in message.body
    assert Digest.objects.get(recipient=org.sales_head).sent_at is not None


def test_send_skips_a_digest_already_sent(people):
    digest = DigestFactory(recipient=people.sales_head, date=TODAY)

    assert services.digest_send(digest_id=digest.pk) is True
    assert services.digest_send(digest_id=digest.pk) is False
    assert len(mail.outbox) == 1
    digest.refresh_from_db()
    assert digest.sent_at is not None
    assert services.digest_send(digest_id=987654) is False


def test_a_failed_send_leaves_the_digest_unsent(people, monkeypatch):
    import portal.core.mail

    digest = DigestFactory(recipient=people.sales_head, date=TODAY)

    def broken(**kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(portal.core.mail, "mail_send", broken)
    with pytest.raises(OSError):
        services.digest_send(digest_id=digest.pk)
    digest.refresh_from_db()
    assert digest.sent_at is None


def test_empty_personal_digests_are_kept_but_not_mailed(people, django_capture_on_commit_callbacks):
    org = people
    WorkReportFactory(author=org.developer, period_start=YESTERDAY, status=ReportStatus.SENT)
    DigestPreferenceFactory(user=org.developer, personal_digest=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.digests_run_due(now=NOW)

    digest = Digest.objects.get(recipient=org.developer, kind=DigestKind.PERSONAL)
    assert digest.signals == 0
    assert digest.sent_at is None
    assert not [m for m in mail.outbox if m.to == [org.developer.email]]


def test_one_broken_digest_does_not_stop_the_others(people, monkeypatch, django_capture_on_commit_callbacks):
    org = people
    from reports.selectors import digests as digest_selectors

    real = digest_selectors.digest_supervisor_data

    def flaky(*, recipient, date, now=None):
        if recipient.pk == org.sales_head.pk:
            raise RuntimeError("broken data")
        return real(recipient=recipient, date=date, now=now)

    monkeypatch.setattr(digest_selectors, "digest_supervisor_data", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        built = services.digests_run_due(now=NOW)

    assert built == 3
    assert not Digest.objects.filter(recipient=org.sales_head).exists()


def test_a_concurrent_build_is_settled_by_the_unique_constraint(people, monkeypatch):
    """Another worker stored the same digest after this one looked: the insert hits the unique constraint,
    nothing half-done stays, and the other worker's digest is returned."""
    org = people
    from reports.services import digests as digest_services

    theirs = DigestFactory(recipient=org.sales_head, date=TODAY, data={"first": True})
    real = digest_services._existing
    calls = []

    def not_yet_seen(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(digest_services, "_existing", not_yet_seen)
    digest = services.digest_build(recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)

    assert digest == theirs
    assert digest.data == {"first": True}
    assert Digest.objects.filter(recipient=org.sales_head).count() == 1
    from portal.core.models import AuditLog

    assert not AuditLog.objects.filter(action="digest.build").exists()


def test_the_sweep_skips_a_digest_another_sweep_stored_meanwhile(people, monkeypatch):
    org = people
    from reports.services import digests as digest_services

    DigestFactory(recipient=org.sales_head, date=TODAY)
    monkeypatch.setattr(digest_services, "_existing", lambda **kwargs: None)
    monkeypatch.setattr(
        digest_services.selectors,
        "digests_due",
        lambda now: [selectors.DigestDue(org.sales_head, "supervisor", TODAY)],
    )

    assert services.digests_run_due(now=NOW) == 0
    assert Digest.objects.filter(recipient=org.sales_head).count() == 1


# --- the preference -------------------------------------------------------------------------------------


def test_preference_save_creates_then_updates_with_audit(people):
    from portal.core.models import AuditLog

    org = people
    preference = services.digest_preference_save(
        actor=org.east_rep, digest_time=datetime.time(7, 30, 15), personal_digest=True
    )
    assert preference.digest_time == datetime.time(7, 30)
    assert preference.personal_digest is True

    services.digest_preference_save(
        actor=org.east_rep, digest_time=datetime.time(8, 0), personal_digest=False
    )

    stored = DigestPreference.objects.get(user=org.east_rep)
    assert (stored.digest_time, stored.personal_digest) == (datetime.time(8, 0), False)
    actions = list(
        AuditLog.objects.filter(actor=org.east_rep).values_list("action", flat=True).order_by("id")
    )
    assert actions == ["digest_preference.create", "digest_preference.update"]


def test_preference_save_validates(people):
    with pytest.raises(ValidationError) as caught:
        services.digest_preference_save(actor=people.east_rep, digest_time=None, personal_digest=True)
    assert "digest_time" in caught.value.message_dict
    assert not DigestPreference.objects.exists()
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.digest_preference_save(
            actor=AnonymousUser(), digest_time=datetime.time(9), personal_digest=False
        )


def test_latest_digest_prefers_the_control_digest_of_the_newest_date(people):
    org = people
    DigestFactory(recipient=org.sales_head, date=YESTERDAY)
    newest = DigestFactory(recipient=org.sales_head, date=TODAY)
    DigestFactory(recipient=org.sales_head, date=TODAY, kind=DigestKind.PERSONAL)
    DigestFactory(recipient=org.east_head, date=TODAY + datetime.timedelta(days=1))

    assert selectors.latest_digest(user=org.sales_head) == newest
    assert selectors.latest_digest(user=org.developer) is None


def test_dashboard_counters_of_the_control_part_are_in_the_digest(people):
    """A counter key registered for the dashboard (control part) shows in the digest without more code."""
    org = people
    # The section is restored afterwards: the CRM registers this key itself, and must keep it.
    with registry.dashboard_counters.override():
        register_dashboard_counter("crm.deals_idle", label="Idle deals")
        UserCounter.objects.create(user=org.field_rep, key="crm.deals_idle", value=4)
        digest = services.digest_build(
            recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW
        )
    counters = {c["key"]: c for c in digest.data["counters"]}
    assert counters["crm.deals_idle"]["total"] == 4
    assert counters["crm.deals_idle"]["label"] == "Idle deals"


def test_times_are_shown_in_each_persons_zone(people):
    org = people
    from portal.people.models import User

    User.objects.filter(pk=org.east_rep.pk).update(time_zone="Europe/Berlin")
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    WorkDayFactory(
        user=org.east_rep, date=YESTERDAY, is_late=True,
        started_at=datetime.datetime(2026, 1, 13, 9, 45, tzinfo=berlin),
    )  # fmt: skip

    digest = services.digest_build(recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)

    late = [i for i in digest.data["late_starts"]["items"] if i["person"]["id"] == org.east_rep.pk]
    assert late[0]["started"] == "09:45"
    assert timezone.is_aware(datetime.datetime.fromisoformat(digest.data["built_at"]))
