import zoneinfo

from django.db import models
from django.utils.translation import gettext_lazy as _

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz or tz == "UTC"]


class GroupCreationPolicy(models.TextChoices):
    EVERYONE = "everyone", _("Every employee")
    SUPERVISORS = "supervisors", _("Supervisors and admins")
    ADMINS = "admins", _("Admins only")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
