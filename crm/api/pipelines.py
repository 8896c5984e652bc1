"""CRM API: pipelines and their stages (/api/v1/crm/pipelines/, /api/v1/crm/stages/). Everyone who may view
deals reads them; CRM administrators change them."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.errors import NotFound

from .. import rights
from ..choices import Action, Entity, StageKind
from ..models import Pipeline, Stage
from ..selectors import pipelines as selectors
from ..services import pipelines as services


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "pipeline", "name", "kind", "sort", "probability", "color"]
        read_only_fields = ["pipeline", "sort"]


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "sort", "is_default", "is_active", "idle_days", "stages"]
        read_only_fields = ["sort"]


class PipelineWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    idle_days = serializers.IntegerField(min_value=1, max_value=365, default=7)
    is_default = serializers.BooleanField(default=False)
    is_active = serializers.BooleanField(default=True)


class StageWriteSerializer(serializers.Serializer):
    pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects.all(), required=False)
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=StageKind.choices, default=StageKind.OPEN)
    probability = serializers.IntegerField(min_value=0, max_value=100, default=0)
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", default="#0d6efd")


class OrderSerializer(serializers.Serializer):
    stages = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


def _reader(user) -> None:
    if not rights.may(user, Entity.DEAL, Action.VIEW):
        raise NotFound()


class _AdminWrites:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _reader(request.user)
        # A method the route lacks (no action) answers 405 to everyone, not 404.
        writes = self.action is not None and request.method not in ("GET", "HEAD", "OPTIONS")
        if writes and not rights.is_crm_admin(request.user):
            raise NotFound()


@extend_schema_view(
    list=extend_schema(summary="The pipelines with their stages (open first, then won, lost)"),
    retrieve=extend_schema(summary="One pipeline with its stages"),
    create=extend_schema(
        summary="Make a pipeline with the usual four stages (CRM admins)", request=PipelineWriteSerializer
    ),
    update=extend_schema(summary="Change a pipeline (CRM admins)", request=PipelineWriteSerializer),
    partial_update=extend_schema(summary="Change a pipeline (CRM admins)", request=PipelineWriteSerializer),
    destroy=extend_schema(summary="Delete a pipeline without deals (CRM admins)"),
)
class PipelineViewSet(_AdminWrites, viewsets.ModelViewSet):
    serializer_class = PipelineSerializer
    pagination_class = None
    filter_backends: list = []
    queryset = Pipeline.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.pipeline_list(active_only=self.request.query_params.get("all") != "1")

    def _get(self) -> Pipeline:
        pipeline = selectors.pipeline_get(pk=self.kwargs["pk"])
        return selectors.pipeline_list(active_only=False).get(pk=pipeline.pk)

    def retrieve(self, request, *args, **kwargs):
        return Response(PipelineSerializer(self._get()).data)

    def create(self, request, *args, **kwargs):
        data = PipelineWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("is_active")
        pipeline = services.pipeline_create(actor=request.user, **values)
        return Response(PipelineSerializer(self._fresh(pipeline)).data, status=status.HTTP_201_CREATED)

    def _fresh(self, pipeline):
        return selectors.pipeline_list(active_only=False).get(pk=pipeline.pk)

    def update(self, request, *args, **kwargs):
        pipeline = self._get()
        current = {
            "name": pipeline.name,
            "idle_days": pipeline.idle_days,
            "is_default": pipeline.is_default,
            "is_active": pipeline.is_active,
        }
        data = PipelineWriteSerializer(data={**current, **request.data})
        data.is_valid(raise_exception=True)
        services.pipeline_update(actor=request.user, pipeline=pipeline, **data.validated_data)
        return Response(PipelineSerializer(self._fresh(pipeline)).data)

    def destroy(self, request, *args, **kwargs):
        services.pipeline_delete(actor=request.user, pipeline=self._get())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Put the pipeline's stages in this order (CRM admins)", request=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="order")
    def order(self, request, pk=None):
        pipeline = self._get()
        data = OrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.stages_reorder(
            actor=request.user, pipeline=pipeline, stage_ids=data.validated_data["stages"]
        )
        return Response(PipelineSerializer(self._fresh(pipeline)).data)


@extend_schema_view(
    list=extend_schema(summary="Stages (?pipeline=<id>)"),
    retrieve=extend_schema(summary="One stage"),
    create=extend_schema(
        summary="Add a stage at the end of a pipeline (CRM admins)", request=StageWriteSerializer
    ),
    update=extend_schema(summary="Change a stage (CRM admins)", request=StageWriteSerializer),
    partial_update=extend_schema(summary="Change a stage (CRM admins)", request=StageWriteSerializer),
    destroy=extend_schema(summary="Delete a stage no deal is in (CRM admins)"),
)
class StageViewSet(_AdminWrites, viewsets.ModelViewSet):
    serializer_class = StageSerializer
    pagination_class = None
    filter_backends: list = []
    queryset = Stage.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        queryset = selectors.stages_ordered()
        pipeline = self.request.query_params.get("pipeline", "")
        if pipeline.isdecimal():
            queryset = queryset.filter(pipeline_id=int(pipeline))
        return queryset

    def retrieve(self, request, *args, **kwargs):
        return Response(StageSerializer(selectors.stage_get(pk=kwargs["pk"])).data)

    def create(self, request, *args, **kwargs):
        data = StageWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        pipeline = values.pop("pipeline", None)
        if pipeline is None:
            raise serializers.ValidationError({"pipeline": [_("Choose the pipeline.")]})
        stage = services.stage_create(actor=request.user, pipeline=pipeline, **values)
        return Response(StageSerializer(stage).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        stage = selectors.stage_get(pk=kwargs["pk"])
        current = {
            "name": stage.name,
            "kind": stage.kind,
            "probability": stage.probability,
            "color": stage.color,
        }
        data = StageWriteSerializer(data={**current, **request.data})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("pipeline", None)
        stage = services.stage_update(actor=request.user, stage=stage, **values)
        return Response(StageSerializer(stage).data)

    def destroy(self, request, *args, **kwargs):
        services.stage_delete(actor=request.user, stage=selectors.stage_get(pk=kwargs["pk"]))
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    router.register("pipelines", PipelineViewSet, basename="crm-pipeline")
    router.register("stages", StageViewSet, basename="crm-stage")


urls: list = []
