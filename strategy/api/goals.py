"""Goal API under /api/v1/strategy/: the goal register (the page's FilterSet), one goal, creating and changing
goals, their horizontal links, the projects that serve them, and the goal a task serves. Same rights as the
pages: hidden goals answer 404, refused writes 403, bad input 400 field by field (the one JSON error shape)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.core.errors import NotFound

from ..choices import GoalAudience, GoalHorizon, GoalLinkKind, GoalStatus, ProgressRule
from ..filters.goals import GoalFilterSet
from ..models import Goal, GoalLink, GoalProjectLink
from ..selectors import goals as selectors
from ..services import goals as services


def _people():
    return get_user_model().objects.filter(is_active=True)


class ProjectLinkSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)

    class Meta:
        model = GoalProjectLink
        fields = ["id", "goal", "project", "project_name", "weight"]
        read_only_fields = fields


class GoalSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    rag = serializers.SerializerMethodField()
    projects = ProjectLinkSerializer(source="project_links", many=True, read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id", "title", "description", "horizon", "period_start", "period_end", "owner", "department",
            "status", "weight", "parent", "progress_rule", "manual_progress", "progress", "rag", "audience",
            "tags", "projects", "created_at", "updated_at", "url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_rag(self, goal) -> str:
        return str(goal.rag())


class GoalWriteSerializer(serializers.Serializer):
    """What a client sends to create or change a goal; the audience lists apply to a restricted goal."""

    title = serializers.CharField(max_length=250)
    description = serializers.CharField(required=False, allow_blank=True)
    horizon = serializers.ChoiceField(choices=GoalHorizon.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    owner = serializers.PrimaryKeyRelatedField(queryset=_people(), required=False)
    co_owners = serializers.PrimaryKeyRelatedField(queryset=_people(), many=True, required=False)
    department = serializers.IntegerField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=GoalStatus.choices, required=False)
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal(0), required=False)
    parent = serializers.IntegerField(required=False, allow_null=True)
    progress_rule = serializers.ChoiceField(choices=ProgressRule.choices, required=False)
    manual_progress = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal(0),
        max_value=Decimal(1),
        required=False,
        allow_null=True,
    )
    audience = serializers.ChoiceField(choices=GoalAudience.choices, required=False)
    departments = serializers.ListField(child=serializers.IntegerField(), required=False)
    groups = serializers.ListField(child=serializers.IntegerField(), required=False)
    people = serializers.PrimaryKeyRelatedField(queryset=_people(), many=True, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=60), required=False)

    def to_service(self, user) -> dict:
        from portal.groups.models import Workgroup
        from portal.people.models import Department

        data = dict(self.validated_data)
        if "department" in data:
            pk = data["department"]
            data["department"] = Department.objects.filter(pk=pk).first() if pk else None
            if pk and data["department"] is None:
                raise serializers.ValidationError({"department": ["No such department."]})
        if "parent" in data:
            data["parent"] = selectors.goal_get(user=user, pk=data["parent"]) if data["parent"] else None
        if "departments" in data:
            data["departments"] = list(Department.objects.filter(pk__in=data["departments"]))
        if "groups" in data:
            data["groups"] = list(Workgroup.objects.visible_to(user).filter(pk__in=data["groups"]))
        return data


class GoalRelationSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoalLink
        fields = ["id", "source", "target", "kind"]
        read_only_fields = ["id", "source"]

    kind = serializers.ChoiceField(choices=GoalLinkKind.choices)
    target = serializers.IntegerField(source="target_id")


class ProjectLinkWriteSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    weight = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0.01"), default=Decimal(1)
    )


@extend_schema_view(
    list=extend_schema(
        summary="The goal register (filters: q, horizon, status, department, owner, parent, year)"
    ),
    retrieve=extend_schema(summary="One goal"),
    create=extend_schema(
        summary="Create a goal", request=GoalWriteSerializer, responses={201: GoalSerializer}
    ),
    partial_update=extend_schema(
        summary="Change a goal", request=GoalWriteSerializer, responses=GoalSerializer
    ),
)
class GoalViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = GoalSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = GoalFilterSet
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = Goal.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Goal.objects.none()
        return selectors.goal_queryset(user=self.request.user).order_by(
            "period_start", "horizon", "title", "id"
        )

    def _goal(self) -> Goal:
        return selectors.goal_get(user=self.request.user, pk=self.kwargs["pk"])

    def _read(self, goal) -> dict:
        return GoalSerializer(selectors.goal_get(user=self.request.user, pk=goal.pk)).data

    def create(self, request, *args, **kwargs):
        data = GoalWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        goal = services.goal_create(actor=request.user, **data.to_service(request.user))
        return Response(self._read(goal), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        goal = self._goal()
        data = GoalWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        goal = services.goal_update(actor=request.user, goal=goal, **data.to_service(request.user))
        return Response(self._read(goal))

    @extend_schema(
        methods=["GET"],
        summary="The goal's horizontal links (both directions)",
        responses=GoalRelationSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Link the goal to another",
        request=GoalRelationSerializer,
        responses={201: GoalRelationSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def links(self, request, pk=None):
        goal = self._goal()
        if request.method == "POST":
            data = GoalRelationSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            target = selectors.goal_get(user=request.user, pk=data.validated_data["target_id"])
            link = services.goal_link_add(
                actor=request.user, source=goal, target=target, kind=data.validated_data["kind"]
            )
            return Response(GoalRelationSerializer(link).data, status=status.HTTP_201_CREATED)
        return Response(
            GoalRelationSerializer(selectors.goal_links(user=request.user, goal=goal), many=True).data
        )

    @extend_schema(
        methods=["GET"], summary="The projects serving the goal", responses=ProjectLinkSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"], summary="A project serves the goal (or its weight changes)", request=ProjectLinkWriteSerializer,
        responses={201: ProjectLinkSerializer},
    )  # fmt: skip
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def projects(self, request, pk=None):
        goal = self._goal()
        if request.method == "POST":
            data = ProjectLinkWriteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            link = services.goal_project_link_set(actor=request.user, goal=goal, **data.validated_data)
            return Response(ProjectLinkSerializer(link).data, status=status.HTTP_201_CREATED)
        return Response(ProjectLinkSerializer(goal.project_links.all(), many=True).data)


@extend_schema_view(destroy=extend_schema(summary="Remove a horizontal link"))
class GoalLinkViewSet(mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = GoalRelationSerializer
    lookup_value_regex = r"\d+"
    queryset = GoalLink.objects.none()

    def get_queryset(self):
        return GoalLink.objects.visible_to(self.request.user)

    def destroy(self, request, *args, **kwargs):
        services.goal_link_remove(actor=request.user, link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(destroy=extend_schema(summary="A project no longer serves the goal"))
class ProjectLinkViewSet(mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = ProjectLinkSerializer
    lookup_value_regex = r"\d+"
    queryset = GoalProjectLink.objects.none()

    def get_queryset(self):
        return GoalProjectLink.objects.visible_to(self.request.user)

    def destroy(self, request, *args, **kwargs):
        services.goal_project_link_remove(actor=request.user, link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskGoalSerializer(serializers.Serializer):
    task = serializers.IntegerField(read_only=True)
    goal = serializers.IntegerField(allow_null=True)
    how = serializers.CharField(read_only=True, help_text='"direct", "parent", "project" or ""')


class TaskGoalView(APIView):
    """The goal a task serves (direct, inherited from its parent task or its project); PUT sets the direct one
    (null: none, inherit again): the task's responsible person or creator."""

    serializer_class = TaskGoalSerializer

    def _read(self, request, task_pk: int) -> dict:
        if task_pk not in services.task_describe(user=request.user, task_ids=[task_pk]):
            raise NotFound("No task matches the given query.")
        goal_id, how = services.task_goal_resolve([task_pk]).get(task_pk, (None, ""))
        if goal_id is not None and not Goal.objects.visible_to(request.user).filter(pk=goal_id).exists():
            goal_id, how = None, ""
        return {"task": task_pk, "goal": goal_id, "how": how}

    @extend_schema(summary="The goal a task serves", responses=TaskGoalSerializer)
    def get(self, request, task_pk: int):
        return Response(self._read(request, task_pk))

    @extend_schema(
        summary="Set the goal a task serves directly",
        request=TaskGoalSerializer,
        responses=TaskGoalSerializer,
    )
    def put(self, request, task_pk: int):
        data = TaskGoalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        goal_id = data.validated_data["goal"]
        goal = selectors.goal_get(user=request.user, pk=goal_id) if goal_id else None
        services.task_goal_set(actor=request.user, task_id=task_pk, goal=goal)
        return Response(self._read(request, task_pk))


def register(router) -> None:
    router.register("goals", GoalViewSet, basename="strategy-goal")
    router.register("goal-links", GoalLinkViewSet, basename="strategy-goal-link")
    router.register("project-links", ProjectLinkViewSet, basename="strategy-project-link")


def _urls():
    from django.urls import path

    return [path("tasks/<int:task_pk>/goal/", TaskGoalView.as_view(), name="strategy-task-goal")]


urls: list = _urls()
