"""When things happened in the reports demo. The services stamp what they write "now"; every call goes
through `act`, which notes the moment it stands for, and `backdate` then moves the rows (reports, revisions,
corrections, the confirmation, schedules, audit rows and notifications) back to that moment."""

from __future__ import annotations

import bisect
import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q

from .people import DemoPeople


@dataclass
class ReportStory:
    """When things happened to one report (the services stamp them "now"; `backdate` moves them back)."""

    report: object
    created_at: datetime.datetime
    sent_at: datetime.datetime | None = None
    decided_at: datetime.datetime | None = None  # rated or returned


class DemoHistory(DemoPeople):
    """The demo's record of moments: each service call's boundary in the audit log and the notifications,
    and when the reports, corrections, the confirmation and the settings really happened."""

    def __init__(self, *, people: dict, rng: random.Random, now: datetime.datetime) -> None:
        from portal.core.models import AuditLog
        from portal.notifications.models import Notification

        super().__init__(people=people, rng=rng, now=now)
        # (last audit pk, last notification pk) before seeding, then one boundary per call with its moment.
        self._audit_marks: list[int] = [self._last_pk(AuditLog)]
        self._notification_marks: list[int] = [self._last_pk(Notification)]
        self._moments: list[datetime.datetime] = []
        self.report_stories: list[ReportStory] = []
        self.correction_moments: dict[int, tuple[datetime.datetime, datetime.datetime | None]] = {}
        self.timesheet_moment: tuple[int, datetime.datetime] | None = None
        self.setup_moment = now - datetime.timedelta(days=45)
        self.schedule_ids: list[int] = []

    @staticmethod
    def _last_pk(model) -> int:
        return model.objects.aggregate(last=Max("pk"))["last"] or 0

    def act(self, moment: datetime.datetime, service, **kwargs):
        """Call a service and note that what it wrote happened at `moment`."""
        from portal.core.models import AuditLog
        from portal.notifications.models import Notification

        result = service(**kwargs)
        self._moments.append(moment)
        self._audit_marks.append(self._last_pk(AuditLog))
        self._notification_marks.append(self._last_pk(Notification))
        return result

    def backdate(self) -> None:
        """Move what the services stamped "now" to when it happened: reports (created, sent, rated; whether
        they came late), their revisions, corrections, the confirmation, the settings and schedules, and the
        audit rows and notifications each call wrote (those older than a day and a half are read)."""
        from portal.core.models import AuditLog
        from portal.notifications.models import Notification

        from ..choices import DayEventKind
        from ..models import (
            DayCorrection,
            TimesheetConfirmation,
            WorkDayEvent,
            WorkReport,
            WorkReportRevision,
            WorkSchedule,
        )
        from ..selectors.reports import report_settings_for

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

    def _still_waiting(self) -> set[tuple[int, str]]:
        """(content type, id) of the demo's reports and days somebody still has to act on: reports waiting
        for a rating or back with their author, days to confirm or with a correction to decide."""
        from django.contrib.contenttypes.models import ContentType

        from ..choices import CorrectionStatus, ReportStatus
        from ..models import WorkDay, WorkReport

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
