"""Project register API under /api/v1/strategy/: projects with their goals and weights, owner, dates, status,
progress and open/overdue tasks and the last status note (the page's FilterSet), a project's status notes and
writing this week's; and the orphan-work figures."""

from __future__ import annotations

import datetime

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.groups.models import Workgroup

from ..choices import Rag
from ..filters.projects import ProjectFilterSet
from ..models import ProjectStatusNote
from ..selectors import orphans as orphan_selectors
from ..selectors import projects as selectors
from ..services import projects as services


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectStatusNote
        fields = ["id", "project", "author", "week", "rag", "text", "created_at"]
        read_only_fields = ["id", "project", "author", "week", "created_at"]

    rag = serializers.ChoiceField(choices=Rag.choices)


class ProjectGoalSerializer(serializers.Serializer):
    goal = serializers.IntegerField(source="goal_id")
    title = serializers.CharField(source="goal.title")
    weight = serializers.DecimalField(max_digits=6, decimal_places=2)


class ProjectRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="project.pk")
    name = serializers.CharField(source="project.name")
    department = serializers.IntegerField(source="project.department_id", allow_null=True)
    owner = serializers.IntegerField(source="owner.pk", allow_null=True, default=None)
    start_date = serializers.DateField(source="project.start_date", allow_null=True)
    end_date = serializers.DateField(source="project.end_date", allow_null=True)
    status = serializers.CharField()
    progress = serializers.IntegerField()
    open_tasks = serializers.IntegerField(source="stats.open")
    overdue_tasks = serializers.IntegerField(source="stats.overdue")
    goals = ProjectGoalSerializer(many=True)
    last_note_rag = serializers.CharField(source="project.note_rag", allow_null=True)
    last_note_text = serializers.CharField(source="project.note_text", allow_null=True)
    last_note_week = serializers.DateField(source="project.note_week", allow_null=True)


@extend_schema_view(list=extend_schema(summary="The project register (filters: goal, department, status, q)"))
class ProjectViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ProjectRowSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilterSet
    lookup_value_regex = r"\d+"
    queryset = Workgroup.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Workgroup.objects.none()
        return selectors.project_queryset(user=self.request.user).order_by("end_date", "name", "id")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = selectors.project_rows(list(page if page is not None else queryset))
        data = ProjectRowSerializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        methods=["GET"],
        summary="The project's status notes, newest first",
        responses=NoteSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"], summary="This week's status (the project's owner)", request=NoteSerializer,
        responses={201: NoteSerializer},
    )  # fmt: skip
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def notes(self, request, pk=None):
        project = services.project_visible(user=request.user, project_id=pk)
        if request.method == "POST":
            data = NoteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            note = services.project_status_note_add(
                actor=request.user, project=project, **data.validated_data
            )
            return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        return Response(
            NoteSerializer(selectors.project_notes(user=request.user, project=project), many=True).data
        )


class OrphanRowSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk", allow_null=True)
    closed = serializers.IntegerField(source="work.closed")
    closed_without_goal = serializers.IntegerField(source="work.closed_untraced")
    closed_share = serializers.IntegerField(
        allow_null=True, help_text="% of the closed tasks serving no goal"
    )
    seconds = serializers.IntegerField(source="work.seconds")
    seconds_without_goal = serializers.IntegerField(source="work.seconds_untraced")
    time_share = serializers.IntegerField(allow_null=True)


class OrphanWorkSerializer(serializers.Serializer):
    department = serializers.IntegerField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField()
    total = OrphanRowSerializer()
    people = OrphanRowSerializer(many=True)


class OrphanWorkView(APIView):
    """Orphan work of a department (the caller heads it, or a strategy manager) or of the caller alone."""

    serializer_class = OrphanWorkSerializer

    @extend_schema(
        summary="Orphan work per person: tasks closed and time logged serving no goal",
        parameters=[
            OpenApiParameter("department", int, required=False),
            OpenApiParameter("start", datetime.date, required=False),
            OpenApiParameter("end", datetime.date, required=False),
        ],
        responses=OrphanWorkSerializer,
    )
    def get(self, request):
        start, end = orphan_selectors.period_from(request.GET)
        department = orphan_selectors.orphan_department(
            user=request.user, department_id=request.GET.get("department")
        )
        rows, total = orphan_selectors.orphan_rows(
            user=request.user, department=department, start=start, end=end
        )
        data = {
            "department": department.pk if department is not None else None,
            "start": start,
            "end": end,
            "total": orphan_selectors.OrphanRow(None, total),
            "people": rows,
        }
        return Response(OrphanWorkSerializer(data).data)


def register(router) -> None:
    router.register("projects", ProjectViewSet, basename="strategy-project")


def _urls():
    from django.urls import path

    return [path("orphan-work/", OrphanWorkView.as_view(), name="strategy-orphan-work")]


urls: list = _urls()
