"""Indicator API under /api/v1/strategy/: the register (the page's FilterSet), one indicator, its values (with their
history) and targets, entering a value, computing now, recomputing past periods, a value's drill-down to the
records behind it, and the metrics formulas may use. Same rights as the pages: hidden indicators answer 404,
refused writes 403, bad input 400 field by field (the one JSON error shape)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.errors import Invalid, NotAllowed

from ..filters.indicators import IndicatorFilterSet
from ..models import Indicator, IndicatorValue
from ..models.indicators import (
    Direction,
    IndicatorSource,
    IndicatorValueRevision,
    IndicatorVisibility,
    PeriodKind,
    SubjectKind,
)
from ..selectors import indicators as selectors
from ..services import indicators as services


def _people():
    return get_user_model().objects.filter(is_active=True)


class RevisionSerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", allow_null=True, read_only=True)

    class Meta:
        model = IndicatorValueRevision
        fields = ["kind", "old_value", "new_value", "formula_version", "reason", "actor", "created_at"]


class ValueSerializer(serializers.ModelSerializer):
    indicator = serializers.IntegerField(source="indicator_id", read_only=True)
    changed_by = serializers.IntegerField(source="changed_by_id", allow_null=True, read_only=True)
    revisions = RevisionSerializer(many=True, read_only=True)

    class Meta:
        model = IndicatorValue
        fields = [
            "id", "indicator", "period_start", "period_end", "value", "error", "formula_version", "target",
            "achievement", "status", "changed_by", "changed_at", "revisions",
        ]  # fmt: skip


class IndicatorGoalSerializer(serializers.Serializer):
    goal = serializers.IntegerField(source="goal_id")
    weight = serializers.DecimalField(max_digits=7, decimal_places=2)


class IndicatorSerializer(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id", read_only=True)
    subject_department = serializers.IntegerField(
        source="subject_department_id", allow_null=True, read_only=True
    )
    subject_person = serializers.IntegerField(source="subject_person_id", allow_null=True, read_only=True)
    goals = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "id", "name", "description", "unit", "direction", "period", "baseline", "default_target",
            "green_from", "amber_from", "owner", "visibility", "source", "starts_on", "formula", "formula_version",
            "subject_kind", "subject_department", "subject_person", "goals", "last_period", "last_value",
            "last_achievement", "last_status",
        ]  # fmt: skip

    def get_goals(self, indicator) -> list[dict]:
        links = indicator.goal_links.all()
        return [{"goal": link.goal_id, "weight": str(link.weight)} for link in links]


class IndicatorWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    period = serializers.ChoiceField(choices=PeriodKind.choices, required=False)
    baseline = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True)
    default_target = serializers.DecimalField(
        max_digits=18, decimal_places=4, required=False, allow_null=True
    )
    green_from = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    amber_from = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=_people())
    visibility = serializers.ChoiceField(choices=IndicatorVisibility.choices, required=False)
    source = serializers.ChoiceField(choices=IndicatorSource.choices, required=False)
    starts_on = serializers.DateField(required=False)
    formula = serializers.CharField(required=False, allow_blank=True)
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices, required=False)
    subject_department = serializers.IntegerField(required=False, allow_null=True)
    subject_person = serializers.PrimaryKeyRelatedField(queryset=_people(), required=False, allow_null=True)
    goals = IndicatorGoalSerializer(many=True, required=False)

    def to_service(self) -> dict:
        from portal.people.models import Department

        data = dict(self.validated_data)
        if "subject_department" in data:
            pk = data["subject_department"]
            data["subject_department"] = None if pk is None else Department.objects.filter(pk=pk).first()
            if pk is not None and data["subject_department"] is None:
                raise Invalid(fields={"subject_department": ["No such department."]})
        if "goals" in data:
            # A PATCH validates the nested links partially: a link without its goal or weight gets here.
            if any("goal_id" not in link or "weight" not in link for link in data["goals"]):
                raise Invalid(fields={"goals": [str(serializers.Field.default_error_messages["required"])]})
            data["goals"] = {link["goal_id"]: link["weight"] for link in data["goals"]}
        return data


class ValueEnterSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="Any day of the period.")
    value = serializers.DecimalField(max_digits=18, decimal_places=4)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class TargetSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="Any day of the period.")
    target = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)


class TargetReadSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    target = serializers.DecimalField(max_digits=18, decimal_places=4)


class IndicatorComputeSerializer(serializers.Serializer):
    period = serializers.DateField(
        required=False, help_text="Any day of the period (default: the current one)."
    )


class RecomputeSerializer(serializers.Serializer):
    since = serializers.DateField(help_text="The first period to recompute (any day of it).")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RecomputeResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField()


class DrillDownSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    value = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    rows = serializers.ListField(child=serializers.DictField())


def _sections(sections) -> list[dict]:
    return [
        {
            "key": s.key,
            "text": s.text,
            "label": str(s.label),
            "unit": s.unit,
            "value": s.value,
            "rows": [{"label": str(label), "url": url} for label, url in s.rows],
        }
        for s in sections
    ]


@extend_schema_view(
    list=extend_schema(summary="The indicator register (the page's filters)"),
    retrieve=extend_schema(summary="One indicator"),
    create=extend_schema(
        summary="Register an indicator (strategy managers); a formula is checked (400 on the field formula)",
        request=IndicatorWriteSerializer,
        responses={201: IndicatorSerializer},
    ),
    partial_update=extend_schema(
        summary="Change an indicator (strategy managers); a changed formula becomes a new version",
        request=IndicatorWriteSerializer,
        responses=IndicatorSerializer,
    ),
    destroy=extend_schema(
        summary="Delete an indicator with its values (strategy managers)", responses={204: None}
    ),
)
class IndicatorViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = IndicatorSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = IndicatorFilterSet
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = Indicator.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Indicator.objects.none()
        return selectors.indicator_list(user=self.request.user)

    def _indicator(self) -> Indicator:
        return selectors.indicator_get(user=self.request.user, pk=self.kwargs["pk"])

    def _read(self, indicator) -> dict:
        fresh = selectors.indicator_list(user=self.request.user).get(pk=indicator.pk)
        return IndicatorSerializer(fresh).data

    def create(self, request, *args, **kwargs):
        if not services.may_manage_indicators(request.user):
            raise NotAllowed()
        data = IndicatorWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        indicator = services.indicator_create(actor=request.user, **data.to_service())
        return Response(self._read(indicator), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        indicator = self._indicator()
        data = IndicatorWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        indicator = services.indicator_update(actor=request.user, indicator=indicator, **data.to_service())
        return Response(self._read(indicator))

    def destroy(self, request, *args, **kwargs):
        services.indicator_delete(actor=request.user, indicator=self._indicator())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        summary="The indicator's values, oldest first, with their history",
        responses=ValueSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Enter (or correct, with a reason) the value of a period (the owner; manual indicators)",
        request=ValueEnterSerializer,
        responses={201: ValueSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def values(self, request, pk=None):
        indicator = self._indicator()
        if request.method == "POST":
            data = ValueEnterSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            value = services.indicator_value_enter(
                actor=request.user, indicator=indicator, **data.validated_data
            )
            value = IndicatorValue.objects.prefetch_related("revisions").get(pk=value.pk)
            return Response(ValueSerializer(value).data, status=status.HTTP_201_CREATED)
        values = indicator.values.prefetch_related("revisions").order_by("period_start")
        return Response(ValueSerializer(values, many=True).data)

    @extend_schema(
        methods=["GET"], summary="The targets of single periods", responses=TargetReadSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="Set (or with null remove) a period's target (strategy managers)",
        request=TargetSerializer,
        responses=TargetReadSerializer(many=True),
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def targets(self, request, pk=None):
        indicator = self._indicator()
        if request.method == "POST":
            data = TargetSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.indicator_target_set(actor=request.user, indicator=indicator, **data.validated_data)
        rows = indicator.targets.order_by("period_start").values("period_start", "target")
        return Response(TargetReadSerializer(rows, many=True).data)

    @extend_schema(
        summary="Compute a formula indicator's value of a period now (the owner, strategy managers)",
        request=IndicatorComputeSerializer,
        responses=ValueSerializer,
    )
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def compute(self, request, pk=None):
        indicator = self._indicator()
        data = IndicatorComputeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        value = services.indicator_compute(actor=request.user, indicator=indicator, **data.validated_data)
        value = IndicatorValue.objects.prefetch_related("revisions").get(pk=value.pk)
        return Response(ValueSerializer(value).data)

    @extend_schema(
        summary="Recompute every period from one on with the current formula version (strategy managers)",
        request=RecomputeSerializer,
        responses=RecomputeResultSerializer,
    )
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def recompute(self, request, pk=None):
        indicator = self._indicator()
        data = RecomputeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = services.indicator_recompute(actor=request.user, indicator=indicator, **data.validated_data)
        return Response({"changed": changed})


@extend_schema_view(
    retrieve=extend_schema(summary="One value with its history (who changed it, why, which version)")
)
class ValueViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ValueSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"
    queryset = IndicatorValue.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return IndicatorValue.objects.none()
        return IndicatorValue.objects.visible_to(self.request.user).prefetch_related("revisions")

    @extend_schema(
        summary="The records behind a formula value, per metric call, as the caller may see them",
        responses=DrillDownSectionSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def records(self, request, pk=None):
        value = selectors.value_get(user=request.user, pk=pk)
        sections = selectors.value_drill_down(user=request.user, value=value)
        return Response(DrillDownSectionSerializer(_sections(sections), many=True).data)


class MetricArgSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    required = serializers.BooleanField()


class MetricSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    args = MetricArgSerializer(many=True)


@extend_schema_view(list=extend_schema(summary="The metrics formulas may call (registered by the apps)"))
class MetricViewSet(viewsets.ViewSet):
    serializer_class = MetricSerializer

    def list(self, request):
        from portal.core.metrics import metric_list

        data = [
            {
                "key": m.key,
                "label": str(m.label),
                "unit": m.unit,
                "args": [{"name": a.name, "kind": a.kind, "required": a.required} for a in m.args],
            }
            for m in metric_list()
        ]
        return Response(MetricSerializer(data, many=True).data)


def register(router) -> None:
    router.register("indicators", IndicatorViewSet, basename="strategy-indicator")
    router.register("values", ValueViewSet, basename="strategy-value")
    router.register("metrics", MetricViewSet, basename="strategy-metric")


urls: list = []
