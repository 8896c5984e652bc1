"""The tasks API: the same selectors, services, FilterSet and permissions as the pages.

Tasks the caller may not see answer 404 (and so does everything hanging off them: checklist items,
comments, files, links, time entries); an action on a visible task without the right answers 403 (the
services decide). The task list and the time entries are keyset-paginated (`?cursor=`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.core.api.pagination import StandardPagination
from portal.core.attachments import file_response

from .. import selectors, services
from ..choices import DependantsPolicy
from ..filters import TaskFilterSet
from ..models import ChecklistItem, Tag, Task, TaskComment, TaskFile, TaskLink, TimeEntry
from .pagination import KeysetPagination, SubtaskPagination, TaskCursorPagination, TimeEntryPagination
from .serializers import (
    BulkResultSerializer,
    BulkSerializer,
    ChecklistItemCreateSerializer,
    ChecklistItemSerializer,
    ChecklistItemUpdateSerializer,
    ChecklistReorderSerializer,
    HistorySerializer,
    MembersSerializer,
    MoveSerializer,
    RescheduleSerializer,
    TagCreateSerializer,
    TagMergeSerializer,
    TagRenameSerializer,
    TagSerializer,
    TaskCommentSerializer,
    TaskCommentWriteSerializer,
    TaskCreateSerializer,
    TaskDetailSerializer,
    TaskFileSerializer,
    TaskFileUploadSerializer,
    TaskLinkCreateSerializer,
    TaskLinkSerializer,
    TaskRescheduledSerializer,
    TaskSerializer,
    TaskTagsSerializer,
    TaskUpdateSerializer,
    TimeEntryCreateSerializer,
    TimeEntryQuerySerializer,
    TimeEntrySerializer,
    TimeEntryUpdateSerializer,
    TimerStartSerializer,
    TimerStateSerializer,
    TransitionSerializer,
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

    def list(self, request, *args, **kwargs):
        filterset = TaskFilterSet(request.query_params, queryset=Task.objects.none(), user=request.user)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return self._paginated(
            selectors.task_list(user=request.user, filters=request.query_params), TaskSerializer
        )

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
        "open subtasks needs `open_subtasks`.",
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
        skipped = {**{i: "not found" for i in ids if i not in tasks}, **result.skipped}
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
        return self._paginated(selectors.subtask_list(user=request.user, task=self._task()), TaskSerializer)

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


# --- checklist items, comments and files by id --------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(summary="One checklist item"),
    partial_update=extend_schema(
        summary="Change an item's text or assignee, or tick it (`is_done`)",
        request=ChecklistItemUpdateSerializer,
        responses=ChecklistItemSerializer,
    ),
    destroy=extend_schema(summary="Delete a checklist item", responses={204: None}),
)
class ChecklistItemViewSet(
    mixins.RetrieveModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Checklist items, reached by id; listing, adding and reordering happen under their task."""

    serializer_class = ChecklistItemSerializer
    queryset = ChecklistItem.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def _item(self) -> ChecklistItem:
        return selectors.checklist_item_get(user=self.request.user, pk=self.kwargs["pk"])

    def _out(self, item: ChecklistItem) -> Response:
        item = selectors.checklist_item_get(user=self.request.user, pk=item.pk)
        return Response(ChecklistItemSerializer(item).data)

    def retrieve(self, request, *args, **kwargs):
        return self._out(self._item())

    def update(self, request, *args, **kwargs):
        item = self._item()
        data = ChecklistItemUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        done = changes.pop("is_done", None)
        with transaction.atomic():  # a text change and a tick succeed or fail together
            if changes:
                item = services.checklist_item_update(actor=request.user, item=item, **changes) or item
            if done is not None:
                item = services.checklist_item_toggle(actor=request.user, item=item, done=done) or item
        return self._out(item)

    def destroy(self, request, *args, **kwargs):
        services.checklist_item_delete(actor=request.user, item=self._item())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    retrieve=extend_schema(summary="One comment"),
    partial_update=extend_schema(
        summary="Change one's own comment",
        request=TaskCommentWriteSerializer,
        responses=TaskCommentSerializer,
    ),
    destroy=extend_schema(summary="Delete one's own comment (admins: any)", responses={204: None}),
)
class TaskCommentViewSet(
    mixins.RetrieveModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Task comments, reached by id; listing and adding happen under their task."""

    serializer_class = TaskCommentSerializer
    queryset = TaskComment.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def _comment(self) -> TaskComment:
        return selectors.comment_get(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        return Response(TaskCommentSerializer(self._comment()).data)

    def update(self, request, *args, **kwargs):
        comment = self._comment()
        data = TaskCommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_edit(actor=request.user, comment=comment, body=data.validated_data["body"])
        return Response(TaskCommentSerializer(comment).data)

    def destroy(self, request, *args, **kwargs):
        services.comment_delete(actor=request.user, comment=self._comment())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    retrieve=extend_schema(summary="One file's details"),
    destroy=extend_schema(
        summary="Delete a file (its uploader, the task's creator, admins)", responses={204: None}
    ),
)
class TaskFileViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Task files, reached by id; listing and uploading happen under their task."""

    serializer_class = TaskFileSerializer
    queryset = TaskFile.objects.none()
    lookup_value_regex = r"\d+"

    def _file(self) -> TaskFile:
        return selectors.file_get(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        return Response(TaskFileSerializer(self._file(), context=self.get_serializer_context()).data)

    def destroy(self, request, *args, **kwargs):
        services.file_delete(actor=request.user, file=self._file())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Download the file",
        # Served with the type detected at upload (application/octet-stream when it is none of the known ones).
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        task_file = self._file()
        return file_response(
            task_file.file,
            content_type=task_file.content_type,
            download_name=task_file.name,
            inline_allowed=False,
        )


# --- links -------------------------------------------------------------------------------------------


class LinkPagination(KeysetPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="Links between tasks the caller may see (both ends), newest first",
        parameters=[OpenApiParameter("task", int, description="Only the links into or out of this task.")],
    ),
    retrieve=extend_schema(summary="One link"),
    create=extend_schema(
        summary="Link two tasks (across projects too; cycles are refused)",
        request=TaskLinkCreateSerializer,
        responses={201: TaskLinkSerializer},
        examples=[
            OpenApiExample(
                "Task 102 starts when task 101 finishes",
                request_only=True,
                value={"predecessor": 101, "successor": 102, "kind": "fs"},
            )
        ],
    ),
    destroy=extend_schema(summary="Remove a link", responses={204: None}),
)
class TaskLinkViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Horizontal links (finish-to-start, start-to-start, finish-to-finish, start-to-finish)."""

    serializer_class = TaskLinkSerializer
    pagination_class = LinkPagination
    filter_backends: list = []
    queryset = TaskLink.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.link_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        links = selectors.link_list(user=request.user)
        task_id = request.query_params.get("task")
        if task_id is not None:
            if not task_id.isdecimal():  # not isdigit(): it admits "²", which no id is
                raise ValidationError({"task": [_("A task id is a number.")]})
            links = links.filter(Q(predecessor_id=task_id) | Q(successor_id=task_id))
        page = self.paginate_queryset(links)
        return self.get_paginated_response(TaskLinkSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(TaskLinkSerializer(selectors.link_get(user=request.user, pk=kwargs["pk"])).data)

    def create(self, request, *args, **kwargs):
        data = TaskLinkCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        link = services.link_create(actor=request.user, **data.validated_data)
        link = selectors.link_get(user=request.user, pk=link.pk)
        return Response(TaskLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.link_delete(actor=request.user, link=selectors.link_get(user=request.user, pk=kwargs["pk"]))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- time --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Time entries on tasks the caller may see, newest first (keyset cursor)",
        parameters=[TimeEntryQuerySerializer],
    ),
    retrieve=extend_schema(summary="One time entry"),
    create=extend_schema(
        summary="Log time on a task by hand (the task's people)",
        request=TimeEntryCreateSerializer,
        responses={201: TimeEntrySerializer},
        examples=[
            OpenApiExample(
                "An hour and a half yesterday afternoon",
                request_only=True,
                value={
                    "task": 101,
                    "seconds": 5400,
                    "started_at": "2026-04-02T14:00:00+02:00",
                    "comment": "Call with the client",
                },
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change one's own entry's duration or comment",
        request=TimeEntryUpdateSerializer,
        responses=TimeEntrySerializer,
    ),
    destroy=extend_schema(summary="Delete one's own time entry", responses={204: None}),
)
class TimeEntryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Time spent on tasks: stopped timers and manual entries."""

    serializer_class = TimeEntrySerializer
    pagination_class = TimeEntryPagination
    filter_backends: list = []
    queryset = TimeEntry.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.time_entry_list(user=self.request.user)

    def _entry(self) -> TimeEntry:
        return selectors.time_entry_get(user=self.request.user, pk=self.kwargs["pk"])

    def _out(self, entry: TimeEntry, code=status.HTTP_200_OK) -> Response:
        entry = selectors.time_entry_get(user=self.request.user, pk=entry.pk)
        return Response(TimeEntrySerializer(entry).data, status=code)

    def list(self, request, *args, **kwargs):
        query = TimeEntryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        task = None
        if "task" in filters:
            task = selectors.task_get_plain(user=request.user, pk=filters["task"])
        entries = selectors.time_entry_list(user=request.user, task=task)
        if "user" in filters:
            entries = entries.filter(user_id=filters["user"])
        if "date_from" in filters:
            entries = entries.filter(started_at__date__gte=filters["date_from"])
        if "date_to" in filters:
            entries = entries.filter(started_at__date__lte=filters["date_to"])
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(TimeEntrySerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self._out(self._entry())

    def create(self, request, *args, **kwargs):
        data = TimeEntryCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        entry = services.time_entry_add(actor=request.user, **data.validated_data)
        return self._out(entry, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        entry = self._entry()
        data = TimeEntryUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        entry = services.time_entry_update(actor=request.user, entry=entry, **data.validated_data) or entry
        return self._out(entry)

    def destroy(self, request, *args, **kwargs):
        services.time_entry_delete(actor=request.user, entry=self._entry())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _timer_state(entry: TimeEntry | None, code=status.HTTP_200_OK) -> Response:
    body = {"running": bool(entry and entry.ended_at is None), "entry": entry}
    return Response(TimerStateSerializer(body).data, status=code)


class TimerView(APIView):
    """The caller's running timer (one per person)."""

    @extend_schema(
        summary="The caller's running timer (`entry` is null when none runs)", responses=TimerStateSerializer
    )
    def get(self, request):
        return _timer_state(selectors.running_timer(user=request.user))


class TimerStartView(APIView):
    @extend_schema(
        summary="Start the timer on a task (one timer runs per person)",
        request=TimerStartSerializer,
        responses={201: TimerStateSerializer},
    )
    def post(self, request):
        data = TimerStartSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        services.timer_start(actor=request.user, task=data.validated_data["task"])
        return _timer_state(selectors.running_timer(user=request.user), status.HTTP_201_CREATED)


class TimerStopView(APIView):
    @extend_schema(
        summary="Stop the caller's running timer (`entry` is the stopped entry, with its time)",
        request=None,
        responses=TimerStateSerializer,
    )
    def post(self, request):
        entry = services.timer_stop(actor=request.user)
        if entry is not None:
            entry = selectors.time_entry_get(user=request.user, pk=entry.pk)
        return _timer_state(entry)


# --- tags --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The caller's tags and the shared tags of their groups"),
    retrieve=extend_schema(summary="One tag"),
    create=extend_schema(
        summary="Make a tag: personal, or shared within a group (its members)",
        request=TagCreateSerializer,
        responses={201: TagSerializer},
    ),
    partial_update=extend_schema(
        summary="Rename a tag", request=TagRenameSerializer, responses=TagSerializer
    ),
    destroy=extend_schema(summary="Delete a tag (it leaves every task it was on)", responses={204: None}),
)
class TagViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Task tags."""

    serializer_class = TagSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    queryset = Tag.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.tag_list(user=self.request.user)

    def _tag(self) -> Tag:
        return selectors.tag_get(user=self.request.user, pk=self.kwargs["pk"])

    def _out(self, tag: Tag, code=status.HTTP_200_OK) -> Response:
        tag = selectors.tag_get(user=self.request.user, pk=tag.pk)
        return Response(TagSerializer(tag).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._out(self._tag())

    def create(self, request, *args, **kwargs):
        data = TagCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        tag = services.tag_create(actor=request.user, **data.validated_data)
        return self._out(tag, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        tag = self._tag()
        data = TagRenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tag = services.tag_rename(actor=request.user, tag=tag, name=data.validated_data["name"]) or tag
        return self._out(tag)

    def destroy(self, request, *args, **kwargs):
        services.tag_delete(actor=request.user, tag=self._tag())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Merge this tag into another: its tasks get the other tag, and this one goes",
        request=TagMergeSerializer,
        responses=TagSerializer,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        source = self._tag()
        data = TagMergeSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        target = data.validated_data["into"]
        try:
            target = services.tag_merge(actor=request.user, source=source, target=target) or target
        except DjangoValidationError as exc:
            # The service names the tag that stays `target`; here it is the field `into`.
            if hasattr(exc, "error_dict") and "target" in exc.error_dict:
                exc.error_dict["into"] = exc.error_dict.pop("target")
            raise
        return self._out(target)
