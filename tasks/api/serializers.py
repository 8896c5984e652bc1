"""Serializers of the tasks API. Output serializers read what the selectors loaded (no per-row queries);
input serializers only parse shapes and resolve ids among the objects the caller may see. The services
check who may act and validate the rules; their ValidationError becomes the API's JSON error."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.groups.models import Membership, Workgroup
from portal.people.api.serializers import PersonRefSerializer
from portal.stream import mentions

from .. import selectors
from ..choices import DependantsPolicy, LinkKind, MemberRole, OpenSubtasksPolicy, TaskPriority, TaskStatus
from ..markdown import render_markdown
from ..models import ChecklistItem, Tag, Task, TaskComment, TaskFile, TaskLink, TimeEntry
from ..permissions import TRANSITIONS
from ..services.time import MAX_ENTRY_SECONDS
from ..services.validation import ESTIMATE_MAX

User = get_user_model()

# The status actions of `services.task_transition` (fixed names, see the issue), in the services' order.
TRANSITION_ACTIONS = tuple(TRANSITIONS)


# --- what the caller may see of tags -----------------------------------------------------------------


@dataclass(frozen=True)
class TagScope:
    """Which tags the caller may see on a task: their own and their groups' (admins: all). Mirrors
    `Tag.objects.visible_to` for tags already loaded with the task, so that another person's personal tags
    never show."""

    user_id: int | None
    group_ids: frozenset[int]
    everything: bool = False

    @classmethod
    def of(cls, user) -> TagScope:
        if not (user and user.is_authenticated and user.is_active):
            return cls(None, frozenset())
        if user.is_staff or user.is_superuser:
            return cls(user.pk, frozenset(), everything=True)
        groups = Membership.objects.filter(user=user).values_list("group_id", flat=True)
        return cls(user.pk, frozenset(groups))

    def allows(self, tag: Tag) -> bool:
        return self.everything or tag.owner_id == self.user_id or tag.group_id in self.group_ids


# --- small shapes ------------------------------------------------------------------------------------


class GroupRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class TaskRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)


class ParentRefSerializer(serializers.Serializer):
    """The parent task. One the caller may not see is named only by its id (`visible` false, no title or
    status), like the task list, which gives only the parent's id."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True, allow_null=True)
    visible = serializers.BooleanField(read_only=True)


class TagSerializer(serializers.ModelSerializer):
    """A tag: personal (`owner` is set) or shared within a workgroup (`group` is set)."""

    group = GroupRefSerializer(read_only=True, allow_null=True)
    is_shared = serializers.SerializerMethodField()

    class Meta:
        model = Tag
        fields = ["id", "name", "owner", "group", "is_shared", "created_at"]
        read_only_fields = fields

    def get_is_shared(self, tag: Tag) -> bool:
        return tag.group_id is not None


class TaskTagRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    group = serializers.IntegerField(source="group_id", read_only=True, allow_null=True)


class TaskPermissionsSerializer(serializers.Serializer):
    """What the caller may do with the task (the same predicates as the task page's buttons)."""

    see = serializers.BooleanField()
    edit = serializers.BooleanField()
    change_status = serializers.BooleanField()
    change_deadline = serializers.BooleanField()
    participate = serializers.BooleanField()
    comment = serializers.BooleanField()
    control = serializers.BooleanField()


# --- tasks -------------------------------------------------------------------------------------------


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


class _VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """An id among the objects the caller may see; hidden and missing read alike ("does not exist")."""

    model: type = None  # type: ignore[assignment]

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", self.model.objects.all())  # names the model for the schema
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user)


class VisibleTaskField(_VisibleRelatedField):
    model = Task


class VisibleGroupField(_VisibleRelatedField):
    """A workgroup the caller may see; the services decide whether they may put tasks or tags in it."""

    model = Workgroup


class VisibleTagField(_VisibleRelatedField):
    model = Tag


class ActivePersonField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        super().__init__(**kwargs)


class PeopleField(serializers.ListField):
    """A list of active people's ids, read in one query and kept in the order given (duplicates dropped)."""

    child = serializers.IntegerField(min_value=1)
    default_error_messages = {"unknown": _("No active person has the id(s) {ids}.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        ids = list(dict.fromkeys(super().to_internal_value(data)))
        found = User.objects.filter(is_active=True).in_bulk(ids)
        missing = [i for i in ids if i not in found]
        if missing:
            self.fail("unknown", ids=", ".join(map(str, missing)))
        return [found[i] for i in ids]


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 60}]})
class TagRefField(serializers.Field):
    """A tag given by id (one of the caller's tags) or by name (found or made by `services.tags_resolve`)."""

    default_error_messages = {
        "invalid": _("A tag is an id or a name."),
        "blank": _("A tag name cannot be empty."),
        "too_long": _("A tag name has at most 60 characters."),
        "null_characters": _("Null characters are not allowed."),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, int):
            return data
        name = data.strip()
        if not name:
            self.fail("blank")
        if "\x00" in name:  # as DRF's CharField: the database cannot even look such a name up
            self.fail("null_characters")
        if len(name) > 60:
            self.fail("too_long")
        return name

    def to_representation(self, value):
        return value


class TagListField(serializers.ListField):
    """Tags by id or name: ids must be among the caller's tags; names are resolved by the service later."""

    child = TagRefField()
    default_error_messages = {"unknown": _("You have no tag with the id(s) {ids}.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        refs = list(dict.fromkeys(super().to_internal_value(data)))
        ids = [r for r in refs if isinstance(r, int)]
        found = Tag.objects.visible_to(self.context["request"].user).in_bulk(ids) if ids else {}
        missing = [i for i in ids if i not in found]
        if missing:
            self.fail("unknown", ids=", ".join(map(str, missing)))
        return [found[r] if isinstance(r, int) else r for r in refs]


class TagIdsField(TagListField):
    """Tags by id only (bulk changes do not make tags)."""

    child = serializers.IntegerField(min_value=1)


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


# --- links -------------------------------------------------------------------------------------------


class TaskLinkSerializer(serializers.ModelSerializer):
    predecessor = TaskRefSerializer(read_only=True)
    successor = TaskRefSerializer(read_only=True)

    class Meta:
        model = TaskLink
        fields = ["id", "predecessor", "successor", "kind", "created_by", "created_at"]
        read_only_fields = fields


class TaskLinkCreateSerializer(serializers.Serializer):
    predecessor = VisibleTaskField()
    successor = VisibleTaskField()
    kind = serializers.ChoiceField(choices=LinkKind.choices, default=LinkKind.FINISH_TO_START)


# --- checklist ---------------------------------------------------------------------------------------


class ChecklistItemSerializer(serializers.ModelSerializer):
    assignee = PersonRefSerializer(read_only=True, allow_null=True)
    done_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "task", "text", "position", "is_done", "assignee", "done_by", "done_at"]
        read_only_fields = fields


class ChecklistItemCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    assignee = ActivePersonField(required=False, allow_null=True, default=None)


class ChecklistItemUpdateSerializer(serializers.Serializer):
    """Only the fields sent change; `is_done` ticks or unticks the item."""

    text = serializers.CharField(max_length=500, required=False)
    assignee = ActivePersonField(required=False, allow_null=True)
    is_done = serializers.BooleanField(required=False)


class ChecklistReorderSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        help_text="Every item id of the checklist, in the new order.",
    )


# --- comments ----------------------------------------------------------------------------------------


class TaskCommentSerializer(serializers.ModelSerializer):
    author = PersonRefSerializer(read_only=True)
    text = serializers.SerializerMethodField(help_text="The body with mentions as @Name.")

    class Meta:
        model = TaskComment
        fields = ["id", "task", "author", "body", "text", "created_at", "edited_at"]
        read_only_fields = fields

    def get_text(self, comment: TaskComment) -> str:
        return mentions.plain(comment.body)


class TaskCommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(
        trim_whitespace=False, max_length=20000, help_text="Mentions: @[Name](user:ID)"
    )


# --- files -------------------------------------------------------------------------------------------


class TaskFileSerializer(serializers.ModelSerializer):
    uploaded_by = PersonRefSerializer(read_only=True, allow_null=True)
    # The API keeps its field name; the model's is the attachments' `created_at`.
    uploaded_at = serializers.DateTimeField(source="created_at", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = TaskFile
        fields = ["id", "task", "name", "size", "content_type", "uploaded_by", "uploaded_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, task_file: TaskFile) -> str:
        url = reverse("task-file-download", args=[task_file.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class TaskFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


# --- time --------------------------------------------------------------------------------------------


class TimeEntrySerializer(serializers.ModelSerializer):
    user = PersonRefSerializer(read_only=True)
    task = TaskRefSerializer(read_only=True)
    is_running = serializers.SerializerMethodField()

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "task",
            "user",
            "started_at",
            "ended_at",
            "seconds",
            "source",
            "comment",
            "is_running",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_running(self, entry: TimeEntry) -> bool:
        return entry.ended_at is None


class TimeEntryCreateSerializer(serializers.Serializer):
    task = VisibleTaskField()
    seconds = serializers.IntegerField(min_value=1, max_value=MAX_ENTRY_SECONDS)
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class TimeEntryUpdateSerializer(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=1, max_value=MAX_ENTRY_SECONDS, required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TimeEntryQuerySerializer(serializers.Serializer):
    """Filters of the time entry list: one task, one person, a period of start dates."""

    task = serializers.IntegerField(required=False, min_value=1)
    user = serializers.IntegerField(required=False, min_value=1)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": [_("The period ends before it starts.")]})
        return attrs


class TimerStartSerializer(serializers.Serializer):
    task = VisibleTaskField()


class TimerStateSerializer(serializers.Serializer):
    running = serializers.BooleanField()
    entry = TimeEntrySerializer(allow_null=True)


# --- tags --------------------------------------------------------------------------------------------


class TagCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    group = VisibleGroupField(
        required=False, allow_null=True, default=None, help_text="Share the tag within this workgroup."
    )


class TagRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)


class TagMergeSerializer(serializers.Serializer):
    into = VisibleTagField(help_text="The tag that stays; the merged tag's tasks move to it.")
