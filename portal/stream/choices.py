from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    POST = "post", _("Post")
    EVENT = "event", _("Event")


class AudienceKind(models.TextChoices):
    DEPARTMENT = "department", _("Department (with its sub-departments)")
    GROUP = "group", _("Workgroup")
    USER = "user", _("Person")


class FeedShow(models.TextChoices):
    ALL = "all", _("All")
    MINE = "mine", _("Mine")
    IMPORTANT = "important", _("Important")
