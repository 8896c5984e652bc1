"""Work reports of the reports demo: the report settings, the reports of the days (weeks) above with texts
that name the tasks the person completed, and what their supervisors did with them (rated, returned, still
waiting)."""

from __future__ import annotations

import datetime

from .history import DemoHistory, ReportStory
from .people import DRAFT_AUTHOR, FORGETFUL_REPORTER, LIVE_WORKDAYS, NEGATIVE_AUTHOR, RETURNED_AUTHOR

WEEKLY_DEPARTMENT = "marketing.head"  # the department (by its head) that reports weekly
# Working days a supervisor leaves unrated (the reports they will rate next); others rate the next morning.
RATING_LAG = {"sales.head": 1, "cto": 2, "inside.head": 0, "cfo": 0}
DEFAULT_RATING_LAG = 1

# The area of a person's work (which texts their reports draw from), by the head of their department.
AREAS = {
    "sales.head": "sales",
    "accounts.head": "sales",
    "inside.head": "sales",
    "marketing.head": "marketing",
    "cto": "engineering",
    "platform.lead": "engineering",
    "mobile.lead": "engineering",
    "cfo": "finance",
}


class ReportsDemo(DemoHistory):
    """The work-report steps of the demo."""

    def report_settings(self) -> None:
        """How people report: daily by 19:00 for the company, weekly (Friday 17:00) for Marketing."""
        from portal.people.demo import demo_department
        from portal.people.models import Department

        from .. import services

        root = Department.get_root_nodes().first()
        weekly = demo_department(WEEKLY_DEPARTMENT)
        moment = self.setup_moment
        self.act(
            moment,
            services.report_settings_save,
            actor=self.admin,
            department=root,
            period="day",
            due_time=datetime.time(19, 0),
        )
        if weekly is not None:
            self.act(
                moment,
                services.report_settings_save,
                actor=self.admin,
                department=weekly,
                period="week",
                due_time=datetime.time(17, 0),
                due_weekday=4,
            )

    def area(self, person) -> str:
        department = person.department
        head = self.by_pk.get(department.head_id) if department else None
        return AREAS.get(self.local_of(head) if head else "", "office")

    def text(self, template: str) -> str:
        return template.format(client=self.rng.choice(self.texts.CLIENTS), n=self.rng.randint(2, 12))

    def _late_sending(self, person, date: datetime.date, usual: datetime.datetime) -> datetime.datetime:
        """Sent the next working morning instead of `usual`, if that morning has come."""
        late = self.next_morning(person, date, 9, self.rng.randint(5, 50))
        return late if late < self.now - datetime.timedelta(hours=1) else usual

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
        bank = self.texts.REPORTS[self.area(person)]
        done = []
        date = start
        while date <= end:
            done += closed.get((person.pk, date), [])
            date += datetime.timedelta(days=1)
        facts = [self.texts.COMPLETED.format(title=title) for title in done[:4]]
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

        from ..models import WorkDay
        from ..selectors.reports import report_settings_for

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
            lag = RATING_LAG.get(self.local_of(supervisor), DEFAULT_RATING_LAG)
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
        from .. import services

        return services.report_save(**kwargs)

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
            decided = self.next_morning(supervisor, end, 9, rng.randint(10, 170))
            if decided >= self.now - datetime.timedelta(minutes=30):
                return None
        else:
            if lag and start >= recent[lag - 1]:
                return None  # the supervisor has not got to it yet
            if lag == 0:
                decided = sent + datetime.timedelta(minutes=rng.randint(20, 90))
            else:
                decided = self.next_morning(supervisor, start, 9, rng.randint(5, 150))
            decided = max(decided, sent + datetime.timedelta(minutes=5))
            if decided >= self.now:
                return None
        if local == RETURNED_AUTHOR and not weekly and start == recent[1]:
            return (
                "return",
                self.texts.RETURN_COMMENT.format(client=rng.choice(self.texts.CLIENTS)),
                decided,
            )
        if local == NEGATIVE_AUTHOR and not weekly and start == recent[0]:
            return ("rate", "negative", self.texts.NEGATIVE_COMMENTS[0], decided)
        if rng.random() < 0.06:
            return ("rate", "negative", self.text(rng.choice(self.texts.NEGATIVE_COMMENTS[1:])), decided)
        comment = self.text(rng.choice(self.texts.POSITIVE_COMMENTS)) if rng.random() < 0.3 else ""
        return ("rate", "positive", comment, decided)

    def _apply_decision(self, supervisor, story: ReportStory, decision: tuple) -> None:
        from .. import services

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
        from ..choices import ReportStatus
        from ..models import WorkReport
        from ..selectors.report_prefills import report_prefill

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
