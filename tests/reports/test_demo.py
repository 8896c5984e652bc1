"""The reports part of `manage.py seed_demo`: weeks of working days and work reports through the services, a
confirmed timesheet and today's control digests, the counters recounted; and nothing seeded twice."""

from __future__ import annotations

import datetime
import email
import email.policy
import io
import random
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.core.demo import DEMO_DOMAIN, seed_demo
from portal.core.models import AuditLog
from portal.notifications.models import Notification, UserCounter
from portal.people.models import Company, Department, User
from portal.people.selectors import supervisor_of
from reports import selectors
from reports.choices import CorrectionStatus, DayEventKind, DayState, DigestKind, Rating, ReportStatus
from reports.demo import DemoReports, demo_people, seed_demo_reports
from reports.demo.people import SEED
from reports.models import (
    DayCorrection,
    Digest,
    ReportSettings,
    TimesheetConfirmation,
    WorkDay,
    WorkDayEvent,
    WorkReport,
    WorkSchedule,
)
from tests.utils import client_as

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def person(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


def last_working_day(user) -> datetime.date:
    spec = selectors.schedule_for(user)
    date = selectors.workday_local_date(user) - datetime.timedelta(days=1)
    while not spec.is_working_day(date):
        date -= datetime.timedelta(days=1)
    return date


def counter(user, key: str) -> int:
    row = UserCounter.objects.filter(user=user, key=key).first()
    return row.value if row else 0


@pytest.fixture
def seeded(demo_company, db):
    """The whole demo, seeded on an empty portal as `make run` does (once per run: tests/conftest.py)."""
    return demo_company


def test_seed_demo_tracks_days_and_reports(seeded):
    assert "Reports: " in seeded
    demo = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}", is_active=True)
    ids = list(demo.values_list("pk", flat=True))

    # How people report and work: daily for the company, weekly for Marketing; an early shift, a part-timer.
    root = Department.get_root_nodes().get()
    assert ReportSettings.objects.get(department=root).period == "day"
    assert ReportSettings.objects.get(department__name="Marketing").period == "week"
    early = WorkSchedule.objects.get(department__name="Inside Sales")
    assert early.start == datetime.time(8, 0)
    part_time = WorkSchedule.objects.get(user=person("ka.assistant"))
    assert part_time.working_days == [0, 1, 2, 3] and part_time.end == datetime.time(14, 0)

    # About three weeks of working days for (nearly) everybody, with the usual irregularities.
    before_today = WorkDay.objects.filter(user_id__in=ids, date__lt=timezone.localdate())
    per_person = {pk: before_today.filter(user_id=pk).count() for pk in ids}
    assert sum(1 for n in per_person.values() if n >= 14) >= len(ids) - 2
    newcomer = person("support2")
    assert 1 <= per_person[newcomer.pk] <= 7, "the newest colleague has days since she joined only"
    assert before_today.exclude(state=DayState.CLOSED).count() == 0
    total = before_today.count()
    assert 0 < before_today.filter(is_late=True).count() < total * 0.2
    assert 0 < before_today.filter(is_short=True).count() < total * 0.1
    assert before_today.filter(paused_seconds__gt=0).count() > total * 0.3
    assert WorkDayEvent.objects.filter(day__in=before_today, kind=DayEventKind.START).count() == total
    assert WorkDayEvent.objects.filter(day__in=before_today, kind=DayEventKind.END).count() >= total - 2
    assert WorkDayEvent.objects.filter(day__in=before_today).exclude(comment="").exists()
    for day in before_today.filter(is_late=False, is_short=False)[:50]:
        assert day.worked_seconds == int((day.ended_at - day.started_at).total_seconds()) - day.paused_seconds

    # An auto-closed day waiting for its owner's confirmation (who was told so).
    open_day = WorkDay.objects.get(user=person("backend2"), auto_closed=True)
    assert open_day.needs_confirmation
    assert Notification.objects.filter(recipient=person("backend2"), kind="workday_confirm").exists()
    # A correction with its reason waiting for the supervisor; an older one confirmed (originals kept).
    pending = DayCorrection.objects.get(status=CorrectionStatus.PENDING)
    assert pending.day.user == person("inside2") and pending.reason
    assert pending.started_at < pending.old_started_at
    confirmed = DayCorrection.objects.get(status=CorrectionStatus.APPROVED)
    assert confirmed.day.user == person("devops")
    assert confirmed.day.original_ended_at is not None and not confirmed.day.needs_confirmation

    # Work reports in every state: mostly rated positive, some negative with a comment, the latest waiting.
    reports = WorkReport.objects.filter(author_id__in=ids)
    rated = reports.filter(status=ReportStatus.RATED)
    assert rated.filter(rating=Rating.POSITIVE).count() > 0.8 * rated.count() > 100
    negative = rated.filter(rating=Rating.NEGATIVE)
    assert negative.count() >= 3 and not negative.filter(rating_comment="").exists()
    assert reports.filter(status=ReportStatus.SENT).count() >= 10
    assert reports.filter(status=ReportStatus.RETURNED).count() == 1
    assert reports.filter(status=ReportStatus.DRAFT).count() == 1
    assert reports.filter(period="week", author=person("designer")).exists()
    assert not reports.filter(period="week", author=person("sales.manager")).exists()
    lwd = last_working_day(person("sales.analyst"))
    assert not reports.filter(author=person("sales.analyst"), period_start=lwd).exists(), "a missing one"
    draft = reports.get(status=ReportStatus.DRAFT)
    assert draft.author == person("sales.manager") and draft.sent_at is None
    # Every report went to its author's supervisor, with what the portal knew, at the time it was sent.
    now = timezone.now()
    for report in reports.exclude(status=ReportStatus.DRAFT).select_related("author"):
        assert report.supervisor == supervisor_of(report.author)
        assert report.prefill.get("workdays"), report
        assert report.sent_at < now - datetime.timedelta(minutes=1)
    assert reports.filter(is_late=True).count() < reports.count() * 0.25
    assert any("Completed:" in text for text in reports.values_list("facts", flat=True))
    # Every rating's audit row carries the moment of the story, not the moment of seeding (a rating made this
    # morning is legitimately less than an hour old when the suite runs at ten).
    rated = dict(WorkReport.objects.exclude(rated_at=None).values_list("pk", "rated_at"))
    ratings = AuditLog.objects.filter(action="report.rate").values_list("target_id", "created_at")
    assert ratings and all(at == rated.get(int(pk)) for pk, at in ratings), list(ratings)[:5]

    # Counters: badges of supervisors and of the people who owe a report.
    sales_head = person("sales.head")
    assert counter(sales_head, "reports.to_rate") > 0
    assert (
        counter(sales_head, "reports.to_rate")
        == selectors.reports_to_rate(user=sales_head, direct_only=True).count()
    )
    assert counter(person("inside.head"), "reports.corrections_waiting") == 1
    assert counter(person("sales.manager"), "reports.my_unsent") == 1
    assert counter(person("inside1"), "reports.my_unsent") == 0
    assert Notification.objects.filter(
        recipient=sales_head, kind="report_sent", read_at__isnull=True
    ).exists()

    # Last month's timesheet of the sales manager, confirmed by the head of Sales.
    first = timezone.localdate().replace(day=1)
    sheet = TimesheetConfirmation.objects.get(user=person("sales.manager"))
    assert sheet.month == (first - datetime.timedelta(days=1)).replace(day=1)
    assert sheet.confirmed_by == sales_head
    assert sheet.totals["days_worked"] >= 18 and sheet.totals["worked_hours"] > 100

    # Today's control digests of the CEO and the head of Sales.
    for local in ("ceo", "sales.head"):
        digest = Digest.objects.get(recipient=person(local), kind=DigestKind.SUPERVISOR)
        assert digest.date == timezone.localdate()
        assert digest.signals > 0
        assert digest.sent_at is not None, "mailed as the sweep mails what it builds"


def test_sales_head_sees_the_dashboard_and_a_timesheet(seeded):
    sales_head = person("sales.head")
    client = client_as(sales_head)

    board = selectors.dashboard(user=sales_head)
    assert board.signals > 0 and board.red > 0
    manager = next(row for row in board.rows if row.person.email == f"sales.manager@{DEMO_DOMAIN}")
    assert manager.red > 0, "the report of the last working day is a draft only"

    page = client.get(reverse("reports:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ethan" in html and "Nora" in html
    assert board.summary in html
    assert 'id="digest-panel"' in html and "Open the digest" in html

    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    manager_user = person("sales.manager")
    page = client.get(reverse("reports:timesheet"), {"person": manager_user.pk, "month": month})
    assert page.status_code == 200
    assert "Ethan" in page.content.decode()


def _mails_in(folder) -> list[email.message.EmailMessage]:
    """The messages Django's file backend wrote into `folder` (one file per connection, each message followed
    by a line of dashes)."""
    found = []
    for path in sorted(folder.iterdir()) if folder.exists() else []:
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return found


def test_demo_digests_land_in_the_mail_folder_with_links_to_the_portal(
    seeded, settings, tmp_path, django_capture_on_commit_callbacks
):
    """What a newcomer finds in var/mail/ after `make run`: the control digests the demo built, their links
    on the address the portal runs on (LUMEN_BASE_URL, as `make run PORT=8101` derives it)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.LUMEN_BASE_URL = "http://127.0.0.1:8101"
    # As the seeding left them before its jobs ran: built, not sent yet.
    Digest.objects.filter(recipient__email__endswith=f"@{DEMO_DOMAIN}").update(sent_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        built = DemoReports(people=demo_people(), rng=random.Random(SEED), now=timezone.now()).digests()

    assert len(built) == 2
    mails = _mails_in(tmp_path / "mail")
    assert sorted(m["To"] for m in mails) == [f"ceo@{DEMO_DOMAIN}", f"sales.head@{DEMO_DOMAIN}"]
    for mail in mails:
        assert mail["Subject"].startswith("Control digest for ")
        text = mail.get_body(preferencelist=("plain",)).get_content()
        html = mail.get_body(preferencelist=("html",)).get_content()
        links = re.findall(r"https?://[^\s\"'<>]+", text + html)
        assert any("/reports/digests/" in link for link in links)
        assert links and all(link.startswith("http://127.0.0.1:8101/") for link in links), links
    assert Digest.objects.filter(pk__in=[d.pk for d in built], sent_at__isnull=True).count() == 0

    # Seeding again (or the sweep) mails nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        DemoReports(people=demo_people(), rng=random.Random(SEED), now=timezone.now()).digests()
    assert len(_mails_in(tmp_path / "mail")) == 2


def test_seed_demo_twice_seeds_nothing_twice(seeded):
    counts = lambda: (  # noqa: E731
        WorkDay.objects.count(),
        WorkDayEvent.objects.count(),
        WorkReport.objects.count(),
        DayCorrection.objects.count(),
        TimesheetConfirmation.objects.count(),
        Digest.objects.count(),
        WorkSchedule.objects.count(),
        ReportSettings.objects.count(),
        Notification.objects.count(),
    )
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "registered already" in out.getvalue()
    assert counts() == before
    out = io.StringIO()
    call_command("seed_demo", stdout=out)  # completes a demo company: nothing is missing
    assert "Reports: 0 days, 0 reports" in out.getvalue()
    assert counts() == before


def test_today_on_a_working_day(db):
    """At 11:00 on a Wednesday: days started (Inside Sales since 8:00), one person on a break, one missing."""
    Company.objects.all().delete()
    day = timezone.localdate() - datetime.timedelta(days=2)
    while day.weekday() != 2:
        day -= datetime.timedelta(days=1)
    now = datetime.datetime.combine(day, datetime.time(11, 0), tzinfo=UTC)
    seed_demo()
    created = seed_demo_reports(now=now)
    assert created["days"] > 300 and created["reports"] > 250

    today = WorkDay.objects.filter(date=day)
    assert today.filter(state=DayState.OPEN).count() >= 30
    assert today.get(user=person("ka.manager2")).state == DayState.PAUSED
    assert not today.filter(user=person("sales.analyst")).exists()
    early = today.get(user=person("inside1"))
    assert early.started_at.astimezone(UTC).hour in (7, 8)
    assert not WorkDay.objects.filter(date__gt=day).exists()
    assert not WorkDayEvent.objects.filter(at__gt=now).exists()
    assert not WorkReport.objects.filter(period_start__gt=day).exists()

    board = selectors.dashboard(user=person("sales.head"), now=now)
    analyst = next(row for row in board.rows if row.person.email == f"sales.analyst@{DEMO_DOMAIN}")
    assert analyst.cells[0].signal == "red", "not started an hour and fifty minutes after the start"
    waiting = selectors.reports_to_rate(user=person("sales.head"), direct_only=True)
    assert waiting.count() >= 2  # the head of Sales rates the next morning: yesterday's reports wait
    backlog = selectors.reports_to_rate(user=person("cto"), direct_only=True)
    assert backlog.count() >= 4  # the CTO has not rated the last two working days yet
