"""API of the absence chart (under /api/v1/workflows/):

- absences/ : every absence I may see, with the absence filters (person, department with its sub-departments,
  type, date_from/date_to, process); HR and admins create, change and delete them. A private type shows as
  "Absent" (type null, no comment) to those who may not see it, as on the pages.
- absences/chart/ : the chart's data for a range (days with weekends and holidays, a row per person with the
  absences clipped to the range), in a constant number of queries.
- absences/balance/ : a person's vacation balance of a year (mine; HR, admins and supervisors: others').
- absence-types/ : the active absence types (the chart's legend, the leave request's choice).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.errors import NotFound
from portal.people.models import Department, User

from ..filters.absences import AbsenceFilterSet
from ..models import Absence, AbsenceType
from ..selectors import absences as selectors
from ..services import absences as services


class AbsenceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AbsenceType
        fields = ["id", "key", "name", "color", "counts_allowance", "private", "is_active", "order"]
        read_only_fields = fields


class AbsenceSerializer(serializers.Serializer):
    """An absence as the reader sees it (an `AbsenceView`)."""

    id = serializers.IntegerField(source="absence.pk", read_only=True)
    user = serializers.IntegerField(source="absence.user_id", read_only=True)
    user_name = serializers.CharField(source="absence.user", read_only=True)
    type = serializers.IntegerField(source="type_id", read_only=True, allow_null=True)
    label = serializers.CharField(read_only=True)
    color = serializers.CharField(read_only=True)
    start = serializers.DateField(source="absence.start", read_only=True)
    end = serializers.DateField(source="absence.end", read_only=True)
    days = serializers.IntegerField(source="absence.days", read_only=True)
    comment = serializers.CharField(read_only=True)
    process = serializers.IntegerField(source="process_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(source="absence.created_at", read_only=True)


class AbsenceWriteSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    type = serializers.PrimaryKeyRelatedField(queryset=AbsenceType.objects.all())
    start = serializers.DateField()
    end = serializers.DateField()
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AbsenceUpdateSerializer(serializers.Serializer):
    type = serializers.PrimaryKeyRelatedField(queryset=AbsenceType.objects.all(), required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ChartQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    department = serializers.IntegerField(required=False)
    subdepartments = serializers.BooleanField(required=False, default=True)
    type = serializers.ListField(child=serializers.IntegerField(), required=False)
    absent = serializers.BooleanField(required=False, default=False)
    page = serializers.IntegerField(required=False, min_value=1, default=1)

    def validate(self, data):
        if "start" not in data:
            data["start"] = (data.get("end") or timezone.localdate()).replace(day=1)
        if "end" not in data:
            data["end"] = selectors.month_range(data["start"])[1]
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": ["The end cannot be before the start."]})
        if (data["end"] - data["start"]).days + 1 > selectors.CHART_MAX_DAYS:
            raise serializers.ValidationError(
                {"end": [f"A chart covers {selectors.CHART_MAX_DAYS} days at most."]}
            )
        return data


class ChartDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    weekend = serializers.BooleanField()
    off = serializers.BooleanField()
    holiday = serializers.CharField()
    workday = serializers.CharField()
    today = serializers.BooleanField()


class ChartBarSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="view.absence.pk")
    type = serializers.IntegerField(source="view.type_id", allow_null=True)
    label = serializers.CharField(source="view.label")
    color = serializers.CharField(source="view.color")
    comment = serializers.CharField(source="view.comment")
    start = serializers.DateField(source="view.absence.start")
    end = serializers.DateField(source="view.absence.end")
    shown_from = serializers.DateField(source="start")
    shown_to = serializers.DateField(source="end")


class ChartPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    department = serializers.CharField(source="department.name", default="", allow_blank=True)


class ChartRowSerializer(serializers.Serializer):
    person = ChartPersonSerializer()
    absences = ChartBarSerializer(source="bars", many=True)


class ChartSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    total_people = serializers.IntegerField()
    days = ChartDaySerializer(many=True)
    types = AbsenceTypeSerializer(many=True)
    rows = ChartRowSerializer(many=True)


class BalanceSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    year = serializers.IntegerField()
    allowance = serializers.DecimalField(max_digits=6, decimal_places=1)
    carried_over = serializers.DecimalField(max_digits=6, decimal_places=1)
    used = serializers.DecimalField(max_digits=6, decimal_places=1)
    planned = serializers.DecimalField(max_digits=6, decimal_places=1)
    left = serializers.DecimalField(max_digits=6, decimal_places=1)


class BalanceQuerySerializer(serializers.Serializer):
    user = serializers.IntegerField(required=False)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


@extend_schema_view(
    list=extend_schema(
        summary="Absences I may see (the absence filters)", responses=AbsenceSerializer(many=True)
    ),
    retrieve=extend_schema(summary="One absence", responses=AbsenceSerializer),
    create=extend_schema(
        summary="Enter an absence (HR, admins)",
        request=AbsenceWriteSerializer,
        responses={201: AbsenceSerializer},
    ),
    partial_update=extend_schema(
        summary="Change an absence (HR, admins)", request=AbsenceUpdateSerializer, responses=AbsenceSerializer
    ),
    destroy=extend_schema(summary="Delete an absence (HR, admins)", responses={204: None}),
)
class AbsenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AbsenceSerializer
    filterset_class = AbsenceFilterSet
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["start", "end", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Absence.objects.none()
        return selectors.absence_list(user=self.request.user)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.request.query_params.getlist("type"):
            # Filtering by a private type finds only what the reader may see of it.
            queryset = queryset.filter(selectors.private_types_q(self.request.user))
        return queryset

    def _view(self, absence):
        return selectors.absence_view(self.request.user, absence)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        items = page if page is not None else list(queryset)
        data = AbsenceSerializer([self._view(a) for a in items], many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _absence(self) -> Absence:
        return selectors.absence_get(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        return Response(AbsenceSerializer(self._view(self._absence())).data)

    def create(self, request, *args, **kwargs):
        data = AbsenceWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        absence = services.absence_create(actor=request.user, **data.validated_data)
        absence = selectors.absence_get(user=request.user, pk=absence.pk)
        return Response(AbsenceSerializer(self._view(absence)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        absence = self._absence()
        data = AbsenceUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.absence_update(actor=request.user, absence=absence, **data.validated_data)
        return Response(AbsenceSerializer(self._view(self._absence())).data)

    def destroy(self, request, *args, **kwargs):
        services.absence_delete(actor=request.user, absence=self._absence())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The absence chart's data for a range (a month by default)",
        parameters=[
            OpenApiParameter("start", datetime.date, description="First day (default: this month's first)"),
            OpenApiParameter("end", datetime.date, description="Last day (at most 186 days after start)"),
            OpenApiParameter("department", int, description="A department, with its sub-departments"),
            OpenApiParameter("subdepartments", bool, description="false: the department's own people only"),
            OpenApiParameter("type", int, many=True, description="Only absences of these types"),
            OpenApiParameter("absent", bool, description="Only people away in the range"),
            OpenApiParameter("page", int, description="A page of 300 people"),
        ],
        responses=ChartSerializer,
        filters=False,
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def chart(self, request):
        query = ChartQuerySerializer(
            data={**request.query_params.dict(), "type": request.query_params.getlist("type")}
        )
        query.is_valid(raise_exception=True)
        values = query.validated_data
        department = None
        if values.get("department") is not None:
            department = Department.objects.visible_to(request.user).filter(pk=values["department"]).first()
            if department is None:
                raise NotFound()
        chart = selectors.absence_chart(
            user=request.user,
            start=values["start"],
            end=values["end"],
            department=department,
            with_subdepartments=values["subdepartments"],
            types=values.get("type") or None,
            absent_only=values["absent"],
            page=values["page"],
        )
        return Response(ChartSerializer(chart).data)

    @extend_schema(
        summary="A vacation balance (mine, or a person's for HR, admins and their supervisors)",
        parameters=[
            OpenApiParameter("user", int, description="The person (default: me)"),
            OpenApiParameter("year", int, description="The year (default: this year)"),
        ],
        responses=BalanceSerializer,
        filters=False,
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def balance(self, request):
        query = BalanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        person = request.user
        if query.validated_data.get("user") not in (None, request.user.pk):
            person = (
                User.objects.visible_to(request.user)
                .select_related("department")
                .filter(pk=query.validated_data["user"])
                .first()
            )
            if person is None or not selectors.details_visible(request.user, person):
                raise NotFound()
        year = query.validated_data.get("year") or timezone.localdate().year
        balance = selectors.leave_balance(user=person, year=year)
        return Response(
            BalanceSerializer(
                {
                    "user": person.pk,
                    "year": year,
                    "allowance": balance.allowance,
                    "carried_over": balance.carried_over,
                    "used": balance.used,
                    "planned": balance.planned,
                    "left": balance.left,
                }
            ).data
        )


@extend_schema_view(
    list=extend_schema(summary="The active absence types"),
    retrieve=extend_schema(summary="One absence type"),
)
class AbsenceTypeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AbsenceTypeSerializer
    filter_backends: list = []
    pagination_class = None
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AbsenceType.objects.none()
        return selectors.absence_type_list(user=self.request.user)


def register(router) -> None:
    router.register("absences", AbsenceViewSet, basename="workflows-absence")
    router.register("absence-types", AbsenceTypeViewSet, basename="workflows-absence-type")


urls: list = []
