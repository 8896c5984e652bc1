"""Serializers of the tasks API's task endpoints: the task in lists and alone, its creation, changes,
status actions, moves, dates, members, tags, bulk changes and history."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.people.api.serializers import PersonRefSerializer

from ... import selectors
from ...choices import (
    CLOSED_STATUSES,
    HANDED_IN_STATUSES,
    DependantsPolicy,
    MemberRole,
    OpenSubtasksPolicy,
    TaskPriority,
    TaskStatus,
)
from ...markdown import render_markdown
from ...models import Task
from ...permissions import TRANSITIONS
from ...services.validation import ESTIMATE_MAX
from .fields import (
    ActivePersonField,
    GroupRefSerializer,
    PeopleField,
    TagIdsField,
    TagListField,
    VisibleGroupField,
    VisibleTaskField,
)
from .tags import TagScope, TaskTagRefSerializer

# The status actions of `services.task_transition` (fixed names, see the issue), in the services' order.
TRANSITION_ACTIONS = tuple(TRANSITIONS)


class ParentRefSerializer(serializers.Serializer):
    """The parent task. One the caller may not see is named only by its id (`visible` false, no title or
    status), like the task list, which gives only the parent's id."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True, allow_null=True)
    visible = serializers.BooleanField(read_only=True)


class TaskPermissionsSerializer(serializers.Serializer):
    """What the caller may do with the task (the same predicates as the task page's buttons)."""

    see = serializers.BooleanField()
    edit = serializers.BooleanField()
    change_status = serializers.BooleanField()
    change_deadline = serializers.BooleanField()
    participate = serializers.BooleanField()
    comment = serializers.BooleanField()
    control = serializers.BooleanField()


class TaskSerializer(serializers.ModelSerializer):
    """A task as the lists show it: people, group, visible tags, dates and stored numbers."""

    creator = PersonRefSerializer(read_only=True)
    responsible = PersonRefSerializer(read_only=True)
    group = GroupRefSerializer(read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)
    is_closed = serializers.BooleanField(read_only=True)
    subtasks_progress = serializers.IntegerField(
        read_only=True, help_text="Percent of direct subtasks closed."
    )
    over_estimate = serializers.BooleanField(read_only=True)
    url = serializers.SerializerMethodField(help_text="The task's page.")

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "status",
            "priority",
            "creator",
            "responsible",
            "group",
            "parent",
            "tags",
            "deadline",
            "planned_start",
            "planned_end",
            "is_overdue",
            "is_closed",
            "schedule_conflict",
            "allow_change_deadline",
            "requires_control",
            "checklist_required",
            "deadline_in_work_hours",
            "started_at",
            "completed_at",
            "time_estimate",
            "time_spent",
            "over_estimate",
            "subtasks_count",
            "subtasks_done",
            "subtasks_progress",
            "checklist_count",
            "checklist_done",
            "comments_count",
            "files_count",
            "last_comment_at",
            "created_at",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(TaskTagRefSerializer(many=True))
    def get_tags(self, task: Task):
        scope = self.context.get("tag_scope")
        if scope is None:
            scope = self.context["tag_scope"] = TagScope.of(
                getattr(self.context.get("request"), "user", None)
            )
        tags = sorted((t for t in task.tags.all() if scope.allows(t)), key=lambda t: (t.name, t.pk))
        return TaskTagRefSerializer(tags, many=True).data

    def get_url(self, task: Task) -> str:
        return task.get_absolute_url()


_URL_MARK = 987654321987654321


def task_list_data(rows, *, people: dict[int, dict], tags: dict[int, list[dict]]) -> list[dict]:
    """TaskSerializer's JSON for list rows read as values (`selectors.task_list_rows`), built with plain
    Python: the same keys, values and formats (date-times in the active time zone, ISO 8601 with "Z" for
    UTC), at a fraction of DRF's per-field cost. `people` and `tags` come from `selectors.task_row_people`
    and `selectors.task_row_tags`. TaskSerializer stays the schema of the list."""
    zone = timezone.get_current_timezone()
    now = timezone.now()
    url_head, url_tail = reverse("tasks:detail", args=[_URL_MARK]).split(str(_URL_MARK))

    def when(value):
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    data = []
    for row in rows:
        pk, status, deadline = row["id"], row["status"], row["deadline"]
        estimate, spent = row["time_estimate"], row["time_spent"]
        count, done = row["subtasks_count"], row["subtasks_done"]
        group_id = row["group_id"]
        data.append(
            {
                "id": pk,
                "title": row["title"],
                "status": status,
                "priority": row["priority"],
                "creator": people.get(row["creator_id"]),
                "responsible": people.get(row["responsible_id"]),
                "group": None if group_id is None else {"id": group_id, "name": row["group__name"]},
                "parent": row["parent_id"],
                "tags": tags.get(pk, []),
                "deadline": when(deadline),
                "planned_start": when(row["planned_start"]),
                "planned_end": when(row["planned_end"]),
                "is_overdue": bool(deadline and status not in HANDED_IN_STATUSES and deadline < now),
                "is_closed": status in CLOSED_STATUSES,
                "schedule_conflict": row["schedule_conflict"],
                "allow_change_deadline": row["allow_change_deadline"],
                "requires_control": row["requires_control"],
                "checklist_required": row["checklist_required"],
                "deadline_in_work_hours": row["deadline_in_work_hours"],
                "started_at": when(row["started_at"]),
                "completed_at": when(row["completed_at"]),
                "time_estimate": estimate,
                "time_spent": spent,
                "over_estimate": bool(estimate and spent > estimate),
                "subtasks_count": count,
                "subtasks_done": done,
                "subtasks_progress": round(100 * done / count) if count else 0,
                "checklist_count": row["checklist_count"],
                "checklist_done": row["checklist_done"],
                "comments_count": row["comments_count"],
                "files_count": row["files_count"],
                "last_comment_at": when(row["last_comment_at"]),
                "created_at": when(row["created_at"]),
                "updated_at": when(row["updated_at"]),
                "url": f"{url_head}{pk}{url_tail}",
            }
        )
    return data


class TaskDetailSerializer(TaskSerializer):
    """One task: the list's fields plus the description (and its sanitised HTML), participants, observers,
    the caller's permissions and the status actions available to the caller."""

    description_html = serializers.SerializerMethodField(help_text="The Markdown description, sanitised.")
    parent = serializers.SerializerMethodField()
    participants = serializers.SerializerMethodField()
    observers = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text="Status actions the caller may take now.")

    class Meta(TaskSerializer.Meta):
        fields = [
            *TaskSerializer.Meta.fields,
            "description",
            "description_html",
            "participants",
            "observers",
            "became_overdue",
            "permissions",
            "actions",
        ]
        read_only_fields = fields

    def get_description_html(self, task: Task) -> str:
        return str(render_markdown(task.description))

    @extend_schema_field(ParentRefSerializer(allow_null=True))
    def get_parent(self, task: Task):
        if task.parent_id is None:
            return None
        # `task_get` marks whether the caller sees the parent; without the mark, ask (one query).
        visible = getattr(task, "parent_visible", None)
        if visible is None:
            visible = Task.objects.visible_to(self._user()).filter(pk=task.parent_id).exists()
        if not visible:
            return {"id": task.parent_id, "title": None, "status": None, "visible": False}
        parent = task.parent
        return {"id": parent.pk, "title": parent.title, "status": parent.status, "visible": True}

    def _members(self, task: Task, role: str):
        people = sorted(
            (m.user for m in task.members.all() if m.role == role), key=lambda u: (u.full_name, u.pk)
        )
        return PersonRefSerializer(people, many=True).data

    @extend_schema_field(PersonRefSerializer(many=True))
    def get_participants(self, task: Task):
        return self._members(task, MemberRole.PARTICIPANT)

    @extend_schema_field(PersonRefSerializer(many=True))
    def get_observers(self, task: Task):
        return self._members(task, MemberRole.OBSERVER)

    def _user(self):
        return self.context["request"].user

    @extend_schema_field(TaskPermissionsSerializer)
    def get_permissions(self, task: Task):
        return TaskPermissionsSerializer(selectors.task_permissions(user=self._user(), task=task)).data

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=TRANSITION_ACTIONS)))
    def get_actions(self, task: Task) -> list[str]:
        return list(selectors.available_actions(self._user(), task))


class TaskVisibleRefSerializer(serializers.Serializer):
    """Another task named to the caller: its title only when the caller may see it."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True, allow_null=True)
    visible = serializers.BooleanField(read_only=True)


class TaskRescheduledSerializer(TaskDetailSerializer):
    """The task after a change of its dates, with the dependent tasks that were only flagged as in conflict
    because the caller may not reschedule them (their titles only when the caller sees them)."""

    dependants_flagged = serializers.SerializerMethodField()

    class Meta(TaskDetailSerializer.Meta):
        fields = [*TaskDetailSerializer.Meta.fields, "dependants_flagged"]
        read_only_fields = fields

    @extend_schema_field(TaskVisibleRefSerializer(many=True))
    def get_dependants_flagged(self, task: Task):
        flagged = self.context.get("dependants_flagged") or []
        refs = selectors.task_refs(user=self._user(), tasks=flagged)
        return TaskVisibleRefSerializer(refs, many=True).data


class TaskCreateSerializer(serializers.Serializer):
    """A new task (a subtask when `parent` is given). `tags` are ids of the caller's tags or names."""

    title = serializers.CharField(max_length=250)
    description = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    responsible = ActivePersonField()
    participants = PeopleField(required=False, default=list)
    observers = PeopleField(required=False, default=list)
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    planned_start = serializers.DateTimeField(required=False, allow_null=True, default=None)
    planned_end = serializers.DateTimeField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    group = VisibleGroupField(required=False, allow_null=True, default=None)
    parent = VisibleTaskField(required=False, allow_null=True, default=None)
    tags = TagListField(required=False, default=list)
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list, max_length=200
    )
    allow_change_deadline = serializers.BooleanField(default=False)
    requires_control = serializers.BooleanField(default=False)
    checklist_required = serializers.BooleanField(
        default=False, help_text="Completing the task is refused while checklist items are open."
    )
    deadline_in_work_hours = serializers.BooleanField(default=False)
    time_estimate = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=ESTIMATE_MAX
    )


class TaskUpdateSerializer(serializers.Serializer):
    """Changing a task's fields (people, hierarchy, tags and status have their own endpoints). On PATCH only
    the fields sent change. `dependants` says what a new schedule does to linked tasks."""

    title = serializers.CharField(max_length=250)
    description = serializers.CharField(allow_blank=True, trim_whitespace=False)
    responsible = ActivePersonField()
    deadline = serializers.DateTimeField(allow_null=True)
    planned_start = serializers.DateTimeField(allow_null=True)
    planned_end = serializers.DateTimeField(allow_null=True)
    priority = serializers.ChoiceField(choices=TaskPriority.choices)
    group = VisibleGroupField(allow_null=True)
    allow_change_deadline = serializers.BooleanField()
    requires_control = serializers.BooleanField()
    checklist_required = serializers.BooleanField()
    deadline_in_work_hours = serializers.BooleanField()
    time_estimate = serializers.IntegerField(allow_null=True, min_value=0, max_value=ESTIMATE_MAX)
    dependants = serializers.ChoiceField(
        choices=DependantsPolicy.choices, required=False, default=DependantsPolicy.SHIFT, write_only=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not kwargs.get("partial"):
            # A PUT replaces the task's fields: the title and responsible person are required, the rest
            # keep their values when left out.
            for name, field in self.fields.items():
                if name not in ("title", "responsible"):
                    field.required = False


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=TRANSITION_ACTIONS)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    open_subtasks = serializers.ChoiceField(
        choices=OpenSubtasksPolicy.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Closing a task with open subtasks: complete them too, or keep them open. Left out while "
        "there are open subtasks, the answer is 400 with the field `open_subtasks`, so the client can ask.",
    )
    confirm_checklist = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Completing a task with open checklist items: true completes it anyway. Left out while "
        "items are open, the answer is 400 with the field `open_checklist`, so the client can ask. A task "
        "with `checklist_required` is never completed with open items (400 with the field `checklist`).",
    )


class MoveSerializer(serializers.Serializer):
    parent = VisibleTaskField(allow_null=True, help_text="The new parent task; null makes it a top task.")


class RescheduleSerializer(serializers.Serializer):
    """New dates; only the fields sent change."""

    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_end = serializers.DateTimeField(required=False, allow_null=True)
    deadline = serializers.DateTimeField(required=False, allow_null=True)
    dependants = serializers.ChoiceField(choices=DependantsPolicy.choices, default=DependantsPolicy.SHIFT)


class MembersSerializer(serializers.Serializer):
    """The whole lists of participants and observers (a list left out stays as it is)."""

    participants = PeopleField(required=False)
    observers = PeopleField(required=False)


class TaskTagsSerializer(serializers.Serializer):
    tags = TagListField(help_text="The task's tags: ids of the caller's tags, or names.")


class BulkSerializer(serializers.Serializer):
    """One change applied to many tasks; tasks the caller may not change are skipped with a reason."""

    tasks = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=500)
    responsible = ActivePersonField(required=False)
    deadline = serializers.DateTimeField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    add_tags = TagIdsField(required=False, default=list)
    remove_tags = TagIdsField(required=False, default=list)


class BulkResultSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.DictField(child=serializers.CharField(), help_text="Task id -> why it was skipped.")


class HistorySerializer(serializers.Serializer):
    """One row of the task's change history (who, when, what, old and new values)."""

    id = serializers.IntegerField()
    action = serializers.CharField()
    actor = PersonRefSerializer(allow_null=True)
    changes = serializers.JSONField()
    created_at = serializers.DateTimeField()
