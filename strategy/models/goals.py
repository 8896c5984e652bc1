"""Goals: the company's aims by horizon, their tree, horizontal links, co-owners, grants and page links.

`Goal.objects.visible_to(user)` is the choke point of every read (pages, API, search, stream, the map):
a company-wide goal is seen by every employee; a restricted one by its owner, co-owners, the heads above
its owner and whoever it was shared with (people, departments, workgroups: `portal.core.sharing`).
Strategy managers and admins see every goal.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.core.links import url_for_pk
from portal.core.models import ObjectGrantBase, TimeStampedModel
from portal.core.visibility import (
    any_of,
    by_role,
    granted_to,
    listed_on,
    owned_by,
    supervised_by,
    viewer_rule,
    visible,
)

from ..choices import GoalAudience, GoalHorizon, GoalLinkKind, GoalStatus, ProgressRule, Rag

MANAGE_PERMISSION = "strategy.manage_strategy"

# How far progress may lag behind the time elapsed before the goal turns amber, then red.
AMBER_LAG = Decimal("0.10")
RED_LAG = Decimal("0.25")


def is_strategy_manager(user) -> bool:
    """Strategy managers (holders of ``strategy.manage_strategy``, given by admins) and admins."""
    return by_role(user, MANAGE_PERMISSION)


@viewer_rule(heads=True)
def goal_visibility_q(user) -> Q:
    """The rule of `GoalQuerySet.visible_to`: company goals, the user's own and co-owned ones, those of the
    people of the departments they head, and those shared with them."""
    return any_of(
        Q(audience=GoalAudience.COMPANY),
        owned_by(user, "owner"),
        listed_on(user, GoalCoOwner, "goal"),
        supervised_by(user, "owner"),
        granted_to(user, Goal),
    )


class GoalQuerySet(models.QuerySet):
    def visible_to(self, user) -> GoalQuerySet:
        """Goals `user` may see (see the module docstring); nothing for anonymous or inactive people."""
        return visible(
            self, user, lambda: goal_visibility_q(user), sees_all=lambda: is_strategy_manager(user)
        )


class Goal(TimeStampedModel):
    """One aim of the company, a department or a person, for a horizon and a period, with stored progress."""

    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown"))
    horizon = models.CharField(_("horizon"), max_length=16, choices=GoalHorizon.choices)
    period_start = models.DateField(_("start"))
    period_end = models.DateField(_("end"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="goals_owned",
    )
    co_owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="GoalCoOwner",
        verbose_name=_("co-owners"),
        related_name="goals_co_owned",
        blank=True,
    )
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="goals",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent goal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    progress_rule = models.CharField(
        _("progress from"), max_length=16, choices=ProgressRule.choices, default=ProgressRule.AUTO
    )
    manual_progress = models.DecimalField(
        _("progress entered"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    # Stored by `goal_progress_recompute` (0..1); never computed on page load.
    progress = models.DecimalField(_("progress"), max_digits=5, decimal_places=4, default=Decimal("0"))
    progress_updated_at = models.DateTimeField(null=True, blank=True)
    audience = models.CharField(
        _("visible to"), max_length=16, choices=GoalAudience.choices, default=GoalAudience.COMPANY
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="goals_created"
    )

    objects = GoalQuerySet.as_manager()
    share_owner_fields = ("owner",)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["period_start", "title", "id"]
        permissions = [("manage_strategy", "Can manage the strategy (strategic and annual goals, registers)")]
        indexes = [
            models.Index(fields=["horizon", "status", "period_start"], name="goal_horizon_status"),
            models.Index(fields=["parent"], name="goal_parent"),
            models.Index(fields=["owner", "status"], name="goal_owner_status"),
            models.Index(fields=["department", "status"], name="goal_department_status"),
            models.Index(fields=["audience"], name="goal_audience"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="goal_title_not_empty"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="goal_period_order"
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="goal_not_own_parent"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="goal_weight_not_negative"),
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=1), name="goal_progress_range"),
            models.CheckConstraint(
                condition=Q(manual_progress__isnull=True) | Q(manual_progress__gte=0, manual_progress__lte=1),
                name="goal_manual_progress_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return url_for_pk("strategy:goal_detail", self.pk)

    @property
    def progress_percent(self) -> int:
        return int((self.progress or 0) * 100)

    def elapsed_share(self, today: datetime.date | None = None) -> Decimal:
        """The share of the goal's period that has passed (0..1)."""
        today = today or timezone.localdate()
        total = (self.period_end - self.period_start).days + 1
        done = (min(today, self.period_end) - self.period_start).days + 1
        if done <= 0:
            return Decimal("0")
        return min(Decimal("1"), Decimal(done) / Decimal(total))

    def rag(self, today: datetime.date | None = None) -> str:
        """Red/amber/green of the progress against the time elapsed (achieved is green, missed red)."""
        if self.status == GoalStatus.ACHIEVED:
            return Rag.GREEN
        if self.status == GoalStatus.MISSED:
            return Rag.RED
        lag = self.elapsed_share(today) - (self.progress or Decimal("0"))
        if lag >= RED_LAG:
            return Rag.RED
        if lag >= AMBER_LAG:
            return Rag.AMBER
        return Rag.GREEN

    def may_edit(self, user) -> bool:
        """Owners, co-owners, strategy managers and admins edit a goal (visibility checked by the caller)."""
        if is_strategy_manager(user):
            return True
        return bool(user and user.is_authenticated and user.is_active) and (
            self.owner_id == user.pk or self.co_owners.filter(pk=user.pk).exists()
        )


class GoalCoOwner(models.Model):
    """A person who shares the ownership of a goal."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="co_owner_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("goal co-owner")
        constraints = [models.UniqueConstraint(fields=["goal", "user"], name="goalcoowner_unique")]
        indexes = [models.Index(fields=["user", "goal"], name="goalcoowner_user_goal")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.goal_id}"


class GoalLinkQuerySet(models.QuerySet):
    def visible_to(self, user) -> GoalLinkQuerySet:
        """A link is seen by whoever sees both of its goals."""
        goals = Goal.objects.visible_to(user)
        return self.filter(source__in=goals, target__in=goals)


class GoalLink(models.Model):
    """A horizontal link: `source` supports (or depends on) `target`."""

    source = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=16, choices=GoalLinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GoalLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("goal link")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="goallink_unique"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="goallink_not_self"),
        ]
        indexes = [models.Index(fields=["target"], name="goallink_target")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class GoalTaskLinkQuerySet(models.QuerySet):
    def visible_to(self, user) -> GoalTaskLinkQuerySet:
        """Task links of the goals the user sees (the task itself is checked by the tasks app's lookup)."""
        return self.filter(goal__in=Goal.objects.visible_to(user))


class GoalTaskLink(models.Model):
    """A task that serves a goal directly. The task is held by id: strategy never imports the tasks app
    (its data comes through core's registry); a task serves at most one goal directly, and its subtasks
    inherit the goal (see `strategy.services.goals.task_goal_resolve`)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="task_links")
    task_id = models.PositiveBigIntegerField(_("task"), unique=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GoalTaskLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("task served by a goal")
        indexes = [models.Index(fields=["goal", "task_id"], name="goaltasklink_goal")]

    def __str__(self) -> str:
        return f"task {self.task_id} serves {self.goal_id}"


class GoalPageLinkQuerySet(models.QuerySet):
    def visible_to(self, user) -> GoalPageLinkQuerySet:
        return self.filter(goal__in=Goal.objects.visible_to(user))


class GoalPageLink(models.Model):
    """A knowledge-base page (or any lookup source's record) a goal links: the lookup source's key, the
    record's id and its title and URL when linked (strategy never imports the knowledge base)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="page_links")
    source = models.CharField(_("source"), max_length=60)
    object_id = models.CharField(max_length=64)
    title = models.CharField(_("title"), max_length=250)
    url = models.CharField(_("address"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GoalPageLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("linked page")
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "source", "object_id"], name="goalpagelink_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class GoalGrant(ObjectGrantBase):
    """A restricted goal shown to a person, a department (optionally with sub-departments) or a workgroup
    (see `portal.core.sharing`); a person's grant is mirrored in `GoalUserObjectPermission`."""

    content_object = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="grants")

    class Meta(ObjectGrantBase.Meta):
        verbose_name = _("goal grant")


class GoalUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct-FK object permissions of people on goals (`view_goal` for a person's grant)."""

    content_object = models.ForeignKey(Goal, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("goal user permission")


class GoalGroupObjectPermission(GroupObjectPermissionBase):
    """guardian's direct-FK object permissions of auth groups on goals."""

    content_object = models.ForeignKey(Goal, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("goal group permission")
