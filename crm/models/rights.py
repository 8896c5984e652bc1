"""CRM roles: per entity and action a level (none, own, own department, department with sub-departments, all).

A person's rights are the union of the roles given to them, to their department, to a department above theirs
with its sub-departments, and of the default roles (given to everybody). `crm.rights` reads them in one query and
turns a level into the SQL filter of `visible_to`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import Action, Entity, Level


class CrmRole(models.Model):
    """A named set of CRM rights (e.g. "Manager", "Head of sales"). `is_admin` also opens the CRM settings."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_admin = models.BooleanField(_("CRM administrator"), default=False)
    is_default = models.BooleanField(
        _("given to everybody"), default=False, help_text=_("Every employee holds this role.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("CRM role")
        verbose_name_plural = _("CRM roles")

    def __str__(self) -> str:
        return self.name


class CrmRolePermission(models.Model):
    """One cell of a role's table: for `entity` and `action`, how far the role reaches."""

    role = models.ForeignKey(CrmRole, on_delete=models.CASCADE, related_name="permissions")
    entity = models.CharField(max_length=16, choices=Entity.choices)
    action = models.CharField(max_length=16, choices=Action.choices)
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.NONE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "entity", "action"], name="crm_role_permission_unique"),
            models.CheckConstraint(condition=Q(level__gte=0, level__lte=4), name="crm_role_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.entity}.{self.action}={self.level}"


class CrmRoleAssignment(models.Model):
    """A role given to one person, or to a department (and, when asked, its sub-departments)."""

    role = models.ForeignKey(CrmRole, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="crm_roles",
    )
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="crm_roles",
    )
    include_subdepartments = models.BooleanField(_("with sub-departments"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, department__isnull=True)
                | Q(user__isnull=True, department__isnull=False),
                name="crm_role_assignment_one_grantee",
            ),
            models.UniqueConstraint(
                fields=["role", "user"], condition=Q(user__isnull=False), name="crm_role_assignment_user"
            ),
            models.UniqueConstraint(
                fields=["role", "department"],
                condition=Q(department__isnull=False),
                name="crm_role_assignment_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} → {self.user or self.department}"
