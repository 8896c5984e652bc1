"""Small shared pieces: the timestamped base model, the audit log, the base of "shared with" grants and the
live-push outbox (portal/core/live.py)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base for domain models: when a row was made and last changed."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AuditLog(models.Model):
    """Who changed what and when, with the old and new values. Written by services inside the action."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]
        verbose_name = _("audit record")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"


class ObjectGrantBase(models.Model):
    """An explicit "shared with" grant of one object, to a person, a department or a workgroup.

    A sharable model gets a concrete subclass in its own app that adds the one missing field::

        class TaskGrant(ObjectGrantBase):
            content_object = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="grants")

    Exactly one grantee is set (a check constraint says so) and each grantee holds at most one grant
    per object. A person's grant is also written to guardian's direct-FK user permission table of the
    model (`view_<model>`): that table is what `visible_to` and `user.has_perm(...)` read for people;
    this row is the sharing record (who shared, when) that lists and unsharing work from. Departments and
    workgroups are not auth groups, so their grants are read from this table alone. See
    `portal.core.visibility` and `portal.core.sharing`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Named by settings (as AUTH_USER_MODEL is): the grantee kinds are the company's structure, which core
    # never names.
    department = models.ForeignKey(
        settings.LUMEN_GRANT_DEPARTMENT_MODEL,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    include_subdepartments = models.BooleanField(_("with sub-departments"), default=False)
    workgroup = models.ForeignKey(
        settings.LUMEN_GRANT_GROUP_MODEL,
        verbose_name=_("workgroup or project"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, department__isnull=True, workgroup__isnull=True)
                | Q(user__isnull=True, department__isnull=False, workgroup__isnull=True)
                | Q(user__isnull=True, department__isnull=True, workgroup__isnull=False),
                name="%(app_label)s_%(class)s_one_grantee",
            ),
            models.CheckConstraint(
                condition=Q(include_subdepartments=False) | Q(department__isnull=False),
                name="%(app_label)s_%(class)s_subdepartments_of_department",
            ),
            models.UniqueConstraint(
                fields=["content_object", "user"],
                condition=Q(user__isnull=False),
                name="%(app_label)s_%(class)s_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["content_object", "department"],
                condition=Q(department__isnull=False),
                name="%(app_label)s_%(class)s_one_per_department",
            ),
            models.UniqueConstraint(
                fields=["content_object", "workgroup"],
                condition=Q(workgroup__isnull=False),
                name="%(app_label)s_%(class)s_one_per_workgroup",
            ),
        ]

    def __str__(self) -> str:
        suffix = " (+ sub-departments)" if self.include_subdepartments else ""
        return f"{self.content_object} -> {self.grantee}{suffix}"

    @property
    def grantee(self):
        """The person, department or workgroup this grant is for."""
        return self.user or self.department or self.workgroup

    @property
    def grantee_kind(self) -> str:
        if self.user_id:
            return "user"
        return "department" if self.department_id else "workgroup"


class LivePush(models.Model):
    """A live push waiting in the outbox for the web process to relay it to a websocket group.

    Written only when the channel layer is in-memory (embedded mode) and the push is made outside the web
    process (a Celery job, a management command); see `portal.core.live`. Rows live for seconds.
    """

    group = models.CharField(max_length=100)
    message = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("live push")

    def __str__(self) -> str:
        return f"{self.group} {self.created_at:%H:%M:%S}"
