"""Working days of the reports demo: the work schedules, everybody's clicks of the last weeks (the older
days in bulk, the last ones through the services) and of today so far, and the corrections of forgotten
ends and starts."""

from __future__ import annotations

import datetime

from .history import DemoHistory
from .people import (
    CORRECTED_DAY,
    CORRECTED_PERSON,
    FORGETFUL_REPORTER,
    HISTORY_WORKDAYS,
    LIVE_WORKDAYS,
    ON_A_BREAK,
    OPEN_DAY_PERSON,
    PART_TIMER,
    PENDING_CORRECTION_PERSON,
    TIMESHEET_PERSON,
)

EARLY_DEPARTMENT = "inside.head"  # the department (by its head) on the early shift


class WorkdayDemo(DemoHistory):
    """The working-day steps of the demo."""

    def schedules(self) -> None:
        """The early shift of Inside Sales and a part-timer's own schedule."""
        from portal.people.demo import demo_department

        from .. import services

        early = demo_department(EARLY_DEPARTMENT)
        moment = self.setup_moment
        if early is not None:
            schedule = self.act(
                moment,
                services.schedule_save,
                actor=self.admin,
                name=self.texts.EARLY_SHIFT,
                department=early,
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
                name=self.texts.PART_TIME.format(name=part_timer.full_name),
                user=part_timer,
                working_days=[0, 1, 2, 3],
                start=datetime.time(9, 0),
                end=datetime.time(14, 0),
                allowed_lateness=10,
                break_minutes=15,
            )
            self.schedule_ids.append(schedule.pk)

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
            start_comment = rng.choice(self.texts.LATE_COMMENTS)
        else:
            start += datetime.timedelta(minutes=rng.randint(-20, max(0, spec.allowed_lateness - 4)))
            start_comment = ""
        end_comment = ""
        if rng.random() < 0.03:
            end = spec.end_at(date) - datetime.timedelta(minutes=rng.randint(100, 200))
            end_comment = rng.choice(self.texts.SHORT_DAY_COMMENTS)
        clicks = [("start", start, ip, start_comment)]
        hours = (spec.end.hour * 60 + spec.end.minute - spec.start.hour * 60 - spec.start.minute) / 60
        if hours >= 7 and rng.random() < profile.lunch_rate:
            pause = self.local(person, date, 12, rng.randint(0, 75))
            back = pause + datetime.timedelta(minutes=rng.randint(25, 45))
            if start < pause and back < end:
                clicks += [
                    ("pause", pause, ip, rng.choice(self.texts.BREAK_COMMENTS)),
                    ("resume", back, ip, ""),
                ]
        clicks.append(("end", end, ip, end_comment))
        return clicks

    def _click(self, person, action: str, moment: datetime.datetime, ip: str, comment: str):
        from .. import services

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
        from ..choices import DayEventKind, DayState
        from ..models import WorkDay, WorkDayEvent
        from ..services.workday import _apply_verdicts

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
            clicks.append(("pause", pause_at, clicks[0][2], self.texts.LONG_BREAK))
        for click in clicks:
            self._click(person, *click)

    def corrections(self) -> None:
        """A correction confirmed by the supervisor last week, and one waiting for confirmation."""
        from portal.people.selectors import supervisor_of

        from .. import services
        from ..models import WorkDay

        person = self.who(CORRECTED_PERSON)
        supervisor = supervisor_of(person) if person is not None else None
        if person is not None and supervisor is not None:
            date = self.last_working_days(person, 8)[CORRECTED_DAY]
            day = WorkDay.objects.filter(user=person, date=date).first()
            if day is not None and day.auto_closed:
                asked = self.next_morning(person, date, 9, 12)
                correction = self.act(
                    asked,
                    services.day_correction_request,
                    actor=person,
                    day=day,
                    started_at=day.started_at,
                    ended_at=self.local(person, date, 18, 5),
                    reason=self.texts.FORGOTTEN_END,
                )
                decided = asked + datetime.timedelta(hours=1, minutes=47)
                self.act(
                    decided,
                    services.day_correction_decide,
                    actor=supervisor,
                    correction=correction,
                    approve=True,
                    comment=self.texts.FORGOTTEN_END_ANSWER,
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
                    reason=self.texts.FORGOTTEN_START,
                )
                self.correction_moments[correction.pk] = (asked, None)
