"""The default side-effect probe of the reports permission matrices
(`assert_matrix(..., changed=REPORT_TABLES)`): every row of every table of the reports app, so a refused
write must leave all of them as they were and an allowed one must change at least one."""

from __future__ import annotations

from reports.models import (
    ControlCheck,
    ControlTime,
    DayCorrection,
    Digest,
    DigestPreference,
    ReportSettings,
    TimesheetConfirmation,
    WorkDay,
    WorkDayEvent,
    WorkReport,
    WorkReportRevision,
    WorkSchedule,
)
from tests.utils import tables

REPORT_TABLES = tables(
    WorkSchedule,
    WorkDay,
    WorkDayEvent,
    DayCorrection,
    ReportSettings,
    WorkReport,
    WorkReportRevision,
    TimesheetConfirmation,
    ControlCheck,
    ControlTime,
    DigestPreference,
    Digest,
)
