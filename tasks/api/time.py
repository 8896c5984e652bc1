"""Tasks API: time entries (/api/v1/tasks/time-entries/) and the running timer (/api/v1/tasks/timer/)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import TimeEntry
from .pagination import TimeEntryPagination
from .serializers.time import (
    TimeEntryCreateSerializer,
    TimeEntryQuerySerializer,
    TimeEntrySerializer,
    TimeEntryUpdateSerializer,
    TimerStartSerializer,
    TimerStateSerializer,
)

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
