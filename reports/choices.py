"""Reports: the fixed vocabularies (workday states and events, report periods and ratings, digests)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayState(models.TextChoices):
    OPEN = "open", _("Working")
    PAUSED = "paused", _("On a break")
    CLOSED = "closed", _("Finished")


class DayEventKind(models.TextChoices):
    START = "start", _("Started the day")
    PAUSE = "pause", _("Paused")
    RESUME = "resume", _("Resumed")
    END = "end", _("Ended the day")
    AUTO_CLOSE = "auto_close", _("Closed automatically at midnight")
    CORRECTION = "correction", _("Times corrected")


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    APPROVED = "approved", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class ReportPeriod(models.TextChoices):
    DAY = "day", _("Daily")
    WEEK = "week", _("Weekly")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent, waiting for rating")
    RETURNED = "returned", _("Returned for changes")
    RATED = "rated", _("Rated")


class Rating(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEGATIVE = "negative", _("Negative")


class DigestKind(models.TextChoices):
    SUPERVISOR = "supervisor", _("Control digest")
    PERSONAL = "personal", _("Personal digest")


class Signal(models.TextChoices):
    """The colour of a dashboard cell."""

    GREEN = "green", _("All is fine")
    AMBER = "amber", _("Worth a look")
    RED = "red", _("Needs attention")
