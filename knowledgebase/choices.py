"""The knowledge base's fixed vocabularies."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SpaceKind(models.TextChoices):
    COMPANY = "company", _("Company-wide")
    DEPARTMENT = "department", _("Department")
    WORKGROUP = "workgroup", _("Workgroup or project")
    PERSONAL = "personal", _("Personal")


class SpaceRole(models.TextChoices):
    """What a grant of a space lets its grantee do; each role includes the ones before it."""

    READ = "read", _("Reads")
    EDIT = "edit", _("Edits")
    ADMIN = "admin", _("Administers")


class EveryoneAccess(models.TextChoices):
    """What every employee may do in a space, besides its grants."""

    NONE = "none", _("Nothing (only those named)")
    READ = "read", _("Read")
    EDIT = "edit", _("Read and edit")


class PageStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class PageLanguage(models.TextChoices):
    """The text search configuration (PostgreSQL `regconfig`) a page's words are stemmed with."""

    RUSSIAN = "russian", _("Russian")
    ENGLISH = "english", _("English")
    SIMPLE = "simple", _("Other (no stemming)")


ROLE_RANK = {SpaceRole.READ: 1, SpaceRole.EDIT: 2, SpaceRole.ADMIN: 3}
