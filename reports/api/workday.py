"""Reports API: the working day (under /api/v1/reports/).

- POST workday/start|pause|resume|end/, GET workday/today/, GET workday/schedule/ (my schedule's rules);
- GET days/ (filters of WorkDayFilterSet, page-number pagination), GET days/{id}/ (with its events),
  POST days/{id}/confirm/ (a day closed automatically, as it is);
- corrections/: list (?pending=true, ?to_decide=true), create, retrieve, POST corrections/{id}/decide/;
- schedules/: list, create, retrieve, update, delete (heads for their sub-tree, HR, admins).

The same selectors, services and FilterSet as the pages: hidden days, corrections and schedules answer 404;
a visible one without the right answers 403.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from portal.core.http import client_ip
from portal.people.models import Department

from .. import selectors, services
from ..choices import DayEventKind, DayState
from ..filters.workday import WorkDayFilterSet
from ..models import DayCorrection, WorkDay, WorkDayEvent, WorkSchedule

User = get_user_model()


# --- serializers -----------------------------------------------------------------------------------------


class WorkdayPersonSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "full_name", "email", "time_zone"]
        read_only_fields = fields


class WorkDaySerializer(serializers.ModelSerializer):
    """A working day. `worked_seconds` of a day still open runs until now."""

    user = WorkdayPersonSerializer(read_only=True)
    worked_seconds = serializers.SerializerMethodField()
    has_pending_correction = serializers.SerializerMethodField()

    class Meta:
        model = WorkDay
        fields = [
            "id",
            "user",
            "date",
            "state",
            "started_at",
            "ended_at",
            "pause_started_at",
            "paused_seconds",
            "worked_seconds",
            "is_late",
            "is_early_end",
            "is_short",
            "auto_closed",
            "needs_confirmation",
            "original_started_at",
            "original_ended_at",
            "has_pending_correction",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_worked_seconds(self, day: WorkDay) -> int:
        return selectors.day_running_seconds(day)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_pending_correction(self, day: WorkDay) -> bool:
        return bool(getattr(day, "has_pending_correction", False))


class WorkDayEventSerializer(serializers.ModelSerializer):
    actor = serializers.PrimaryKeyRelatedField(read_only=True)
    kind = serializers.ChoiceField(choices=DayEventKind.choices, read_only=True)

    class Meta:
        model = WorkDayEvent
        fields = ["id", "kind", "at", "ip", "comment", "actor"]
        read_only_fields = fields


class WorkDayDetailSerializer(WorkDaySerializer):
    events = serializers.SerializerMethodField()

    class Meta(WorkDaySerializer.Meta):
        fields = [*WorkDaySerializer.Meta.fields, "events"]
        read_only_fields = fields

    @extend_schema_field(WorkDayEventSerializer(many=True))
    def get_events(self, day: WorkDay) -> list[dict]:
        return WorkDayEventSerializer(selectors.day_events(day=day), many=True).data


class WorkdayActionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ScheduleSpecSerializer(serializers.Serializer):
    """The schedule rules that apply to a person, and where they come from."""

    source = serializers.ChoiceField(choices=["person", "department", "default"])
    schedule_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    working_days = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6))
    start = serializers.TimeField()
    end = serializers.TimeField()
    allowed_lateness = serializers.IntegerField()
    break_minutes = serializers.IntegerField()
    time_zone = serializers.CharField()


class WorkdayTodaySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["none", *DayState.values])
    day = WorkDaySerializer(allow_null=True)


class DayCorrectionSerializer(serializers.ModelSerializer):
    person = serializers.SerializerMethodField()
    date = serializers.DateField(source="day.date", read_only=True)

    class Meta:
        model = DayCorrection
        fields = [
            "id",
            "day",
            "date",
            "person",
            "requested_by",
            "reason",
            "started_at",
            "ended_at",
            "old_started_at",
            "old_ended_at",
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(WorkdayPersonSerializer)
    def get_person(self, correction: DayCorrection) -> dict:
        return WorkdayPersonSerializer(correction.day.user).data


class DayCorrectionCreateSerializer(serializers.Serializer):
    day = serializers.IntegerField(help_text="The id of one of your own days.")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=2000)


class DayCorrectionDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class DayConfirmSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class WorkScheduleSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkSchedule
        fields = [
            "id",
            "name",
            "department",
            "user",
            "working_days",
            "start",
            "end",
            "allowed_lateness",
            "break_minutes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WorkScheduleWriteSerializer(serializers.Serializer):
    """A department's (and its sub-tree's) or one person's schedule: give exactly one of the two."""

    name = serializers.CharField(max_length=100)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    working_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), help_text="0 = Monday ... 6 = Sunday"
    )
    start = serializers.TimeField()
    end = serializers.TimeField()
    allowed_lateness = serializers.IntegerField(min_value=0, max_value=240, default=10)
    break_minutes = serializers.IntegerField(min_value=0, default=60)


# --- views -----------------------------------------------------------------------------------------------


def _spec_data(spec) -> dict:
    return {
        "source": spec.source,
        "schedule_id": spec.schedule_id,
        "name": spec.name,
        "working_days": list(spec.working_days),
        "start": spec.start,
        "end": spec.end,
        "allowed_lateness": spec.allowed_lateness,
        "break_minutes": spec.break_minutes,
        "time_zone": spec.time_zone,
    }


class WorkdayViewSet(viewsets.ViewSet):
    """The caller's own working day: its state today and the four clicks of the widget."""

    def _today(self, request, day=None, code=status.HTTP_200_OK) -> Response:
        if day is None:
            day = selectors.workday_today(user=request.user)
        body = {
            "state": day.state if day else "none",
            "day": WorkDaySerializer(day).data if day else None,
        }
        return Response(body, status=code)

    @extend_schema(
        summary="My working day today (state 'none' before it starts)", responses=WorkdayTodaySerializer
    )
    @action(detail=False, methods=["get"])
    def today(self, request):
        return self._today(request)

    @extend_schema(summary="The schedule rules that apply to me", responses=ScheduleSpecSerializer)
    @action(detail=False, methods=["get"])
    def schedule(self, request):
        return Response(ScheduleSpecSerializer(_spec_data(selectors.schedule_for(request.user))).data)

    def _act(self, request, service, code=status.HTTP_200_OK) -> Response:
        data = WorkdayActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        day = service(actor=request.user, ip=client_ip(request), comment=data.validated_data["comment"])
        return self._today(request, day, code)

    @extend_schema(
        summary="Start my working day (late when after the schedule's start plus the allowed lateness)",
        request=WorkdayActionSerializer,
        responses={201: WorkdayTodaySerializer},
    )
    @action(detail=False, methods=["post"])
    def start(self, request):
        return self._act(request, services.workday_start, status.HTTP_201_CREATED)

    @extend_schema(summary="Take a break", request=WorkdayActionSerializer, responses=WorkdayTodaySerializer)
    @action(detail=False, methods=["post"])
    def pause(self, request):
        return self._act(request, services.workday_pause)

    @extend_schema(
        summary="Come back from a break (or continue a day ended by mistake)",
        request=WorkdayActionSerializer,
        responses=WorkdayTodaySerializer,
    )
    @action(detail=False, methods=["post"])
    def resume(self, request):
        return self._act(request, services.workday_resume)

    @extend_schema(
        summary="End my working day (worked time, early end and too-short verdicts)",
        request=WorkdayActionSerializer,
        responses=WorkdayTodaySerializer,
    )
    @action(detail=False, methods=["post"])
    def end(self, request):
        return self._act(request, services.workday_end)


@extend_schema_view(
    list=extend_schema(summary="Working days I may see (mine, my sub-tree's; HR and admins all)"),
    retrieve=extend_schema(summary="One working day with its events", responses=WorkDayDetailSerializer),
)
class WorkDayViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WorkDaySerializer
    filterset_class = WorkDayFilterSet
    ordering_fields = ["date", "started_at", "worked_seconds"]

    def get_queryset(self):
        return selectors.workday_list(user=self.request.user)

    def get_object(self):
        return selectors.workday_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_class(self):
        return WorkDayDetailSerializer if self.action == "retrieve" else WorkDaySerializer

    @extend_schema(
        summary="Confirm my day closed automatically, as it is",
        request=DayConfirmSerializer,
        responses=WorkDaySerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        day = self.get_object()
        if day.user_id != request.user.pk:
            raise PermissionDenied(_("Only the person themselves confirms their day."))
        data = DayConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.workday_confirm(actor=request.user, day=day, comment=data.validated_data["comment"])
        return Response(WorkDaySerializer(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(
        summary="Corrections I may see: mine and my sub-tree's (HR and admins: all)",
        parameters=[
            OpenApiParameter("pending", bool, description="Only those waiting for confirmation."),
            OpenApiParameter("to_decide", bool, description="Leave out my own (what I may decide)."),
        ],
    ),
    retrieve=extend_schema(summary="One correction"),
    create=extend_schema(
        summary="Ask to correct my own day's times (a reason is required; the supervisor confirms)",
        request=DayCorrectionCreateSerializer,
        responses={201: DayCorrectionSerializer},
    ),
)
class DayCorrectionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = DayCorrectionSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        return selectors.correction_list(
            user=self.request.user,
            pending_only=params.get("pending") in ("1", "true", "True"),
            to_decide=params.get("to_decide") in ("1", "true", "True"),
        )

    def get_object(self):
        return selectors.correction_get(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        data = DayCorrectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        day = selectors.workday_get(user=request.user, pk=values["day"])
        correction = services.day_correction_request(
            actor=request.user,
            day=day,
            started_at=values["started_at"],
            ended_at=values["ended_at"],
            reason=values["reason"],
        )
        correction = selectors.correction_get(user=request.user, pk=correction.pk)
        return Response(DayCorrectionSerializer(correction).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm or reject a correction (the person's supervisor, HR, admins; never one's own)",
        request=DayCorrectionDecideSerializer,
        responses=DayCorrectionSerializer,
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        correction = self.get_object()
        data = DayCorrectionDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.day_correction_decide(
            actor=request.user,
            correction=correction,
            approve=data.validated_data["approve"],
            comment=data.validated_data["comment"],
        )
        return Response(DayCorrectionSerializer(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(summary="Work schedules I manage"),
    retrieve=extend_schema(summary="One work schedule"),
    create=extend_schema(
        summary="Set a department's or a person's schedule (replaces the one it has)",
        request=WorkScheduleWriteSerializer,
        responses={201: WorkScheduleSerializer},
    ),
    update=extend_schema(
        summary="Change a schedule", request=WorkScheduleWriteSerializer, responses=WorkScheduleSerializer
    ),
    partial_update=extend_schema(
        summary="Change some of a schedule's fields",
        request=WorkScheduleWriteSerializer,
        responses=WorkScheduleSerializer,
    ),
    destroy=extend_schema(
        summary="Remove a schedule (its people fall back to the department's or the default)"
    ),
)
class WorkScheduleViewSet(viewsets.ModelViewSet):
    serializer_class = WorkScheduleSerializer
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.can_manage_schedules(request.user):
            raise PermissionDenied(_("Only heads, HR and admins manage work schedules."))

    def get_queryset(self):
        return selectors.schedule_list(user=self.request.user)

    def get_object(self):
        return selectors.schedule_get(user=self.request.user, pk=self.kwargs["pk"])

    def _save(self, request, schedule=None, *, partial=False):
        data = WorkScheduleWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if partial and schedule is not None:
            sent = set(request.data)
            current = {
                "name": schedule.name,
                "department": schedule.department,
                "user": schedule.user,
                "working_days": schedule.working_days,
                "start": schedule.start,
                "end": schedule.end,
                "allowed_lateness": schedule.allowed_lateness,
                "break_minutes": schedule.break_minutes,
            }
            values = {**current, **{k: v for k, v in values.items() if k in sent}}
        return services.schedule_save(actor=request.user, schedule=schedule, **values)

    def create(self, request, *args, **kwargs):
        schedule = self._save(request)
        return Response(WorkScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        schedule = self._save(request, self.get_object(), partial=kwargs.pop("partial", False))
        return Response(WorkScheduleSerializer(schedule).data)

    def destroy(self, request, *args, **kwargs):
        services.schedule_delete(actor=request.user, schedule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("workday", WorkdayViewSet, basename="reports-workday")
router.register("days", WorkDayViewSet, basename="reports-day")
router.register("corrections", DayCorrectionViewSet, basename="reports-correction")
router.register("schedules", WorkScheduleViewSet, basename="reports-schedule")

urlpatterns = router.urls
