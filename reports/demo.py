"""Working days, work reports, timesheets and control digests for the demo company, written through the
reports services (so the events, audit rows, notifications and counters exist as after weeks of real use).

`seed_demo_reports()` runs after the company, its people and their tasks exist
(`portal.core.demo.seed_demo_social`):
- how people report: daily by 19:00 for the company, weekly (Friday 17:00) for Marketing;
- work schedules: Inside Sales starts at 8:00; one part-timer (Monday to Thursday, 9:00 to 14:00);
- working days of the last three weeks, and at least of the whole month so far, for everybody (the newest
  colleague since the day she joined; the sales manager since the first day of last month, for a full
  timesheet): mostly on time, some late starts (often with a comment), lunch breaks, a few short days; a day
  left open and closed automatically that waits for its owner's confirmation; an older one corrected and
  confirmed by the supervisor; a correction with its reason waiting for confirmation; today's day started by
  those whose start has come, one person on a break and one who has not turned up;
- work reports for those days: most sent and rated (mostly positive, some negative with a comment), the
  latest ones sent and waiting for their supervisor's rating, one returned for changes, one draft, some
  missing; the report texts name the tasks the person really completed that day;
- last month's timesheet of the sales manager, confirmed by the head of Sales;
- today's control digest of the CEO and of the head of Sales; then every counter is recounted.

The last two working days and today go through the services click by click and report by report (with
their events, audit rows and notifications); the older history is written in bulk, as those services would
have left it (the schedule's verdicts by the services' own rule, the pre-fill by its selector), which keeps
the seeding within a few seconds. The services stamp things "now" (the working-day services take the moment
as `now`); what they wrote is then moved back to when it happened. Deterministic (one seeded random.Random;
the dates follow today's date) and idempotent: when the demo people have working days or reports already, it
adds nothing.
"""

from __future__ import annotations

import bisect
import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

DOMAIN = "demo.lumen"
SEED = 20260415
HISTORY_WORKDAYS = 15  # about three weeks of working days for everybody
LIVE_WORKDAYS = 2  # the last working days go through the services click by click; older ones in bulk
CORRECTED_DAY = 4  # the day (working days back) the corrected person forgot to end

WEEKLY_DEPARTMENT = "Marketing"
EARLY_DEPARTMENT = "Inside Sales"
PART_TIMER = "ka.assistant"
TIMESHEET_PERSON = "sales.manager"  # full history since the first day of last month, confirmed timesheet
TIMESHEET_CONFIRMER = "sales.head"
NEWCOMER = "support2"  # joined a week and a day ago
NEWCOMER_DAYS = 8
DRAFT_AUTHOR = "sales.manager"  # the report of the last working day is a draft, not sent
FORGETFUL_REPORTER = "sales.analyst"  # no report for the last working day; not turned up today
ON_A_BREAK = "ka.manager2"  # on a break right now (when her day has started)
RETURNED_AUTHOR = "ka.manager1"  # the report of the day before the last working day came back for changes
NEGATIVE_AUTHOR = "inside3"  # the report of the last working day is rated negative
OPEN_DAY_PERSON = "backend2"  # forgot to end the day two working days ago: closed automatically, to confirm
CORRECTED_PERSON = "devops"  # forgot to end a day last week; corrected it, the supervisor confirmed
PENDING_CORRECTION_PERSON = "inside2"  # asks to correct yesterday's late start (forgot to press Start)
DIGEST_RECIPIENTS = ("ceo", "sales.head")
# Working days a supervisor leaves unrated (the reports they will rate next); others rate the next morning.
RATING_LAG = {"sales.head": 2, "cto": 2, "inside.head": 0, "cfo": 0}
DEFAULT_RATING_LAG = 1

OFFICE_IPS = [f"10.20.1.{n}" for n in range(11, 60)]
HOME_IPS = [f"85.214.{n}.{3 * n + 7}" for n in range(20, 60)]

CLIENTS = [
    "Aurora Foods",
    "Baltic Freight",
    "Cobalt Health",
    "Delta Print",
    "Evergreen Hotels",
    "Fjord Energy",
    "Granite Bank",
    "Helix Labs",
    "Iris Fashion",
    "Juniper Schools",
]

LATE_COMMENTS = [
    "Train delayed by 40 minutes",
    "Traffic jam on the ring road",
    "Doctor's appointment in the morning",
    "Took the kids to school, the teacher kept us",
    "",
]
SHORT_DAY_COMMENTS = [
    "Leaving early: dentist",
    "Family matters, agreed with my supervisor",
    "Parents' evening at school",
]
BREAK_COMMENTS = ["Lunch", "Lunch", "", "Quick errand, back in half an hour"]

# By area: what was done, the results, the feelings worth mentioning, the plans. {client} and {n} vary.
TEXTS: dict[str, dict[str, list[str]]] = {
    "sales": {
        "facts": [
            "Called {n} prospects from the trade-fair list; three agreed to a demo.",
            "Prepared and sent the quote for {client}.",
            "Renewal meeting with {client}: went through last year's volumes and the new price list.",
            "Updated the pipeline in the CRM and closed two lost deals with their reasons.",
            "Demo of the new reporting module for {client} together with the product team.",
            "Answered {n} incoming requests from the website form.",
        ],
        "results": [
            "The quote for {client} is accepted in principle; the contract goes to legal tomorrow.",
            "{n} demos booked for next week.",
            "{client} renews for two years with 15% more volume.",
            "Pipeline is up to date; the forecast for the month is 92% of the target.",
        ],
        "emotions": [
            "Great call with {client}: they like the new pricing.",
            "A bit frustrated: {client} postponed the decision again.",
            "The new CRM view saves me half an hour a day.",
        ],
        "plans": [
            "Follow up with {client}; prepare the monthly pipeline review.",
            "Visit {client} on Thursday; send the revised offer before that.",
            "Call back the leads from last week that have not answered yet.",
        ],
    },
    "marketing": {
        "facts": [
            "Published {n} blog posts and scheduled the social media posts for them.",
            "Prepared the newsletter: product news, the {client} case study and the event calendar.",
            "Briefed the agency on the spring campaign and reviewed their first drafts.",
            "Booked the booth and the hotel for the trade fair.",
            "Analysed the website traffic: organic visits up {n}% on last month.",
        ],
        "results": [
            "The newsletter went out to 4,800 subscribers, 31% opened it.",
            "Case study with {client} approved by the client.",
            "Campaign concept agreed with Sales.",
        ],
        "emotions": [
            "The team workshop was a real boost.",
            "Too many last-minute requests this week; let us plan the content calendar together.",
        ],
        "plans": [
            "Next week: the landing page for the campaign and the webinar invitation.",
            "Finish the product brochure and send it to print.",
        ],
    },
    "engineering": {
        "facts": [
            "Reviewed {n} pull requests and merged the synchronisation fix.",
            "Worked on the offline mode: conflict resolution for edited records.",
            "Investigated the slow invoice export; the missing index is added on staging.",
            "Deployed release 2.{n} to staging and ran the regression tests.",
            "Pair-programmed with a colleague on the new API authentication.",
            "Fixed {n} bugs from the support queue.",
        ],
        "results": [
            "Export of 10,000 invoices now takes 4 seconds instead of 50.",
            "Release candidate is green on all tests.",
            "The support queue is down to {n} tickets.",
        ],
        "emotions": [
            "The staging server was down for two hours, which slowed everyone down.",
            "Nice to see the crash rate drop after the last release.",
        ],
        "plans": [
            "Finish the conflict resolution and write the tests for it.",
            "Prepare the production release with the ops checklist.",
            "Start on the performance budget for the mobile app.",
        ],
    },
    "finance": {
        "facts": [
            "Booked {n} supplier invoices and reconciled the bank statements.",
            "Interviewed {n} candidates for the backend developer position.",
            "Prepared the payroll changes for this month.",
            "Updated the cash-flow forecast with the new deals from Sales.",
        ],
        "results": [
            "Month-end closing is on track.",
            "Two candidates go on to the second round.",
            "Payroll data checked and handed over.",
        ],
        "emotions": ["The new approval workflow is much faster than e-mail."],
        "plans": [
            "Chase the overdue invoice of {client}.",
            "Schedule the second interviews with the team leads.",
        ],
    },
    "office": {
        "facts": [
            "Reviewed the service contract with {client} and sent comments.",
            "Organised the board meeting: agenda, room, minutes of the last one.",
            "Handled {n} requests from colleagues (access cards, parking, supplies).",
            "Updated the user accounts and the permissions for the new colleagues.",
        ],
        "results": [
            "The contract is ready for signature.",
            "All requests closed the same day.",
        ],
        "emotions": [],
        "plans": [
            "Prepare the summer party options for the vote.",
            "Go through the open contract renewals of next month.",
        ],
    },
}
AREAS = {
    "Sales": "sales",
    "Key Accounts": "sales",
    "Inside Sales": "sales",
    "Marketing": "marketing",
    "Engineering": "engineering",
    "Platform": "engineering",
    "Mobile": "engineering",
    "Finance & HR": "finance",
}
POSITIVE_COMMENTS = [
    "Good progress, thank you!",
    "Well done with {client}.",
    "Thanks, clear and complete.",
    "Great result.",
]
NEGATIVE_COMMENTS = [
    "No calls logged yesterday and the follow-ups are still open. Let us go through the list at 10:00.",
    "Too vague: what exactly was done for {client}? Please be specific next time.",
    "The quote for {client} was due yesterday and is not mentioned at all.",
    "Three days on the same task without a result; let us talk about what blocks you.",
]
RETURN_COMMENT = (
    "Please add the numbers: how many calls, how many meetings booked, and the next steps for {client}."
)


def demo_people() -> dict:
    """The active demo people by the local part of their e-mail, with their departments."""
    from portal.people.models import User

    people = User.objects.filter(email__endswith=f"@{DOMAIN}", is_active=True).select_related("department")
    return {u.email.split("@")[0]: u for u in people}


def demo_reports_exist(people: dict) -> bool:
    from .models import WorkDay, WorkReport

    ids = [u.pk for u in people.values()]
    return (
        WorkDay.objects.filter(user_id__in=ids).exists()
        or WorkReport.objects.filter(author_id__in=ids).exists()
    )


def seed_demo_reports(*, stdout=None, now: datetime.datetime | None = None) -> dict[str, int]:
    """Schedules, report settings, working days, corrections, reports, a confirmed timesheet and today's
    control digests for the demo company; then every counter recounted. Returns how many of each thing
    were created (all zeros on a second run).

    `now`: the moment the demo stands at (default: the real now; tests pin a working-day morning). Days and
    reports of later dates are not made."""
    from portal.notifications.counters import counters_rebuild_all

    from .models import DayCorrection, Digest, TimesheetConfirmation, WorkDay, WorkReport

    empty = {"days": 0, "reports": 0, "corrections": 0, "timesheets": 0, "digests": 0}
    people = demo_people()
    if "ceo" not in people:
        if stdout is not None:
            stdout.write("Reports demo skipped: the demo company is not there.")
        return empty
    if demo_reports_exist(people):
        if stdout is not None:
            stdout.write("Reports: " + ", ".join(f"0 {k}" for k in empty))
        return empty

    now = now or timezone.now()
    with transaction.atomic():
        seeder = DemoReports(people=people, rng=random.Random(SEED), now=now)
        seeder.setup()
        seeder.working_days()
        seeder.corrections()
        seeder.reports()
        seeder.timesheet()
        seeder.backdate()
    # Counters from scratch (the services scheduled recounts too; the result is the same), then the digests,
    # which show the counters as stored.
    counters_rebuild_all()
    digests = seeder.digests()

    ids = [u.pk for u in people.values()]
    created = {
        "days": WorkDay.objects.filter(user_id__in=ids).count(),
        "reports": WorkReport.objects.filter(author_id__in=ids).count(),
        "corrections": DayCorrection.objects.filter(day__user_id__in=ids).count(),
        "timesheets": TimesheetConfirmation.objects.filter(user_id__in=ids).count(),
        "digests": Digest.objects.filter(pk__in=[d.pk for d in digests]).count(),
    }
    if stdout is not None:
        stdout.write("Reports: " + ", ".join(f"{v} {k}" for k, v in created.items()))
    return created


@dataclass
class ReportStory:
    """When things happened to one report (the services stamp them "now"; `backdate` moves them back)."""

    report: object
    created_at: datetime.datetime
    sent_at: datetime.datetime | None = None
    decided_at: datetime.datetime | None = None  # rated or returned


@dataclass
class Profile:
    """How one person tends to work."""

    late_rate: float
    lunch_rate: float
    home_rate: float
    office_ip: str
    home_ip: str


class DemoReports:
    """The steps of the reports demo. Every service call goes through `act`, which notes the moment it
    stands for, so that `backdate` can move the audit rows and notifications it wrote to that moment."""

    def __init__(self, *, people: dict, rng: random.Random, now: datetime.datetime) -> None:
        from portal.core.models import AuditLog
        from portal.notifications.models import Notification

        from .selectors.workday import schedules_for

        self.people = people
        self.rng = rng
        self.now = now
        self.by_pk = {u.pk: u for u in people.values()}
        self.admin = people.get("admin") or people["ceo"]
        # (last audit pk, last notification pk) before seeding, then one boundary per call with its moment.
        self._audit_marks: list[int] = [self._last_pk(AuditLog)]
        self._notification_marks: list[int] = [self._last_pk(Notification)]
        self._moments: list[datetime.datetime] = []
        self.report_stories: list[ReportStory] = []
        self.correction_moments: dict[int, tuple[datetime.datetime, datetime.datetime | None]] = {}
        self.timesheet_moment: tuple[int, datetime.datetime] | None = None
        self.setup_moment = now - datetime.timedelta(days=45)
        self.schedule_ids: list[int] = []
        self.specs = schedules_for(list(people.values()))
        self.profiles: dict[int, Profile] = {}
        for local in sorted(people):
            person = people[local]
            self.profiles[person.pk] = Profile(
                late_rate=0.25 if local == NEGATIVE_AUTHOR else rng.choice([0.03, 0.05, 0.08, 0.12]),
                lunch_rate=rng.uniform(0.4, 0.85),
                home_rate=rng.choice([0.0, 0.1, 0.2]),
                office_ip=rng.choice(OFFICE_IPS),
                home_ip=rng.choice(HOME_IPS),
            )

    # --- helpers -------------------------------------------------------------------------------------------

    @staticmethod
    def _last_pk(model) -> int:
        return model.objects.aggregate(last=Max("pk"))["last"] or 0

    def who(self, local: str):
        return self.people.get(local)

    def act(self, moment: datetime.datetime, service, **kwargs):
        """Call a service and note that what it wrote happened at `moment`."""
        from portal.core.models import AuditLog
        from portal.notifications.models import Notification

        result = service(**kwargs)
        self._moments.append(moment)
        self._audit_marks.append(self._last_pk(AuditLog))
        self._notification_marks.append(self._last_pk(Notification))
        return result

    def spec(self, person):
        return self.specs[person.pk]

    def local(self, person, date: datetime.date, hour: int, minutes: int = 0) -> datetime.datetime:
        """`hour` o'clock plus `minutes` on `date`, the person's wall time."""
        moment = datetime.datetime.combine(date, datetime.time(hour), tzinfo=self.spec(person).tzinfo)
        return moment + datetime.timedelta(minutes=minutes)

    def today(self, person) -> datetime.date:
        return self.now.astimezone(self.spec(person).tzinfo).date()

    def area(self, person) -> str:
        department = person.department
        return AREAS.get(department.name if department else "", "office")

    def text(self, template: str) -> str:
        return template.format(client=self.rng.choice(CLIENTS), n=self.rng.randint(2, 12))

    def working_dates(self, person, *, count: int | None = None, since: datetime.date | None = None) -> list:
        """The person's working days before today: the last `count` of them, or all since `since`; never
        before the day they joined."""
        spec = self.spec(person)
        today = self.today(person)
        joined = person.date_joined.astimezone(spec.tzinfo).date()
        dates: list[datetime.date] = []
        date = today - datetime.timedelta(days=1)
        while date >= joined and (count is None or len(dates) < count) and (since is None or date >= since):
            if spec.is_working_day(date):
                dates.append(date)
            date -= datetime.timedelta(days=1)
        return sorted(dates)

    def last_working_days(self, person, n: int = 3) -> list[datetime.date]:
        """The person's last `n` working days before today, the latest first (without the joining limit)."""
        spec, date = self.spec(person), self.today(person)
        result = []
        while len(result) < n:
            date -= datetime.timedelta(days=1)
            if spec.is_working_day(date):
                result.append(date)
        return result

    # --- settings, schedules, joining dates ------------------------------------------------------------

    def setup(self) -> None:
        """Report settings (daily for the company, weekly for Marketing), the early shift of Inside Sales, a
        part-timer's own schedule, and joining dates from before the history (one newcomer)."""
        from portal.people.models import Department, User

        from . import services
        from .selectors.workday import schedules_for

        root = Department.get_root_nodes().first()
        departments = {d.name: d for d in Department.objects.all()}
        moment = self.setup_moment
        self.act(
            moment,
            services.report_settings_save,
            actor=self.admin,
            department=root,
            period="day",
            due_time=datetime.time(19, 0),
        )
        if WEEKLY_DEPARTMENT in departments:
            self.act(
                moment,
                services.report_settings_save,
                actor=self.admin,
                department=departments[WEEKLY_DEPARTMENT],
                period="week",
                due_time=datetime.time(17, 0),
                due_weekday=4,
            )
        if EARLY_DEPARTMENT in departments:
            schedule = self.act(
                moment,
                services.schedule_save,
                actor=self.admin,
                name="Inside Sales: early shift",
                department=departments[EARLY_DEPARTMENT],
                working_days=[0, 1, 2, 3, 4],
                start=datetime.time(8, 0),
                end=datetime.time(17, 0),
                allowed_lateness=5,
                break_minutes=60,
            )
            self.schedule_ids.append(schedule.pk)
        part_timer = self.who(PART_TIMER)
        if part_timer is not None:
            schedule = self.act(
                moment,
                services.schedule_save,
                actor=self.admin,
                name=f"Part-time: {part_timer.full_name}",
                user=part_timer,
                working_days=[0, 1, 2, 3],
                start=datetime.time(9, 0),
                end=datetime.time(14, 0),
                allowed_lateness=10,
                break_minutes=15,
            )
            self.schedule_ids.append(schedule.pk)
        # The company did not start today: people joined months or years ago (only those the seeding of the
        # company has just created are moved back), and one colleague is new.
        history_start = self.now - datetime.timedelta(days=70)
        changed = []
        for local in sorted(self.people):
            person = self.people[local]
            if local == NEWCOMER:
                joined = self.local(person, (self.now - datetime.timedelta(days=NEWCOMER_DAYS)).date(), 8, 30)
            elif person.date_joined > history_start:
                joined = self.now - datetime.timedelta(
                    days=self.rng.randint(400, 2600), hours=self.rng.randint(0, 9)
                )
            else:
                continue
            if joined < person.date_joined:
                person.date_joined = joined
                changed.append(person)
        User.objects.bulk_update(changed, ["date_joined"])
        self.specs = schedules_for(list(self.people.values()))

    # --- working days --------------------------------------------------------------------------------------

    def _plan(self, person, date: datetime.date) -> list[tuple[str, datetime.datetime, str, str]]:
        """The clicks of one ordinary day: (action, moment, ip, comment)."""
        rng, spec, profile = self.rng, self.spec(person), self.profiles[person.pk]
        ip = profile.home_ip if rng.random() < profile.home_rate else profile.office_ip
        start = spec.start_at(date)
        end = spec.end_at(date) + datetime.timedelta(minutes=rng.randint(-3, 45))
        if rng.random() < profile.late_rate:
            late = spec.allowed_lateness + rng.randint(6, 50)
            start += datetime.timedelta(minutes=late)
            end += datetime.timedelta(minutes=round(late * rng.uniform(0.6, 1.1)))  # makes up for most of it
            start_comment = rng.choice(LATE_COMMENTS)
        else:
            start += datetime.timedelta(minutes=rng.randint(-20, max(0, spec.allowed_lateness - 4)))
            start_comment = ""
        end_comment = ""
        if rng.random() < 0.03:
            end = spec.end_at(date) - datetime.timedelta(minutes=rng.randint(100, 200))
            end_comment = rng.choice(SHORT_DAY_COMMENTS)
        clicks = [("start", start, ip, start_comment)]
        hours = (spec.end.hour * 60 + spec.end.minute - spec.start.hour * 60 - spec.start.minute) / 60
        if hours >= 7 and rng.random() < profile.lunch_rate:
            pause = self.local(person, date, 12, rng.randint(0, 75))
            back = pause + datetime.timedelta(minutes=rng.randint(25, 45))
            if start < pause and back < end:
                clicks += [("pause", pause, ip, rng.choice(BREAK_COMMENTS)), ("resume", back, ip, "")]
        clicks.append(("end", end, ip, end_comment))
        return clicks

    def _click(self, person, action: str, moment: datetime.datetime, ip: str, comment: str):
        from . import services

        service = {
            "start": services.workday_start,
            "pause": services.workday_pause,
            "resume": services.workday_resume,
            "end": services.workday_end,
        }[action]
        return self.act(moment, service, actor=person, ip=ip, comment=comment, now=moment)

    def live_from(self, local: str, person) -> datetime.date:
        """The first day of the person's recent history that goes through the services, click by click (the
        last two working days; for the person who corrected a forgotten day, from that day on). Older days
        and reports are written in bulk, as the services would have left them."""
        recent = self.last_working_days(person, 8)
        return recent[CORRECTED_DAY] if local == CORRECTED_PERSON else recent[LIVE_WORKDAYS - 1]

    def working_days(self) -> None:
        """Everybody's working days of the last three weeks (the older ones in bulk, the last ones click by
        click through the services), then today's so far."""
        timesheet_person = self.who(TIMESHEET_PERSON)
        older: list[tuple] = []
        for local in sorted(self.people):
            person = self.people[local]
            first = self.today(person).replace(day=1)
            if timesheet_person is not None and person.pk == timesheet_person.pk:
                dates = self.working_dates(person, since=(first - datetime.timedelta(days=1)).replace(day=1))
            else:
                # Three weeks, and the whole month so far (its timesheet shows no gaps).
                dates = max(
                    self.working_dates(person, count=HISTORY_WORKDAYS),
                    self.working_dates(person, since=first),
                    key=len,
                )
            recent = self.last_working_days(person, 8)
            live_from = self.live_from(local, person)
            for date in dates:
                clicks = self._plan(person, date)
                if (local == OPEN_DAY_PERSON and date == recent[1]) or (
                    local == CORRECTED_PERSON and date == recent[CORRECTED_DAY]
                ):
                    clicks = [c for c in clicks if c[0] != "end"]  # forgot to end the day
                if local == PENDING_CORRECTION_PERSON and date == recent[0]:
                    # Busy on the phone from the start; pressed Start only at half past ten.
                    late = self.local(person, date, 10, 34)
                    clicks = [("start", late, clicks[0][2], "")] + [c for c in clicks[1:] if c[1] > late]
                if date < live_from:
                    older.append((person, date, clicks))
                    continue
                for action, moment, ip, comment in clicks:
                    self._click(person, action, moment, ip, comment)
            self._today(local, person)
        self._bulk_days(older)

    def _bulk_days(self, older: list[tuple]) -> None:
        """Closed days with their clicks, in two inserts; the schedule's verdicts as the services set them."""
        from .choices import DayEventKind, DayState
        from .models import WorkDay, WorkDayEvent
        from .services.workday import _apply_verdicts

        days, clicks_of = [], []
        for person, date, clicks in older:
            moments = {action: moment for action, moment, _ip, _comment in clicks}
            paused = moments["resume"] - moments["pause"] if "pause" in moments else datetime.timedelta(0)
            day = WorkDay(
                user=person,
                date=date,
                state=DayState.CLOSED,
                started_at=moments["start"],
                ended_at=moments["end"],
                paused_seconds=int(paused.total_seconds()),
            )
            _apply_verdicts(day, self.spec(person))
            days.append(day)
            clicks_of.append(clicks)
        WorkDay.objects.bulk_create(days, batch_size=500)
        kinds = {
            "start": DayEventKind.START,
            "pause": DayEventKind.PAUSE,
            "resume": DayEventKind.RESUME,
            "end": DayEventKind.END,
        }
        WorkDayEvent.objects.bulk_create(
            [
                WorkDayEvent(day=day, kind=kinds[action], at=moment, ip=ip, comment=comment, actor=day.user)
                for day, clicks in zip(days, clicks_of, strict=True)
                for action, moment, ip, comment in clicks
            ],
            batch_size=500,
        )

    def _today(self, local: str, person) -> None:
        """Today so far: the clicks whose moment has come; one person on a break, one not turned up."""
        spec = self.spec(person)
        today = self.today(person)
        if not spec.is_working_day(today) or local == FORGETFUL_REPORTER:
            return
        horizon = self.now - datetime.timedelta(minutes=2)
        clicks = [c for c in self._plan(person, today) if c[1] < horizon]
        if not clicks or clicks[0][0] != "start":
            return
        if local == ON_A_BREAK:
            start = clicks[0][1]
            pause_at = min(
                horizon - datetime.timedelta(minutes=8), spec.end_at(today) - datetime.timedelta(minutes=50)
            )
            if pause_at <= start + datetime.timedelta(minutes=15):
                return self._click(person, *clicks[0])
            clicks = [c for c in clicks if c[0] != "end" and c[1] < pause_at]
            if clicks[-1][0] == "pause":
                clicks = clicks[:-1]
            clicks.append(("pause", pause_at, clicks[0][2], "Doctor's appointment, back in an hour"))
        for click in clicks:
            self._click(person, *click)

    def corrections(self) -> None:
        """A correction confirmed by the supervisor last week, and one waiting for confirmation."""
        from portal.people.selectors import supervisor_of

        from . import services
        from .models import WorkDay

        person = self.who(CORRECTED_PERSON)
        supervisor = supervisor_of(person) if person is not None else None
        if person is not None and supervisor is not None:
            date = self.last_working_days(person, 8)[CORRECTED_DAY]
            day = WorkDay.objects.filter(user=person, date=date).first()
            if day is not None and day.auto_closed:
                asked = self._next_morning(person, date, 9, 12)
                correction = self.act(
                    asked,
                    services.day_correction_request,
                    actor=person,
                    day=day,
                    started_at=day.started_at,
                    ended_at=self.local(person, date, 18, 5),
                    reason="Forgot to end the day: I left at 18:05 after the release call.",
                )
                decided = asked + datetime.timedelta(hours=1, minutes=47)
                self.act(
                    decided,
                    services.day_correction_decide,
                    actor=supervisor,
                    correction=correction,
                    approve=True,
                    comment="Yes, the release call ran until six.",
                )
                self.correction_moments[correction.pk] = (asked, decided)
        person = self.who(PENDING_CORRECTION_PERSON)
        if person is not None:
            date = self.last_working_days(person, 1)[0]
            day = WorkDay.objects.filter(user=person, date=date).first()
            if day is not None and day.ended_at is not None:
                asked = min(
                    day.ended_at + datetime.timedelta(minutes=4), self.now - datetime.timedelta(minutes=5)
                )
                correction = self.act(
                    asked,
                    services.day_correction_request,
                    actor=person,
                    day=day,
                    started_at=self.local(person, date, 7, 58),
                    ended_at=day.ended_at,
                    reason=(
                        "I forgot to press Start: I was on the phone with Baltic Freight from 8:00 "
                        "(the call is in the CRM) and only started the day at 10:34."
                    ),
                )
                self.correction_moments[correction.pk] = (asked, None)

    def _next_morning(self, person, date: datetime.date, hour: int, minute: int) -> datetime.datetime:
        """`hour:minute` on the person's first working day after `date` (it may lie ahead of now)."""
        spec = self.spec(person)
        day = date + datetime.timedelta(days=1)
        while not spec.is_working_day(day):
            day += datetime.timedelta(days=1)
        return self.local(person, day, hour, minute)

    def _late_sending(self, person, date: datetime.date, usual: datetime.datetime) -> datetime.datetime:
        """Sent the next working morning instead of `usual`, if that morning has come."""
        late = self._next_morning(person, date, 9, self.rng.randint(5, 50))
        return late if late < self.now - datetime.timedelta(hours=1) else usual

    # --- reports -------------------------------------------------------------------------------------------

    def _closed_tasks(self) -> dict[tuple[int, datetime.date], list[str]]:
        """Titles of the tasks each demo person completed, by their local date (one query). The tasks' demo
        seeder runs first (its order is lower); the model is looked up by name, so reports imports no task
        module, and without the tasks app the reports simply mention no task."""
        from django.apps import apps

        try:
            task_model = apps.get_model("tasks", "Task")
        except LookupError:
            return {}
        since = self.now - datetime.timedelta(days=70)
        rows = task_model.objects.filter(
            responsible_id__in=list(self.by_pk), status="completed", completed_at__gte=since
        ).values_list("responsible_id", "title", "completed_at")
        result: dict[tuple[int, datetime.date], list[str]] = {}
        for user_id, title, completed_at in rows.order_by("completed_at", "id"):
            date = completed_at.astimezone(self.spec(self.by_pk[user_id]).tzinfo).date()
            result.setdefault((user_id, date), []).append(title)
        return result

    def _texts(self, person, start: datetime.date, end: datetime.date, closed: dict) -> dict[str, str]:
        rng = self.rng
        bank = TEXTS[self.area(person)]
        done = []
        date = start
        while date <= end:
            done += closed.get((person.pk, date), [])
            date += datetime.timedelta(days=1)
        facts = [f"Completed: {title}." for title in done[:4]]
        facts += [
            self.text(t) for t in rng.sample(bank["facts"], k=min(len(bank["facts"]), rng.randint(1, 3)))
        ]
        emotions = ""
        if bank["emotions"] and rng.random() < 0.35:
            emotions = self.text(rng.choice(bank["emotions"]))
        return {
            "facts": "\n".join(f"- {line}" for line in facts),
            "results": self.text(rng.choice(bank["results"])),
            "emotions": emotions,
            "plans": self.text(rng.choice(bank["plans"])),
        }

    def reports(self) -> None:
        """The reports of the days (weeks) above: sent at the end of the day, rated by the supervisor the
        next morning, the latest ones still waiting; the exceptions of the story. The reports of the last
        working days go through the services (with their notifications), older ones are written in bulk."""
        from portal.people.selectors import supervisor_of

        from .models import WorkDay
        from .selectors.reports import report_settings_for

        closed = self._closed_tasks()
        ends: dict[int, dict[datetime.date, datetime.datetime]] = {}
        days = WorkDay.objects.filter(user_id__in=list(self.by_pk), ended_at__isnull=False)
        for user_id, date, ended_at in days.values_list("user_id", "date", "ended_at"):
            ends.setdefault(user_id, {})[date] = ended_at
        older: list[tuple] = []
        for local in sorted(self.people):
            person = self.people[local]
            supervisor = supervisor_of(person)
            if supervisor is None:
                continue
            rule = report_settings_for(person)
            zone = self.spec(person).tzinfo
            lag = RATING_LAG.get(self._local_of(supervisor), DEFAULT_RATING_LAG)
            recent = self.last_working_days(person, 3)
            live_from = recent[LIVE_WORKDAYS - 1]
            today = self.today(person)
            periods: list[tuple[datetime.date, datetime.date]] = []
            for date in sorted(ends.get(person.pk, {})):
                if rule.bounds(date) not in periods:
                    periods.append(rule.bounds(date))
            for start, end in periods:
                weekly = start != end
                if weekly and rule.due_at(start, zone) > self.now:
                    continue  # this week's report is not due yet
                if not weekly and local == FORGETFUL_REPORTER and start == recent[0]:
                    continue  # forgot it
                if end < live_from and self.rng.random() < 0.03:
                    continue  # an old gap
                texts = self._texts(person, start, end, closed)
                if weekly:
                    sent = self.local(person, end - datetime.timedelta(days=2), 15, self.rng.randint(0, 115))
                    if self.rng.random() < 0.1:
                        sent = self._late_sending(person, end, sent)
                else:
                    ended = ends[person.pk].get(start) or self.local(person, start, 18, 0)
                    # Written at the end of the day, sent just before or just after ending it.
                    sent = ended + datetime.timedelta(minutes=self.rng.randint(-20, 12))
                    if start < today and self.rng.random() < 0.04:
                        sent = self._late_sending(person, start, sent)
                if sent >= self.now - datetime.timedelta(minutes=1):
                    continue  # today's report, not written yet
                decision = self._decision(
                    local, supervisor, start, end, sent, lag=lag, recent=recent, today=today
                )
                if end < live_from:
                    older.append((person, supervisor, rule, start, end, texts, sent, decision))
                    continue
                if not weekly and local == DRAFT_AUTHOR and start == recent[0]:
                    report = self.act(sent, self._save, actor=person, period_start=start, send=False, **texts)
                    self.report_stories.append(ReportStory(report=report, created_at=sent))
                    continue
                report = self.act(sent, self._save, actor=person, period_start=start, send=True, **texts)
                story = ReportStory(
                    report=report, created_at=sent - datetime.timedelta(minutes=6), sent_at=sent
                )
                self.report_stories.append(story)
                if decision is not None:
                    self._apply_decision(supervisor, story, decision)
        self._bulk_reports(older)

    @staticmethod
    def _save(**kwargs):
        from . import services

        return services.report_save(**kwargs)

    def _local_of(self, person) -> str:
        return person.email.split("@")[0]

    def _decision(
        self, local: str, supervisor, start, end, sent, *, lag: int, recent: list, today
    ) -> tuple | None:
        """What the supervisor did with a sent report and when: ("return", comment, moment) or
        ("rate", rating, comment, moment); None while it is still waiting for them."""
        rng = self.rng
        if start >= today:
            return None  # sent this evening: waits for tomorrow
        weekly = start != end
        if weekly:
            decided = self._next_morning(supervisor, end, 9, rng.randint(10, 170))
            if decided >= self.now - datetime.timedelta(minutes=30):
                return None
        else:
            if lag and start >= recent[lag - 1]:
                return None  # the supervisor has not got to it yet
            if lag == 0:
                decided = sent + datetime.timedelta(minutes=rng.randint(20, 90))
            else:
                decided = self._next_morning(supervisor, start, 9, rng.randint(5, 150))
            decided = max(decided, sent + datetime.timedelta(minutes=5))
            if decided >= self.now:
                return None
        if local == RETURNED_AUTHOR and not weekly and start == recent[1]:
            return ("return", RETURN_COMMENT.format(client=rng.choice(CLIENTS)), decided)
        if local == NEGATIVE_AUTHOR and not weekly and start == recent[0]:
            return ("rate", "negative", NEGATIVE_COMMENTS[0], decided)
        if rng.random() < 0.06:
            return ("rate", "negative", self.text(rng.choice(NEGATIVE_COMMENTS[1:])), decided)
        comment = self.text(rng.choice(POSITIVE_COMMENTS)) if rng.random() < 0.3 else ""
        return ("rate", "positive", comment, decided)

    def _apply_decision(self, supervisor, story: ReportStory, decision: tuple) -> None:
        from . import services

        if decision[0] == "return":
            _action, comment, decided = decision
            self.act(decided, services.report_return, actor=supervisor, report=story.report, comment=comment)
        else:
            _action, rating, comment, decided = decision
            self.act(
                decided,
                services.report_rate,
                actor=supervisor,
                report=story.report,
                rating=rating,
                comment=comment,
            )
        story.decided_at = decided

    def _bulk_reports(self, older: list[tuple]) -> None:
        """The older reports in one insert, as the services would have left them: sent to the supervisor of
        the time with what the portal knew (the pre-fill), late or not, and rated."""
        from .choices import ReportStatus
        from .models import WorkReport
        from .selectors.report_prefills import report_prefill

        reports = []
        for person, supervisor, rule, start, end, texts, sent, decision in older:
            report = WorkReport(
                author=person,
                supervisor=supervisor,
                period=rule.period,
                period_start=start,
                period_end=end,
                prefill=report_prefill(user=person, period_start=start, period_end=end),
                status=ReportStatus.SENT,
                sent_at=sent,
                is_late=sent > rule.due_at(start, self.spec(person).tzinfo),
                **texts,
            )
            story = ReportStory(report=report, created_at=sent - datetime.timedelta(minutes=6), sent_at=sent)
            if decision is not None and decision[0] == "rate":
                _action, rating, comment, decided = decision
                report.status = ReportStatus.RATED
                report.rating, report.rating_comment = rating, comment
                report.rated_by, report.rated_at = supervisor, decided
                story.decided_at = decided
            reports.append(report)
            self.report_stories.append(story)
        WorkReport.objects.bulk_create(reports, batch_size=200)

    # --- timesheet, digests ----------------------------------------------------------------------------

    def timesheet(self) -> None:
        """The head of Sales confirms the sales manager's timesheet of last month, early this month."""
        from . import services

        person, confirmer = self.who(TIMESHEET_PERSON), self.who(TIMESHEET_CONFIRMER)
        if person is None or confirmer is None:
            return
        first = self.today(person).replace(day=1)
        last_month = (first - datetime.timedelta(days=1)).replace(day=1)
        moment = min(
            self._next_morning(confirmer, first - datetime.timedelta(days=1), 10, 15),
            self.now - datetime.timedelta(minutes=5),
        )
        confirmation = self.act(
            moment, services.timesheet_confirm, actor=confirmer, person=person, month=last_month
        )
        self.timesheet_moment = (confirmation.pk, moment)

    def digests(self) -> list:
        """Today's control digests of the CEO and of the head of Sales (kept; shown on their dashboards)."""
        from . import services
        from .choices import DigestKind

        result = []
        for local in DIGEST_RECIPIENTS:
            person = self.who(local)
            if person is None:
                continue
            digest = services.digest_build(
                recipient=person, kind=DigestKind.SUPERVISOR, date=self.today(person), now=self.now
            )
            if digest is not None:
                result.append(digest)
        return result

    def _still_waiting(self) -> set[tuple[int, str]]:
        """(content type, id) of the demo's reports and days somebody still has to act on: reports waiting
        for a rating or back with their author, days to confirm or with a correction to decide."""
        from django.contrib.contenttypes.models import ContentType

        from .choices import CorrectionStatus, ReportStatus
        from .models import WorkDay, WorkReport

        ids = list(self.by_pk)
        reports = WorkReport.objects.filter(
            author_id__in=ids, status__in=[ReportStatus.SENT, ReportStatus.RETURNED]
        ).values_list("pk", flat=True)
        days = WorkDay.objects.filter(user_id__in=ids).filter(
            Q(needs_confirmation=True) | Q(corrections__status=CorrectionStatus.PENDING)
        )
        report_type = ContentType.objects.get_for_model(WorkReport).pk
        day_type = ContentType.objects.get_for_model(WorkDay).pk
        return {(report_type, str(pk)) for pk in reports} | {
            (day_type, str(pk)) for pk in days.values_list("pk", flat=True)
        }

    # --- history ---------------------------------------------------------------------------------------

    def backdate(self) -> None:
        """Move what the services stamped "now" to when it happened: reports (created, sent, rated; whether
        they came late), their revisions, corrections, the confirmation, the settings and schedules, and the
        audit rows and notifications each call wrote (those older than a day and a half are read)."""
        from portal.core.models import AuditLog
        from portal.notifications.models import Notification

        from .choices import DayEventKind
        from .models import (
            DayCorrection,
            TimesheetConfirmation,
            WorkDayEvent,
            WorkReport,
            WorkReportRevision,
            WorkSchedule,
        )
        from .selectors.reports import report_settings_for

        stories = {s.report.pk: s for s in self.report_stories}
        reports = list(WorkReport.objects.filter(pk__in=list(stories)))
        rules: dict[int, Any] = {}
        for report in reports:
            story = stories[report.pk]
            report.created_at = story.created_at
            report.updated_at = story.decided_at or story.sent_at or story.created_at
            if report.sent_at is not None and story.sent_at is not None and report.sent_at != story.sent_at:
                # Sent through the service "now": whether it came late is judged again at its real moment.
                author = self.by_pk[report.author_id]
                if author.pk not in rules:
                    rules[author.pk] = report_settings_for(author)
                rule = rules[author.pk]._replace(period=report.period)
                report.sent_at = story.sent_at
                report.is_late = story.sent_at > rule.due_at(report.period_start, self.spec(author).tzinfo)
            if report.rated_at is not None:
                report.rated_at = story.decided_at
        WorkReport.objects.bulk_update(
            reports, ["created_at", "updated_at", "sent_at", "is_late", "rated_at"], batch_size=200
        )
        revisions = list(WorkReportRevision.objects.filter(report_id__in=list(stories)))
        for revision in revisions:
            story = stories[revision.report_id]
            revision.changed_at = story.decided_at or story.sent_at or story.created_at
            if revision.data.get("sent_at") and story.sent_at:
                revision.data["sent_at"] = story.sent_at.isoformat()
        WorkReportRevision.objects.bulk_update(revisions, ["changed_at", "data"], batch_size=200)

        for pk, (asked, decided) in self.correction_moments.items():
            DayCorrection.objects.filter(pk=pk).update(
                created_at=asked, updated_at=decided or asked, **({"decided_at": decided} if decided else {})
            )
            if decided:
                WorkDayEvent.objects.filter(day__corrections__pk=pk, kind=DayEventKind.CORRECTION).update(
                    at=decided
                )
        if self.timesheet_moment is not None:
            pk, moment = self.timesheet_moment
            TimesheetConfirmation.objects.filter(pk=pk).update(confirmed_at=moment)
        WorkSchedule.objects.filter(pk__in=self.schedule_ids).update(
            created_at=self.setup_moment, updated_at=self.setup_moment
        )

        read_before = self.now - datetime.timedelta(hours=36)
        waiting = self._still_waiting()
        for model, marks, read in (
            (AuditLog, self._audit_marks, False),
            (Notification, self._notification_marks, True),
        ):
            fields = ["created_at", "read_at", "emailed_at"] if read else ["created_at"]
            rows = list(model.objects.filter(pk__gt=marks[0], pk__lte=marks[-1]).order_by("pk"))
            for row in rows:
                # The call that wrote the row: the first boundary at or above its pk.
                moment = self._moments[bisect.bisect_left(marks, row.pk, lo=1) - 1]
                row.created_at = moment
                if read and moment < read_before:
                    # Its e-mail copy (if wanted) went out back then: none is sent now. Read, unless what it
                    # is about still waits for the reader (a report to rate, a day to confirm...).
                    row.emailed_at = row.emailed_at or moment + datetime.timedelta(minutes=1)
                    if (row.target_type_id, row.target_id) not in waiting:
                        minutes = self.rng.randint(10, 240)
                        row.read_at = row.read_at or moment + datetime.timedelta(minutes=minutes)
            model.objects.bulk_update(rows, fields, batch_size=500)
