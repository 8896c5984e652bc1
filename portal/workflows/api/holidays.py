"""API of the company calendar (under /api/v1/workflows/holidays/): every employee reads it (?year=YYYY);
admins add a date (or change the date's name and kind), delete one, and import an .ics file."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from portal.core.errors import NotAllowed
from portal.core.permissions import is_portal_admin

from ..choices import HolidayKind
from ..models import Holiday
from ..selectors import holidays as selectors
from ..services import holidays as services


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["id", "date", "name", "kind"]
        read_only_fields = ["id"]


class HolidayUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=HolidayKind.choices, required=False)


class HolidayWriteSerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=HolidayKind.choices, default=HolidayKind.HOLIDAY)


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField())


@extend_schema_view(
    list=extend_schema(
        summary="The company calendar (holidays and moved working days)",
        parameters=[OpenApiParameter("year", int, description="Only this year")],
    ),
    retrieve=extend_schema(summary="One date of the calendar"),
    create=extend_schema(
        summary="Add a date, or change the one on that date (admins)",
        request=HolidayWriteSerializer,
        responses={201: HolidaySerializer},
    ),
    partial_update=extend_schema(
        summary="Change a date's name or kind (admins)",
        request=HolidayUpdateSerializer,
        responses=HolidaySerializer,
    ),
    destroy=extend_schema(summary="Take a date out of the calendar (admins)", responses={204: None}),
)
class HolidayViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = HolidaySerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Holiday.objects.none()
        text = self.request.query_params.get("year", "")
        year = int(text) if text.isdecimal() and 1900 < int(text) < 3000 else None
        return selectors.holiday_list(user=self.request.user, year=year)

    def _holiday(self) -> Holiday:
        return selectors.holiday_get(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        data = HolidayWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        holiday = services.holiday_set(actor=request.user, **data.validated_data)
        return Response(HolidaySerializer(holiday).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        holiday = self._holiday()
        data = HolidayUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {"name": holiday.name, "kind": holiday.kind, **data.validated_data}
        holiday = services.holiday_set(actor=request.user, date=holiday.date, **values)
        return Response(HolidaySerializer(holiday).data)

    def destroy(self, request, *args, **kwargs):
        services.holiday_delete(actor=request.user, holiday=self._holiday())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Import an .ics file (admins): all-day events become holidays or moved working days",
        request={"multipart/form-data": ImportRequestSerializer},
        responses=ImportResultSerializer,
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_ics(self, request):
        if not is_portal_admin(request.user):
            raise NotAllowed()
        data = ImportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.holidays_import_ics(actor=request.user, data=data.validated_data["file"].read())
        return Response(
            ImportResultSerializer(
                {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "skipped": result.skipped,
                    "errors": result.errors,
                }
            ).data
        )


def register(router) -> None:
    router.register("holidays", HolidayViewSet, basename="workflows-holiday")


urls: list = []
