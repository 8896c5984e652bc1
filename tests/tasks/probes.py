"""The default side-effect probe of the tasks permission matrices (`assert_matrix(..., changed=TASK_TABLES)`):
every row of every table of the tasks app, so a refused write must leave all of them as they were and an
allowed one must change at least one."""

from __future__ import annotations

from tasks.models import (
    ChecklistItem,
    PlanCard,
    PlanColumn,
    SavedFilter,
    Tag,
    Task,
    TaskComment,
    TaskFile,
    TaskGrant,
    TaskLink,
    TaskMember,
    TaskTemplate,
    TaskView,
    TimeEntry,
)
from tests.utils import tables

TASK_TABLES = tables(
    Task,
    TaskMember,
    TaskGrant,
    TaskLink,
    Tag,
    ChecklistItem,
    TaskFile,
    TaskComment,
    TaskView,
    TimeEntry,
    TaskTemplate,
    SavedFilter,
    PlanColumn,
    PlanCard,
)
