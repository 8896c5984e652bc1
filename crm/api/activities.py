"""CRM API: activities (/api/v1/crm/activities/): list with the activity filters, read, create on records,
change, complete or reopen, delete; the same rights as the pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..choices import ActivityKind, CallResult, Direction
from ..filters.activities import ActivityFilterSet
from ..models import Activity
from ..models.links import LINK_FIELDS
from ..selectors import activities as selectors
from ..selectors.records import record_get
from ..services import activities as services


@extend_schema_field({"anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]})
class OptionalUrlField(serializers.CharField):
    """A link that may be empty: "" is no URI, so the schema says either."""


class ActivitySerializer(serializers.ModelSerializer):
    responsible = serializers.PrimaryKeyRelatedField(read_only=True)
    overdue = serializers.SerializerMethodField()
    # Calls only: empty on other activities (a read-only model field would not say it may be blank).
    direction = serializers.ChoiceField(choices=Direction.choices, allow_blank=True, read_only=True)
    call_result = serializers.ChoiceField(choices=CallResult.choices, allow_blank=True, read_only=True)
    recording_url = OptionalUrlField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "subject",
            "body",
            "responsible",
            "deadline",
            "ends_at",
            "is_done",
            "done_at",
            "overdue",
            "direction",
            "duration",
            "call_result",
            "phone",
            "recording_url",
            "email_from",
            "email_to",
            "lead",
            "contact",
            "company",
            "deal",
            "task_id",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, activity) -> bool:
        from django.utils import timezone

        return not activity.is_done and activity.deadline is not None and activity.deadline < timezone.now()


class ActivityWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False)
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True)
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    deadline = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False, allow_blank=True)
    duration = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    call_result = serializers.ChoiceField(choices=CallResult.choices, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    recording_url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    email_from = serializers.CharField(max_length=300, required=False, allow_blank=True)
    email_to = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    is_done = serializers.BooleanField(required=False)
    lead = serializers.IntegerField(required=False, allow_null=True)
    contact = serializers.IntegerField(required=False, allow_null=True)
    company = serializers.IntegerField(required=False, allow_null=True)
    deal = serializers.IntegerField(required=False, allow_null=True)


class CompleteSerializer(serializers.Serializer):
    done = serializers.BooleanField(default=True)


@extend_schema_view(
    list=extend_schema(summary="Activities I can see (the activity filters)"),
    retrieve=extend_schema(summary="One activity"),
    create=extend_schema(
        summary="Add an activity on records (needs the right to edit them)",
        request=ActivityWriteSerializer,
        responses={201: ActivitySerializer},
    ),
    partial_update=extend_schema(
        summary="Change an activity", request=ActivityWriteSerializer, responses=ActivitySerializer
    ),
    destroy=extend_schema(summary="Delete an activity", responses={204: None}),
)
class ActivityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Activity.objects.none()
        return Activity.objects.visible_to(self.request.user).order_by("-created_at", "-id")

    def _activity(self) -> Activity:
        return selectors.activity_get(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        return Response(ActivitySerializer(self._activity()).data)

    def create(self, request, *args, **kwargs):
        data = ActivityWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        records = [
            record_get(user=request.user, entity=name, pk=values.pop(name))
            for name in LINK_FIELDS
            if values.get(name) is not None
        ]
        for name in LINK_FIELDS:
            values.pop(name, None)
        kind = values.pop("kind", ActivityKind.TODO)
        activity = services.activity_create(actor=request.user, kind=kind, records=records, **values)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        activity = self._activity()
        data = ActivityWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k in services.UPDATE_FIELDS}
        if "is_done" in data.validated_data:
            services.activity_complete(
                actor=request.user, activity=activity, done=data.validated_data["is_done"]
            )
        if values:
            activity = services.activity_update(actor=request.user, activity=activity, **values)
        elif "is_done" not in data.validated_data:
            services.activity_update(actor=request.user, activity=activity)  # checks the right all the same
        return Response(ActivitySerializer(activity).data)

    def destroy(self, request, *args, **kwargs):
        services.activity_delete(actor=request.user, activity=self._activity())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Mark done (or open again)", request=CompleteSerializer, responses=ActivitySerializer
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        data = CompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = services.activity_complete(
            actor=request.user, activity=self._activity(), done=data.validated_data["done"]
        )
        return Response(ActivitySerializer(activity).data)


def register(router) -> None:
    router.register("activities", ActivityViewSet, basename="crm-activity")


urls: list = []
