"""The cast of the reports demo: who plays which part of the story, how each person tends to work, and the
calendar every step reads (a person's wall time and working days); and the joining dates from before the
history."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from portal.core.demo import in_demo_language

from . import texts, texts_ru

# What the demo says, in each language it speaks (the modules have the same names in the same shape).
TEXTS = {"en": texts, "ru": texts_ru}

DOMAIN = "demo.lumen"
SEED = 20260415
HISTORY_WORKDAYS = 15  # about three weeks of working days for everybody
LIVE_WORKDAYS = 2  # the last working days go through the services click by click; older ones in bulk
CORRECTED_DAY = 4  # the day (working days back) the corrected person forgot to end

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

OFFICE_IPS = [f"10.20.1.{n}" for n in range(11, 60)]
HOME_IPS = [f"85.214.{n}.{3 * n + 7}" for n in range(20, 60)]


def demo_people() -> dict:
    """The active demo people by the local part of their e-mail, with their departments."""
    from portal.people.models import User

    people = User.objects.filter(email__endswith=f"@{DOMAIN}", is_active=True).select_related("department")
    return {u.email.split("@")[0]: u for u in people}


@dataclass
class Profile:
    """How one person tends to work."""

    late_rate: float
    lunch_rate: float
    home_rate: float
    office_ip: str
    home_ip: str


class DemoPeople:
    """The people of the demo, their schedules and habits, and the calendar helpers of every step."""

    def __init__(self, *, people: dict, rng: random.Random, now: datetime.datetime) -> None:
        from ..selectors.workday import schedules_for

        self.people = people
        self.rng = rng
        self.now = now
        self.texts = in_demo_language(TEXTS)
        self.by_pk = {u.pk: u for u in people.values()}
        self.admin = people.get("admin") or people["ceo"]
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

    def who(self, local: str):
        return self.people.get(local)

    def spec(self, person):
        return self.specs[person.pk]

    def local(self, person, date: datetime.date, hour: int, minutes: int = 0) -> datetime.datetime:
        """`hour` o'clock plus `minutes` on `date`, the person's wall time."""
        moment = datetime.datetime.combine(date, datetime.time(hour), tzinfo=self.spec(person).tzinfo)
        return moment + datetime.timedelta(minutes=minutes)

    def today(self, person) -> datetime.date:
        return self.now.astimezone(self.spec(person).tzinfo).date()

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

    def next_morning(self, person, date: datetime.date, hour: int, minute: int) -> datetime.datetime:
        """`hour:minute` on the person's first working day after `date` (it may lie ahead of now)."""
        spec = self.spec(person)
        day = date + datetime.timedelta(days=1)
        while not spec.is_working_day(day):
            day += datetime.timedelta(days=1)
        return self.local(person, day, hour, minute)

    def local_of(self, person) -> str:
        return person.email.split("@")[0]

    def joining_dates(self) -> None:
        """Joining dates from before the history: the company did not start today (one colleague is new)."""
        from portal.people.models import User

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
