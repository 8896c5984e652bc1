"""Timesheets of the reports demo: last month's timesheet of the sales manager, confirmed by the head of
Sales."""

from __future__ import annotations

import datetime

from .history import DemoHistory
from .people import TIMESHEET_CONFIRMER, TIMESHEET_PERSON


class TimesheetsDemo(DemoHistory):
    """The timesheet step of the demo."""

    def timesheet(self) -> None:
        """The head of Sales confirms the sales manager's timesheet of last month, early this month."""
        from .. import services

        person, confirmer = self.who(TIMESHEET_PERSON), self.who(TIMESHEET_CONFIRMER)
        if person is None or confirmer is None:
            return
        first = self.today(person).replace(day=1)
        last_month = (first - datetime.timedelta(days=1)).replace(day=1)
        moment = min(
            self.next_morning(confirmer, first - datetime.timedelta(days=1), 10, 15),
            self.now - datetime.timedelta(minutes=5),
        )
        confirmation = self.act(
            moment, services.timesheet_confirm, actor=confirmer, person=person, month=last_month
        )
        self.timesheet_moment = (confirmation.pk, moment)
