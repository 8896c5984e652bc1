from django.db import models
from django.utils.translation import gettext_lazy as _


class GroupKind(models.TextChoices):
    GROUP = "group", _("Workgroup")
    PROJECT = "project", _("Project")


class GroupVisibility(models.TextChoices):
    OPEN = "open", _("Open: anyone sees it and joins")
    CLOSED = "closed", _("Closed: anyone sees it, joins on approval")
    SECRET = "secret", _("Secret: only members know it exists")


class MemberRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MODERATOR = "moderator", _("Moderator")
    MEMBER = "member", _("Member")


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
