"""Tasks API: the task collection (/api/v1/tasks/): list with the one FilterSet, create, read, change,
delete, status actions, move, reschedule, members, tags, bulk changes, subtasks and history.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from portal.core.api.pagination import StandardPagination

from .. import selectors, services
from ..choices import DependantsPolicy
from ..filters import TaskFilterSet
from ..models import Tag, Task
from .pagination import SubtaskPagination, TaskCursorPagination
from .serializers.checklists import (
    ChecklistItemCreateSerializer,
    ChecklistItemSerializer,
    ChecklistReorderSerializer,
)
from .serializers.comments import TaskCommentSerializer, TaskCommentWriteSerializer
from .serializers.files import TaskFileSerializer, TaskFileUploadSerializer
from .serializers.tasks import (
    BulkResultSerializer,
    BulkSerializer,
    HistorySerializer,
    MembersSerializer,
    MoveSerializer,
    RescheduleSerializer,
    TaskCreateSerializer,
    TaskDetailSerializer,
    TaskRescheduledSerializer,
    TaskSerializer,
    TaskTagsSerializer,
    TaskUpdateSerializer,
    TransitionSerializer,
    task_list_data,
)

# The schema of `?tag=1,2`: the FilterSet reads the ids in a method, so name their type for the docs.
extend_schema_field(OpenApiTypes.INT)(TaskFilterSet.base_filters["tag"])


def _resolve_tags(actor, refs) -> list[Tag]:
    """Tags given as objects (ids already checked) or names (found or made among the actor's own tags)."""
    tags = [r for r in refs if isinstance(r, Tag)]
    names = [r for r in refs if isinstance(r, str)]
    if names:
        tags += [t for t in services.tags_resolve(actor=actor, names=names) if t not in tags]
    return tags


# --- tasks -------------------------------------------------------------------------------------------

TASK_CREATE_EXAMPLE = OpenApiExample(
    "A task with a deadline, a helper and a checklist",
    request_only=True,
    value={
        "title": "Prepare the quarterly report",
        "description": "Numbers from **sales** and *support*.",
        "responsible": 12,
        "participants": [15],
        "observers": [3],
        "deadline": "2026-04-03T17:00:00+02:00",
        "priority": "high",
        "group": 4,
        "tags": [7, "reports"],
        "checklist": ["Collect the numbers", "Draft", "Review"],
        "requires_control": True,
    },
)
SUBTASK_EXAMPLE = OpenApiExample(
    "A subtask", request_only=True, value={"title": "Collect the numbers", "responsible": 15, "parent": 101}
)
TRANSITION_EXAMPLES = [
    OpenApiExample("Start working", request_only=True, value={"action": "start"}),
    OpenApiExample(
        "Complete, closing the open subtasks too",
        request_only=True,
        value={"action": "complete", "open_subtasks": "complete"},
    ),
    OpenApiExample(
        "Complete although checklist items are open",
        request_only=True,
        value={"action": "complete", "confirm_checklist": True},
    ),
    OpenApiExample(
        "Return to work after control",
        request_only=True,
        value={"action": "return", "comment": "The totals do not add up, please check page 3."},
    ),
    OpenApiExample(
        "Open subtasks: the client has to ask",
        response_only=True,
        status_codes=["400"],
        value={
            "error": {
                "status": 400,
                "code": "invalid",
                "message": "The request has invalid fields.",
                "fields": {
                    "open_subtasks": ["The task has 2 open subtasks: complete them too or keep them?"]
                },
            }
        },
    ),
]
RESCHEDULE_EXAMPLES = [
    OpenApiExample(
        "Move the plan by a week and shift what depends on it",
        request_only=True,
        value={
            "planned_start": "2026-04-06T09:00:00+02:00",
            "planned_end": "2026-04-10T18:00:00+02:00",
            "dependants": "shift",
        },
    ),
    OpenApiExample(
        "A new deadline, only flag the linked tasks it now conflicts with",
        request_only=True,
        value={"deadline": "2026-04-17T17:00:00+02:00", "dependants": "flag"},
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary="Tasks the caller may see, filtered like the list pages (keyset cursor)",
        description="Filters: `role` (do, help, set, observe), `status` (repeat for several), `overdue`, "
        "`tag=1,2` (tasks carrying all of them), `q`, dates, people, group, `parent`, `top_level`; "
        "`sort` picks the order (default newest first); every order pages with a stable cursor.",
    ),
    retrieve=extend_schema(
        summary="One task with its people, tags, numbers, the caller's permissions and available actions"
    ),
    create=extend_schema(
        summary="Create a task (a subtask when `parent` is given)",
        request=TaskCreateSerializer,
        responses={201: TaskDetailSerializer},
        examples=[TASK_CREATE_EXAMPLE, SUBTASK_EXAMPLE],
    ),
    update=extend_schema(
        summary="Change a task (creator, admins; the responsible person: the deadline when allowed)",
        request=TaskUpdateSerializer,
        responses=TaskRescheduledSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some of a task's fields",
        request=TaskUpdateSerializer,
        responses=TaskRescheduledSerializer,
    ),
    destroy=extend_schema(summary="Delete a task and its subtasks (creator, admins)", responses={204: None}),
)
class TaskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Tasks with their status actions, hierarchy, schedule, people, tags, checklist, comments and files."""

    serializer_class = TaskSerializer
    pagination_class = TaskCursorPagination
    # The FilterSet is applied by the selector (`task_list`); the backend is here so the schema lists it.
    filter_backends = [DjangoFilterBackend]
    filterset_class = TaskFilterSet
    lookup_value_regex = r"\d+"
    queryset = Task.objects.none()  # names the model for the schema; reads go through the selectors

    def get_queryset(self):
        return selectors.task_list(user=self.request.user)

    def _task(self) -> Task:
        """The task of a write or nested action: 404 when hidden or missing."""
        return selectors.task_get_plain(user=self.request.user, pk=self.kwargs["pk"])

    def _out(self, task: Task, code=status.HTTP_200_OK, *, flagged=None) -> Response:
        """The task as it is now; after a change of dates (`flagged` given), with the dependants only
        flagged for want of the right."""
        fresh = selectors.task_get(user=self.request.user, pk=task.pk)
        context = self.get_serializer_context()
        if flagged is None:
            return Response(TaskDetailSerializer(fresh, context=context).data, status=code)
        context["dependants_flagged"] = flagged
        return Response(TaskRescheduledSerializer(fresh, context=context).data, status=code)

    def _paginated(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def _paginated_rows(self, rows):
        """A page of task rows (`selectors.task_list_rows`) as TaskSerializer's JSON, built by the light
        `task_list_data`: one query for the page, one for its people, one for its visible tags."""
        page = self.paginate_queryset(rows)
        data = task_list_data(
            page,
            people=selectors.task_row_people(page),
            tags=selectors.task_row_tags(page, user=self.request.user),
        )
        return self.get_paginated_response(data)

    def list(self, request, *args, **kwargs):
        # The request's one FilterSet: validated here, then applied by the selector.
        user = request.user
        queryset = Task.objects.visible_in_role(user, request.query_params.get("role"))
        filterset = TaskFilterSet(request.query_params, queryset=queryset, user=user)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return self._paginated_rows(selectors.task_list_rows(user=user, filterset=filterset))

    def retrieve(self, request, *args, **kwargs):
        task = selectors.task_get(user=request.user, pk=kwargs["pk"])
        return Response(TaskDetailSerializer(task, context=self.get_serializer_context()).data)

    def create(self, request, *args, **kwargs):
        data = TaskCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        with transaction.atomic():  # names made into tags go away again when the task is refused
            fields["tags"] = _resolve_tags(request.user, fields["tags"])
            task = services.task_create(actor=request.user, **fields)
        return self._out(task, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        task = self._task()
        data = TaskUpdateSerializer(
            data=request.data, partial=kwargs.pop("partial", False), context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        dependants = fields.pop("dependants", None) or DependantsPolicy.SHIFT
        services.task_update(actor=request.user, task=task, dependants=dependants, **fields)
        return self._out(task, flagged=getattr(task, "dependants_flagged", []))

    def destroy(self, request, *args, **kwargs):
        services.task_delete(actor=request.user, task=self._task())
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- status, hierarchy, schedule -----------------------------------------------------------------

    @extend_schema(
        summary="Take a status action: accept, start, pause, complete, approve, return, defer, decline, renew",
        description="`return` needs a comment; `decline` takes the reason as the comment. Closing a task with "
        "open subtasks needs `open_subtasks`; with open checklist items `confirm_checklist` (refused anyway when "
        "the task has `checklist_required`).",
        request=TransitionSerializer,
        responses=TaskDetailSerializer,
        examples=TRANSITION_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        task = self._task()
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.task_transition(actor=request.user, task=task, **data.validated_data)
        return self._out(task)

    @extend_schema(
        summary="Move a task under another parent, or to the top (no cycles)",
        request=MoveSerializer,
        responses=TaskDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        task = self._task()
        data = MoveSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.task_move(actor=request.user, task=task, parent=data.validated_data["parent"])
        return self._out(task)

    @extend_schema(
        summary="Change the planned dates or deadline; linked tasks are shifted or only flagged",
        description="A dependent task shifts only when the caller may reschedule it (see it, plan it, change "
        "its deadline when it has one); the others are only flagged as in conflict and listed in "
        "`dependants_flagged`.",
        request=RescheduleSerializer,
        responses=TaskRescheduledSerializer,
        examples=RESCHEDULE_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        task = self._task()
        data = RescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.task_reschedule(actor=request.user, task=task, **data.validated_data)
        return self._out(task, flagged=result.flagged)

    @extend_schema(
        summary="Set the participants and observers (a list left out stays)",
        request=MembersSerializer,
        responses=TaskDetailSerializer,
    )
    @action(detail=True, methods=["put"])
    def members(self, request, pk=None):
        task = self._task()
        data = MembersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.task_set_members(
            actor=request.user,
            task=task,
            participants=data.validated_data.get("participants"),
            observers=data.validated_data.get("observers"),
        )
        return self._out(task)

    @extend_schema(
        summary="Set the task's tags (ids of the caller's tags, or names: new names make personal tags)",
        request=TaskTagsSerializer,
        responses=TaskDetailSerializer,
    )
    @action(detail=True, methods=["put"])
    def tags(self, request, pk=None):
        task = self._task()
        data = TaskTagsSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            tags = _resolve_tags(request.user, data.validated_data["tags"])
            services.task_set_tags(actor=request.user, task=task, tags=tags)
        return self._out(task)

    @extend_schema(
        summary="Change many tasks at once: responsible, deadline, status, tags",
        description="Tasks the caller may not see or change are skipped, each with the reason.",
        request=BulkSerializer,
        responses=BulkResultSerializer,
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        data = BulkSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        ids = list(dict.fromkeys(fields.pop("tasks")))
        tasks = Task.objects.visible_to(request.user).in_bulk(ids)
        changes = {k: fields[k] for k in ("responsible", "deadline", "status") if k in fields}
        result = services.tasks_bulk_update(
            actor=request.user,
            tasks=[tasks[i] for i in ids if i in tasks],
            add_tags=fields["add_tags"],
            remove_tags=fields["remove_tags"],
            **changes,
        )
        skipped = {**{i: _("not found") for i in ids if i not in tasks}, **result.skipped}
        body = {"done": list(result.done), "skipped": {str(k): str(v) for k, v in skipped.items()}}
        return Response(BulkResultSerializer(body).data)

    @extend_schema(
        summary="Mark the task's comments as seen by the caller", request=None, responses={204: None}
    )
    @action(detail=True, methods=["post"])
    def seen(self, request, pk=None):
        services.task_mark_seen(user=request.user, task=self._task())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Direct subtasks the caller may see, oldest first (keyset cursor)",
        responses=TaskSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=SubtaskPagination, filter_backends=[])
    def subtasks(self, request, pk=None):
        subtasks = selectors.subtask_list(user=request.user, task=self._task())
        return self._paginated_rows(selectors.task_list_rows(user=request.user, queryset=subtasks))

    @extend_schema(
        summary="The task's change history, newest first (the last 200 changes)",
        description='Another task the caller may not see is named only as `{"id": .., "visible": false}`; '
        "tags the caller may not see (someone else's personal tags) are left out.",
        responses=HistorySerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        rows = selectors.task_history(task=self._task(), user=request.user)
        return Response(HistorySerializer(rows, many=True).data)

    # --- checklist -----------------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="The task's checklist, in order",
        responses=ChecklistItemSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a checklist item (the task's people)",
        request=ChecklistItemCreateSerializer,
        responses={201: ChecklistItemSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=StandardPagination,
        filter_backends=[],
        url_name="checklist",
    )
    def checklist(self, request, pk=None):
        task = self._task()
        if request.method in SAFE_METHODS:  # HEAD reads too
            return self._paginated(selectors.checklist_items(task=task), ChecklistItemSerializer)
        data = ChecklistItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.checklist_item_add(actor=request.user, task=task, **data.validated_data)
        item = selectors.checklist_item_get(user=request.user, pk=item.pk)
        return Response(ChecklistItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Put the checklist in a new order (every item id, in order)",
        request=ChecklistReorderSerializer,
        responses=ChecklistItemSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="checklist/reorder",
        url_name="checklist-reorder",
        pagination_class=None,
        filter_backends=[],
    )
    def checklist_reorder(self, request, pk=None):
        task = self._task()
        data = ChecklistReorderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.checklist_reorder(actor=request.user, task=task, item_ids=data.validated_data["items"])
        return Response(ChecklistItemSerializer(selectors.checklist_items(task=task), many=True).data)

    # --- comments ------------------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="The task's comments, oldest first",
        responses=TaskCommentSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Comment on the task (mentions notify the people named)",
        request=TaskCommentWriteSerializer,
        responses={201: TaskCommentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=StandardPagination,
        filter_backends=[],
        url_name="comments",
    )
    def comments(self, request, pk=None):
        task = self._task()
        if request.method in SAFE_METHODS:  # HEAD reads too
            return self._paginated(selectors.comment_list(task=task), TaskCommentSerializer)
        data = TaskCommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_add(actor=request.user, task=task, body=data.validated_data["body"])
        return Response(TaskCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    # --- files ---------------------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"], summary="The task's files, newest first", responses=TaskFileSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="Attach a file (the task's people; size limited)",
        request={"multipart/form-data": TaskFileUploadSerializer},
        responses={201: TaskFileSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=StandardPagination,
        filter_backends=[],
        url_name="files",
    )
    def files(self, request, pk=None):
        task = self._task()
        if request.method in SAFE_METHODS:  # HEAD reads too
            return self._paginated(selectors.file_list(task=task), TaskFileSerializer)
        data = TaskFileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task_file = services.file_attach(actor=request.user, task=task, upload=data.validated_data["file"])
        body = TaskFileSerializer(task_file, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)
