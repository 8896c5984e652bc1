"""Tasks: the fixed vocabularies (statuses, roles, link kinds, recurrence)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    NEW = "new", _("New")
    PENDING = "pending", _("Pending")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_CONTROL = "awaiting_control", _("Awaiting control")
    COMPLETED = "completed", _("Completed")
    DEFERRED = "deferred", _("Deferred")
    DECLINED = "declined", _("Declined")


# A task in one of these is finished: the lists' "open" filter leaves it out, its parent counts it as done.
CLOSED_STATUSES = (TaskStatus.COMPLETED, TaskStatus.DECLINED)
# "Open": someone still has to act (a task awaiting control waits for its creator).
OPEN_STATUSES = tuple(s for s in TaskStatus.values if s not in CLOSED_STATUSES)
# The responsible person's part is over: the task is closed, or completed and waiting for the creator's
# control. Its deadline no longer runs: it is neither overdue nor due for the responsible person (counters,
# the overdue sweep, reminders, efficiency), and `completed_at` holds when they completed it.
HANDED_IN_STATUSES = (*CLOSED_STATUSES, TaskStatus.AWAITING_CONTROL)
# The deadline still runs: the responsible person has work to do.
RUNNING_STATUSES = tuple(s for s in TaskStatus.values if s not in HANDED_IN_STATUSES)


class TaskPriority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class MemberRole(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    OBSERVER = "observer", _("Observer")


class TaskRole(models.TextChoices):
    """The role lists: how the viewer is involved in a task."""

    DO = "do", _("I do")
    HELP = "help", _("I help")
    SET = "set", _("I set")
    OBSERVE = "observe", _("I observe")
    ALL = "all", _("All I can see")


class LinkKind(models.TextChoices):
    FINISH_TO_START = "fs", _("Finish to start")
    START_TO_START = "ss", _("Start to start")
    FINISH_TO_FINISH = "ff", _("Finish to finish")
    START_TO_FINISH = "sf", _("Start to finish")


class DependantsPolicy(models.TextChoices):
    """What rescheduling a task does to the tasks linked after it."""

    SHIFT = "shift", _("Shift the dependent tasks")
    FLAG = "flag", _("Only flag the conflicts")


class OpenSubtasksPolicy(models.TextChoices):
    """What closing a parent does to its subtasks that are still open."""

    COMPLETE = "complete", _("Complete them too")
    KEEP = "keep", _("Leave them open")


class Repeat(models.TextChoices):
    NONE = "none", _("Does not repeat")
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week on chosen days")
    MONTHLY = "monthly", _("Every month on a day")


class TimeSource(models.TextChoices):
    TIMER = "timer", _("Timer")
    MANUAL = "manual", _("Manual entry")
