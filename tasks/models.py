"""Tasks: the task itself, its people, hierarchy, links, tags, checklist, files, comments, time,
templates (with recurrence), saved filters and the personal "my plan" board.

`Task.objects.visible_to(user)` is the choke point of every read (pages, API, search, stream, jobs).
Stored numbers on `Task` (subtasks, comments, time spent) are kept by services with F() and rebuilt by
`task_numbers_rebuild` (tested equal).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.core.attachments import AttachmentBase
from portal.core.links import url_for_pk
from portal.core.models import ObjectGrantBase, TimeStampedModel
from portal.core.visibility import (
    any_of,
    by_role,
    granted_to,
    in_groups_of,
    is_active_person,
    listed_on,
    owned_by,
    supervised_by,
    viewer_rule,
    visible,
)
from portal.people.models import headed_path  # noqa: F401  (other modules import it from here)

from .choices import (
    CLOSED_STATUSES,
    HANDED_IN_STATUSES,
    LinkKind,
    MemberRole,
    Repeat,
    TaskPriority,
    TaskRole,
    TaskStatus,
    TimeSource,
)


def _active(user) -> bool:
    return is_active_person(user)


def _is_admin(user) -> bool:
    return bool(user.is_staff or user.is_superuser)


# The role lists of tasks the person is named on: as creator, responsible person, participant or observer.
ROLES_ON_THE_TASK = frozenset({TaskRole.DO, TaskRole.HELP, TaskRole.SET, TaskRole.OBSERVE})


@viewer_rule(heads=True)
def task_visibility_q(user) -> Q:
    """The visibility rule of tasks as a Q on Task, composed from core's builders.

    A task is seen by its creator, responsible person, participants and observers, by the members of
    its workgroup (and by everyone when the group is open), by the heads of the responsible person's
    department and of every department above it, and by whoever it was shared with (a person, their
    department or a department above it granted with its sub-departments, a workgroup they are in).
    Admins see everything (see `TaskQuerySet.visible_to`).
    """
    from portal.groups.choices import GroupVisibility

    return any_of(
        owned_by(user, "creator", "responsible"),
        listed_on(user, TaskMember, "task"),
        Q(group__visibility=GroupVisibility.OPEN),
        in_groups_of(user, "group"),
        supervised_by(user, "responsible"),
        granted_to(user, Task),
    )


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskQuerySet:
        """Tasks `user` may see (see `task_visibility_q`); nothing for anonymous or inactive people."""
        return visible(self, user, lambda: task_visibility_q(user), sees_all=lambda: by_role(user))

    def visible_in_role(self, user, role: str | None) -> TaskQuerySet:
        """`visible_to(user)` for a list that `filter_by_role` will narrow to `role`. The role lists ("I do",
        "I help", "I set", "I observe") only hold tasks the person is named on, which the visibility rule
        always shows, so for them the rule's filter (a dozen EXISTS to build, compile and plan) is left
        out; for "all" and no role it is applied as usual."""
        if role in ROLES_ON_THE_TASK and _active(user):
            return self.all()
        return self.visible_to(user)

    def open(self) -> TaskQuerySet:
        """Not closed: someone still has to act (a task awaiting control is open for its creator)."""
        return self.exclude(status__in=CLOSED_STATUSES)

    def running(self) -> TaskQuerySet:
        """The deadline still runs: neither closed nor completed and waiting for the creator's control."""
        return self.exclude(status__in=HANDED_IN_STATUSES)

    def overdue(self, now=None) -> TaskQuerySet:
        """Past the deadline while the responsible person still has to act (see `running`)."""
        return self.running().filter(deadline__lt=now or timezone.now())


class Task(TimeStampedModel):
    """One order, run "through a task": a clear title, one responsible person, a deadline and details."""

    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown"))
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creator"),
        on_delete=models.PROTECT,
        related_name="tasks_created",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        related_name="tasks_responsible",
    )
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.NEW)
    priority = models.CharField(
        _("priority"), max_length=10, choices=TaskPriority.choices, default=TaskPriority.NORMAL
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    group = models.ForeignKey(
        "workgroups.Workgroup",
        verbose_name=_("workgroup or project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent task"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subtasks",
    )
    tags = models.ManyToManyField("Tag", through="TaskTag", related_name="tasks", blank=True)

    # Rules the creator sets.
    allow_change_deadline = models.BooleanField(_("responsible may change the deadline"), default=False)
    requires_control = models.BooleanField(_("task requires my control after completion"), default=False)
    checklist_required = models.BooleanField(
        _("a complete checklist is required to complete the task"), default=False
    )
    deadline_in_work_hours = models.BooleanField(_("deadline from the working schedule"), default=False)

    # Life cycle.
    started_at = models.DateTimeField(null=True, blank=True)
    # When the responsible person completed it (kept through the creator's control; cleared on a return or
    # a renewal): what overdue and efficiency judge against the deadline.
    completed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Set once the deadline passes while the task runs (efficiency counts it against the person).
    became_overdue = models.BooleanField(default=False)
    # Set when a linked task was rescheduled so that this one now breaks the link (policy "flag").
    schedule_conflict = models.BooleanField(default=False)

    # Time.
    time_estimate = models.PositiveIntegerField(_("time estimate (seconds)"), null=True, blank=True)
    time_spent = models.PositiveIntegerField(_("time spent (seconds)"), default=0)

    # Where the task came from (a chat message, a stream post, a report item, a template...).
    source_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    template = models.ForeignKey(
        "TaskTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )

    # Stored numbers, kept by services.
    subtasks_count = models.PositiveIntegerField(default=0)
    subtasks_done = models.PositiveIntegerField(default=0)
    checklist_count = models.PositiveIntegerField(default=0)
    checklist_done = models.PositiveIntegerField(default=0)
    comments_count = models.PositiveIntegerField(default=0)
    files_count = models.PositiveIntegerField(default=0)
    last_comment_at = models.DateTimeField(null=True, blank=True)
    # Title, description and comments as plain text, for full-text search. On PostgreSQL the database keeps
    # the generated, GIN-indexed tsvector column `search_vector` from it (migration 0008, `tasks.search`).
    search_text = models.TextField(blank=True, editable=False)

    objects = TaskQuerySet.as_manager()

    # Who may share it (`portal.core.sharing`), besides admins: the people it belongs to.
    share_owner_fields = ("creator", "responsible")

    class Meta:
        verbose_name = _("task")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["responsible", "status", "deadline"], name="task_resp_status_deadline"),
            models.Index(fields=["creator", "status"], name="task_creator_status"),
            models.Index(fields=["group", "status"], name="task_group_status"),
            models.Index(fields=["parent"], name="task_parent"),
            models.Index(fields=["status", "deadline"], name="task_status_deadline"),
            models.Index(fields=["responsible", "completed_at"], name="task_resp_completed"),
            models.Index(fields=["source_type", "source_id"], name="task_source"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="task_title_not_empty"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="task_not_own_parent"),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=models.F("planned_start")),
                name="task_planned_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return url_for_pk("tasks:detail", self.pk)

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_handed_in(self) -> bool:
        """The responsible person's part is over (closed, or awaiting the creator's control)."""
        return self.status in HANDED_IN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return bool(self.deadline and not self.is_handed_in and self.deadline < timezone.now())

    @property
    def subtasks_progress(self) -> int:
        """Percent of direct subtasks closed (0 when there are none)."""
        return round(100 * self.subtasks_done / self.subtasks_count) if self.subtasks_count else 0

    @property
    def over_estimate(self) -> bool:
        return bool(self.time_estimate and self.time_spent > self.time_estimate)


class TaskMember(models.Model):
    """A participant (assistant) or observer of a task. The responsible person and creator are on Task."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_roles")
    role = models.CharField(max_length=16, choices=MemberRole.choices)

    class Meta:
        verbose_name = _("task member")
        constraints = [models.UniqueConstraint(fields=["task", "user"], name="taskmember_unique")]
        indexes = [models.Index(fields=["user", "role", "task"], name="taskmember_user_role")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) on {self.task}"


class TaskGrant(ObjectGrantBase):
    """A task shared explicitly with a person, a department (optionally with its sub-departments) or a
    workgroup (see `portal.core.sharing`); a person's grant is mirrored in `TaskUserObjectPermission`."""

    content_object = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="grants")

    class Meta(ObjectGrantBase.Meta):
        verbose_name = _("task grant")


class TaskUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct-FK object permissions of people on tasks (`view_task` for a person's grant)."""

    content_object = models.ForeignKey(Task, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("task user permission")


class TaskGroupObjectPermission(GroupObjectPermissionBase):
    """guardian's direct-FK object permissions of auth groups on tasks (so guardian never scans its generic
    table for a task)."""

    content_object = models.ForeignKey(Task, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("task group permission")


class TaskLinkQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskLinkQuerySet:
        """A link is seen by whoever sees both of its tasks."""
        tasks = Task.objects.visible_to(user)
        return self.filter(predecessor__in=tasks, successor__in=tasks)


class TaskLink(models.Model):
    """A horizontal link: `successor` depends on `predecessor` by `kind` (finish-to-start, ...)."""

    predecessor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="links_out")
    successor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=2, choices=LinkKind.choices, default=LinkKind.FINISH_TO_START)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("task link")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="tasklink_unique"),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")), name="tasklink_not_self"),
        ]
        indexes = [models.Index(fields=["successor"], name="tasklink_successor")]

    def __str__(self) -> str:
        return f"{self.predecessor_id} -{self.kind}-> {self.successor_id}"


class TagQuerySet(models.QuerySet):
    def visible_to(self, user) -> TagQuerySet:
        """A person's own tags and the shared tags of the groups they belong to (admins: all)."""
        if not _active(user):
            return self.none()
        if _is_admin(user):
            return self.all()
        from portal.groups.models import Membership

        # EXISTS rather than `group IN (SELECT ...)`: the planner guesses half the tags for the IN form and
        # hashes the whole table, where EXISTS lets it look up only the tags of the rows at hand.
        member = Membership.objects.filter(user=user, group=OuterRef("group"))
        # "group IS NOT NULL" spelled out: without it the planner prices the EXISTS for every tag of the company,
        # the estimate passes PostgreSQL's JIT threshold and the whole list pays ~20 ms of compiling.
        return self.filter(Q(owner=user) | Q(Exists(member), group__isnull=False))


class Tag(models.Model):
    """A tag: personal (owner) or shared within a workgroup (group). Exactly one of the two is set."""

    name = models.CharField(_("name"), max_length=60)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="task_tags"
    )
    group = models.ForeignKey(
        "workgroups.Workgroup", null=True, blank=True, on_delete=models.CASCADE, related_name="task_tags"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        verbose_name = _("tag")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, group__isnull=True)
                | Q(owner__isnull=True, group__isnull=False),
                name="tag_owner_xor_group",
            ),
            models.UniqueConstraint(fields=["owner", "name"], name="tag_unique_per_owner"),
            models.UniqueConstraint(fields=["group", "name"], name="tag_unique_per_group"),
            models.CheckConstraint(condition=~Q(name=""), name="tag_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class TaskTag(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="task_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="task_tags")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "tag"], name="tasktag_unique")]
        indexes = [models.Index(fields=["tag", "task"], name="tasktag_tag_task")]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.task_id}"


class ChecklistItemQuerySet(models.QuerySet):
    def visible_to(self, user) -> ChecklistItemQuerySet:
        return self.filter(task__in=Task.objects.visible_to(user))


class ChecklistItem(models.Model):
    """One line of a task's checklist: ticked by the task's people, reordered, optionally assigned."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(_("text"), max_length=500)
    position = models.PositiveIntegerField(default=0)
    is_done = models.BooleanField(_("done"), default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist item")
        ordering = ["task", "position", "id"]
        indexes = [models.Index(fields=["task", "position"], name="checklist_task_position")]

    def __str__(self) -> str:
        return self.text


def task_file_path(instance, filename: str) -> str:
    """Where files went before `attachment_upload_to`; the first migration still names it."""
    return f"tasks/{instance.task_id}/{filename}"


class TaskFileQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskFileQuerySet:
        return self.filter(task__in=Task.objects.visible_to(user))


class TaskFile(AttachmentBase):
    """A file attached to a task, served only through a permission-checked view."""

    storage_folder = "tasks"
    storage_owner_field = "task"
    download_url_name = "tasks:detail_file_download"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="files")

    objects = TaskFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("task file")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["task", "-created_at"], name="taskfile_task")]

    def get_download_url(self) -> str:
        return reverse(self.download_url_name, args=[self.task_id, self.pk])


class TaskCommentQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskCommentQuerySet:
        return self.filter(task__in=Task.objects.visible_to(user))


class TaskComment(models.Model):
    """A comment on a task, with `@[Name](user:id)` mentions."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = TaskCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("task comment")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "created_at"], name="taskcomment_task_created")]

    def __str__(self) -> str:
        return self.body[:60]


class TaskView(models.Model):
    """When a person last looked at a task's comments (drives "new comments I have not seen")."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "task"], name="taskview_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.task_id} at {self.seen_at:%Y-%m-%d %H:%M}"


class TimeEntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> TimeEntryQuerySet:
        return self.filter(task__in=Task.objects.visible_to(user))

    def running(self) -> TimeEntryQuerySet:
        return self.filter(ended_at__isnull=True)


class TimeEntry(models.Model):
    """Time someone spent on a task: a running or stopped timer, or a manual entry."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="time_entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_entries")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    seconds = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=8, choices=TimeSource.choices, default=TimeSource.MANUAL)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["task", "user"], name="timeentry_task_user"),
            models.Index(fields=["user", "started_at"], name="timeentry_user_started"),
        ]
        constraints = [
            # One running timer per person.
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="timeentry_one_running"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="timeentry_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.task}: {self.seconds}s"


class TaskTemplateQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskTemplateQuerySet:
        """Templates are their creator's (admins see all)."""
        if not _active(user):
            return self.none()
        if _is_admin(user):
            return self.all()
        return self.filter(creator=user)


class TaskTemplate(TimeStampedModel):
    """A reusable task (with subtask templates and a checklist), optionally repeated by a beat job."""

    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="subtemplates"
    )
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    observers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    group = models.ForeignKey(
        "workgroups.Workgroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    priority = models.CharField(max_length=10, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    tag_names = models.JSONField(default=list, blank=True)
    checklist = models.JSONField(default=list, blank=True, help_text=_("List of checklist lines"))
    deadline_days = models.PositiveSmallIntegerField(
        _("deadline, days after creation"), null=True, blank=True
    )
    time_estimate = models.PositiveIntegerField(null=True, blank=True)
    allow_change_deadline = models.BooleanField(default=False)
    requires_control = models.BooleanField(default=False)
    # Recurrence (top-level templates only).
    repeat = models.CharField(_("repeat"), max_length=8, choices=Repeat.choices, default=Repeat.NONE)
    weekdays = models.JSONField(default=list, blank=True, help_text=_("0 = Monday ... 6 = Sunday"))
    month_day = models.PositiveSmallIntegerField(null=True, blank=True)
    repeat_time = models.TimeField(null=True, blank=True)
    repeat_until = models.DateField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = TaskTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("task template")
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["is_active", "next_run_at"], name="tasktemplate_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(month_day__isnull=True) | Q(month_day__gte=1, month_day__lte=31),
                name="tasktemplate_month_day",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SavedFilter(models.Model):
    """A person's named filter of the task lists (the query string of the list page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_filters")
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="savedfilter_unique")]

    def __str__(self) -> str:
        return self.name


class PlanColumn(models.Model):
    """A column of a person's "my plan" board."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_columns")
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["user", "position", "id"]

    def __str__(self) -> str:
        return self.name


class PlanCard(models.Model):
    """Where one task sits on a person's "my plan" board."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="plan_cards")
    column = models.ForeignKey(PlanColumn, on_delete=models.CASCADE, related_name="cards")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["column", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "task"], name="plancard_unique")]
        indexes = [models.Index(fields=["column", "position"], name="plancard_column_position")]

    def __str__(self) -> str:
        return f"{self.task_id} in {self.column_id}"
