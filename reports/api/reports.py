"""Reports API: work reports and their ratings (under /api/v1/reports/).

- reports/: list (filters of WorkReportFilterSet, page-number pagination), create (my report of a period,
  optionally sent at once), retrieve (with its history), update / partial update (mine, until rated);
- POST reports/{id}/send/, reports/{id}/rate/, reports/{id}/return/;
- GET reports/prefill/?date= (what the portal knows about my period containing `date`);
- GET reports/to-rate/ (?all=true: the whole sub-tree; default: those sent to me);
- GET credited-share/?user=&start=&end= (the share of credited days of a person I may see).

The same selectors, services and FilterSet as the pages: a hidden report answers 404, a visible one without
the right (rating one's own, editing someone else's) 403.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from portal.people.api.serializers import PersonRefSerializer

from .. import selectors, services
from ..choices import Rating, ReportPeriod, ReportStatus
from ..filters.reports import WorkReportFilterSet
from ..models import WorkReport, WorkReportRevision

# --- serializers -------------------------------------------------------------------------------------


class WorkReportRevisionSerializer(serializers.ModelSerializer):
    changed_by = PersonRefSerializer(read_only=True)

    class Meta:
        model = WorkReportRevision
        fields = ["id", "data", "changed_by", "changed_at"]
        read_only_fields = fields


class _WorkReportListSerializer(serializers.ListSerializer):
    """Reads the pre-fills of the whole page as the viewer may see them at once (one query, not one per
    report)."""

    def to_representation(self, data):
        reports = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        self.child.prefills = selectors.report_prefills_shown(user=self.child._user(), reports=reports)
        return super().to_representation(reports)


class WorkReportSerializer(serializers.ModelSerializer):
    """A work report as the viewer sees it, with what they may do with it. Its `prefill` (what the portal
    knew about the period) names the tasks the viewer may see; the others are lines with `hidden: true` and
    their time, without id or title."""

    author = PersonRefSerializer(read_only=True)
    supervisor = PersonRefSerializer(read_only=True, allow_null=True)
    rated_by = PersonRefSerializer(read_only=True, allow_null=True)
    # Empty until the report is rated (a read-only model field would not say it may be blank).
    rating = serializers.ChoiceField(choices=Rating.choices, allow_blank=True, read_only=True)
    is_locked = serializers.BooleanField(read_only=True)
    can_edit = serializers.SerializerMethodField()
    can_rate = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    prefill = serializers.SerializerMethodField()

    class Meta:
        model = WorkReport
        list_serializer_class = _WorkReportListSerializer
        fields = [
            "id",
            "author",
            "supervisor",
            "period",
            "period_start",
            "period_end",
            "facts",
            "results",
            "emotions",
            "plans",
            "prefill",
            "status",
            "sent_at",
            "is_late",
            "rating",
            "rating_comment",
            "rated_by",
            "rated_at",
            "is_locked",
            "can_edit",
            "can_rate",
            "url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_edit(self, report: WorkReport) -> bool:
        return selectors.can_edit_report(self._user(), report)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_rate(self, report: WorkReport) -> bool:
        return report.status == ReportStatus.SENT and selectors.can_rate_report(self._user(), report)

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, report: WorkReport) -> str:
        return reverse("reports:report_detail", args=[report.pk])

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_prefill(self, report: WorkReport) -> dict:
        prefills = getattr(self, "prefills", None)
        if prefills is None or report.pk not in prefills:
            prefills = selectors.report_prefills_shown(user=self._user(), reports=[report])
        return prefills[report.pk]


class WorkReportDetailSerializer(WorkReportSerializer):
    revisions = WorkReportRevisionSerializer(many=True, read_only=True)

    class Meta(WorkReportSerializer.Meta):
        fields = [*WorkReportSerializer.Meta.fields, "revisions"]
        read_only_fields = fields


class WorkReportWriteSerializer(serializers.Serializer):
    """My report's text. On create, `period_start` picks the period (any day in it; default: today's)."""

    period_start = serializers.DateField(required=False, allow_null=True)
    facts = serializers.CharField(required=False, allow_blank=True, max_length=services.TEXT_MAX)
    results = serializers.CharField(required=False, allow_blank=True, max_length=services.TEXT_MAX)
    emotions = serializers.CharField(required=False, allow_blank=True, max_length=services.TEXT_MAX)
    plans = serializers.CharField(required=False, allow_blank=True, max_length=services.TEXT_MAX)
    send = serializers.BooleanField(required=False, default=False)


class WorkReportRateSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.COMMENT_MAX
    )


class WorkReportReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=services.COMMENT_MAX)


class PrefillTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    completed_at = serializers.DateTimeField()


class PrefillTimeSerializer(serializers.Serializer):
    task_id = serializers.IntegerField()
    title = serializers.CharField()
    seconds = serializers.IntegerField()


class PrefillDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    state = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    is_late = serializers.BooleanField()
    is_short = serializers.BooleanField()


class WorkReportPrefillSerializer(serializers.Serializer):
    """What the portal knows about a period: the report form is filled from it."""

    period = serializers.ChoiceField(choices=ReportPeriod.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    due_at = serializers.DateTimeField()
    closed_tasks = PrefillTaskSerializer(many=True)
    time_by_task = PrefillTimeSerializer(many=True)
    time_seconds = serializers.IntegerField()
    worked_seconds = serializers.IntegerField()
    workdays = PrefillDaySerializer(many=True)
    late_starts = serializers.ListField(child=serializers.DateField())
    extra = serializers.DictField()
    report = serializers.IntegerField(allow_null=True, help_text="My report of this period, if written")


class CreditedShareSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    credited = serializers.IntegerField(help_text="Working days covered by a positively rated report")
    working_days = serializers.IntegerField()
    share = serializers.FloatField(help_text="credited / working_days, in percent")


# --- views -------------------------------------------------------------------------------------------


def _date_param(request, name: str, *, required: bool = False) -> datetime.date | None:
    value = request.query_params.get(name)
    if not value:
        if required:
            raise serializers.ValidationError({name: [_("This parameter is required (YYYY-MM-DD).")]})
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise serializers.ValidationError({name: [_("Give a date as YYYY-MM-DD.")]}) from exc


DATE_PARAM = OpenApiParameter("date", OpenApiTypes.DATE, description="A day of the period (default: today)")


@extend_schema_view(
    list=extend_schema(summary="Work reports the caller may see (their own, their people's; HR/admin all)"),
    retrieve=extend_schema(summary="One work report, with its history", responses=WorkReportDetailSerializer),
    create=extend_schema(
        summary="Write (or update) my report of a period; `send: true` sends it too",
        request=WorkReportWriteSerializer,
        responses={201: WorkReportDetailSerializer},
    ),
    update=extend_schema(
        summary="Change my report (until it is rated; a sent report keeps its previous text in the history)",
        request=WorkReportWriteSerializer,
        responses=WorkReportDetailSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some fields of my report (until it is rated)",
        request=WorkReportWriteSerializer,
        responses=WorkReportDetailSerializer,
    ),
)
class WorkReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Daily and weekly work reports, their sending, rating and returning."""

    serializer_class = WorkReportSerializer
    filterset_class = WorkReportFilterSet
    ordering_fields = ["period_start", "sent_at", "created_at"]
    ordering = ["-period_start", "-id"]
    queryset = WorkReport.objects.none()  # for the schema; requests go through the selectors

    def get_queryset(self):
        return selectors.report_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return WorkReportWriteSerializer
        if self.action == "retrieve":
            return WorkReportDetailSerializer
        return WorkReportSerializer

    def _report(self) -> WorkReport:
        return selectors.report_get(user=self.request.user, pk=self.kwargs["pk"])

    def _out(self, report: WorkReport, code=status.HTTP_200_OK) -> Response:
        report = selectors.report_get(user=self.request.user, pk=report.pk)
        body = WorkReportDetailSerializer(report, context=self.get_serializer_context()).data
        return Response(body, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._out(self._report())

    def create(self, request, *args, **kwargs):
        data = WorkReportWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_save(actor=request.user, **data.validated_data)
        return self._out(report, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        report = self._report()
        if report.author_id != request.user.pk:
            raise PermissionDenied(_("Only the author changes a report."))
        partial = kwargs.pop("partial", False)
        data = WorkReportWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = {field: getattr(report, field) for field in services.TEXT_FIELDS}
        values.update({k: v for k, v in data.validated_data.items() if k in services.TEXT_FIELDS})
        send = data.validated_data.get("send", False)
        report = services.report_save(actor=request.user, report=report, send=send, **values)
        return self._out(report)

    @extend_schema(
        summary="Send my report to my supervisor", request=None, responses=WorkReportDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self._out(services.report_send(actor=request.user, report=self._report()))

    @extend_schema(
        summary="Rate a sent report positive or negative (its supervisor, who supervises the author, HR/admin)",
        request=WorkReportRateSerializer,
        responses=WorkReportDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        report = self._report()
        data = WorkReportRateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(services.report_rate(actor=request.user, report=report, **data.validated_data))

    @extend_schema(
        summary="Return a sent report to its author for changes (a comment is required)",
        request=WorkReportReturnSerializer,
        responses=WorkReportDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        report = self._report()
        data = WorkReportReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(
            services.report_return(actor=request.user, report=report, comment=data.validated_data["comment"])
        )

    @extend_schema(
        summary="What the portal knows about my report period containing `date`",
        parameters=[DATE_PARAM],
        responses=WorkReportPrefillSerializer,
    )
    @action(detail=False, methods=["get"])
    def prefill(self, request):
        user = request.user
        today = selectors.local_today(user)
        day = _date_param(request, "date") or today
        if day > today:
            raise serializers.ValidationError({"date": [_("This period has not begun yet.")]})
        span = selectors.report_period_for(user, day)
        data = selectors.report_prefill(user=user, period_start=span.start, period_end=span.end)
        report = selectors.report_of_period(user=user, period_start=span.start, period=span.period)
        body = {**data, "period": span.period, "due_at": span.due_at, "report": report.pk if report else None}
        return Response(WorkReportPrefillSerializer(body).data)

    @extend_schema(
        summary="Sent reports waiting for my rating (default: sent to me; ?all=true: my whole sub-tree)",
        parameters=[OpenApiParameter("all", OpenApiTypes.BOOL, description="The whole sub-tree I head")],
        responses=WorkReportSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="to-rate", url_name="to-rate")
    def to_rate(self, request):
        if not selectors.can_rate_any(request.user):
            raise PermissionDenied(_("Only supervisors, HR and admins rate reports."))
        direct_only = request.query_params.get("all", "").lower() not in ("1", "true", "yes")
        qs = selectors.reports_to_rate(user=request.user, direct_only=direct_only)
        page = self.paginate_queryset(qs)
        body = WorkReportSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(body)


class CreditedShareView(APIView):
    """The share of credited days of one person (a day is credited when a positively rated report covers
    it), over their working days of [start, end]. Used by KPI."""

    @extend_schema(
        summary="The share of credited days of a person and period",
        parameters=[
            OpenApiParameter("user", OpenApiTypes.INT, description="The person (default: me)"),
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
        ],
        responses=CreditedShareSerializer,
    )
    def get(self, request):

        start = _date_param(request, "start", required=True)
        end = _date_param(request, "end", required=True)
        if end < start:
            raise serializers.ValidationError({"end": [_("The end cannot be before the start.")]})
        if (end - start).days > 366:
            raise serializers.ValidationError({"end": [_("Ask for a year at most.")]})
        # The person's reports must be visible to the caller (their own, their sub-tree, HR/admin): else 404.
        person = selectors.report_person_get(
            user=request.user, pk=request.query_params.get("user") or request.user.pk
        )
        person_id = person.pk
        share = selectors.credited_share(user_ids=[person_id], start=start, end=end).get(
            person_id, {"credited": 0, "working_days": 0, "share": 0.0}
        )
        body = {"user": person_id, "start": start, "end": end, **share}
        return Response(CreditedShareSerializer(body).data)


router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("reports", WorkReportViewSet, basename="workreport")

urlpatterns = [
    *router.urls,
    path("credited-share/", CreditedShareView.as_view(), name="credited-share"),
]
