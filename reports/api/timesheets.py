"""Reports API: timesheets under /api/v1/reports/timesheets/.

The same selectors, services and exports as the pages: a person or department the caller may not see answers
404, confirming without the right 403. The person's and the department's timesheet answer JSON, or a file
with ?format=csv|xlsx (or the matching Accept header).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import exports, selectors, services
from .control import _page_link

# --- serializers ---------------------------------------------------------------------------------------------


class TimesheetDepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class TimesheetPersonMiniSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()

    def get_name(self, person) -> str:
        return person.full_name or person.email


class TimesheetPersonRefSerializer(TimesheetPersonMiniSerializer):
    email = serializers.EmailField()
    department = TimesheetDepartmentRefSerializer(allow_null=True)
    is_active = serializers.BooleanField()


class TimesheetTotalsSerializer(serializers.Serializer):
    working_days = serializers.IntegerField()
    days_worked = serializers.IntegerField()
    worked_seconds = serializers.IntegerField()
    worked_hours = serializers.FloatField()
    task_seconds = serializers.IntegerField()
    task_hours = serializers.FloatField()
    late = serializers.IntegerField()
    early_end = serializers.IntegerField()
    short = serializers.IntegerField()
    auto_closed = serializers.IntegerField()
    to_confirm = serializers.IntegerField()
    absences = serializers.IntegerField(help_text="Working days marked absent.")
    missing = serializers.IntegerField(
        help_text="Past working days with neither a working day nor an absence."
    )
    signal = serializers.ChoiceField(choices=["green", "amber", "red"])


class TimesheetConfirmationSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="user_id")
    month = serializers.DateField(help_text="The first day of the month.")
    confirmed_by = TimesheetPersonMiniSerializer(allow_null=True)
    confirmed_at = serializers.DateTimeField()
    totals = serializers.JSONField(help_text="The totals as they were when confirmed.")


class TimesheetDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    is_working_day = serializers.BooleanField()
    absence = serializers.CharField(help_text="The absence's label; empty when none.")
    state = serializers.CharField(help_text="open, paused or closed; empty without a working day.")
    started_at = serializers.SerializerMethodField(help_text="ISO 8601 with the person's UTC offset.")
    ended_at = serializers.SerializerMethodField(help_text="ISO 8601 with the person's UTC offset.")
    paused_seconds = serializers.IntegerField()
    worked_seconds = serializers.IntegerField()
    task_seconds = serializers.IntegerField()
    is_late = serializers.BooleanField()
    is_early_end = serializers.BooleanField()
    is_short = serializers.BooleanField()
    auto_closed = serializers.BooleanField()
    needs_confirmation = serializers.BooleanField()
    missing = serializers.BooleanField()
    signal = serializers.CharField(help_text="red, amber or empty.")

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_started_at(self, row) -> str | None:
        return row.started_at.isoformat() if row.started_at else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_ended_at(self, row) -> str | None:
        return row.ended_at.isoformat() if row.ended_at else None


class TimesheetSerializer(serializers.Serializer):
    person = TimesheetPersonRefSerializer()
    month = serializers.CharField(source="month_param", help_text="YYYY-MM")
    time_zone = serializers.CharField(source="spec.time_zone")
    days = TimesheetDaySerializer(many=True)
    totals = TimesheetTotalsSerializer()
    confirmation = TimesheetConfirmationSerializer(allow_null=True)
    confirmation_outdated = serializers.BooleanField()
    can_confirm = serializers.BooleanField()


class TimesheetDepartmentRowSerializer(serializers.Serializer):
    person = TimesheetPersonRefSerializer()
    totals = TimesheetTotalsSerializer()
    confirmation = TimesheetConfirmationSerializer(allow_null=True)
    confirmation_outdated = serializers.BooleanField()
    can_confirm = serializers.BooleanField()


class TimesheetDepartmentSerializer(serializers.Serializer):
    department = TimesheetDepartmentRefSerializer()
    month = serializers.CharField(help_text="YYYY-MM")
    subtree = serializers.BooleanField()
    count = serializers.IntegerField(help_text="Rows over all pages (the people of the department).")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.CharField(allow_null=True, help_text="The next page's URL.")
    previous = serializers.CharField(allow_null=True, help_text="The previous page's URL.")
    rows = TimesheetDepartmentRowSerializer(many=True, help_text="This page's rows (50 a page).")
    totals = TimesheetTotalsSerializer(help_text="The totals over everybody, not just this page.")


class TimesheetConfirmInputSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="The person's id.")
    month = serializers.RegexField(r"^\d{4}-\d{1,2}$", help_text="YYYY-MM")


# --- file formats ---------------------------------------------------------------------------------------------


class _FileRenderer(BaseRenderer):
    """Lets ?format=csv|xlsx (or Accept) choose a file; the view builds the file itself."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else b""


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(_FileRenderer):
    media_type = exports.CONTENT_TYPES["xlsx"]
    format = "xlsx"


class _TimesheetFileView(APIView):
    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]

    def _file_format(self) -> str | None:
        fmt = getattr(self.request.accepted_renderer, "format", "json")
        return fmt if fmt in exports.FORMATS else None

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors (and any JSON answer) stay JSON even when a file was asked for.
        if isinstance(response, Response) and getattr(request, "accepted_renderer", None) is not None:
            if request.accepted_renderer.format in exports.FORMATS:
                request.accepted_renderer = JSONRenderer()
                request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


# Rows of a page of a department's timesheet (as the page's); the totals and the files cover everybody.
DEPARTMENT_PAGE_SIZE = selectors.DEPARTMENT_PAGE_SIZE


def _query_month(request):
    return selectors.timesheet_month(request.query_params.get("month"), user=request.user)


MONTH = OpenApiParameter("month", str, description="YYYY-MM; the caller's current month when left out.")
FORMAT = OpenApiParameter(
    "format", str, enum=["json", "csv", "xlsx"], description="json (default), or a csv / xlsx file."
)
FILES = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The timesheet as CSV (UTF-8)."),
    (200, exports.CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY, description="As XLSX."),
}


class TimesheetPersonView(_TimesheetFileView):
    @extend_schema(
        summary="A person's monthly timesheet (mine by default)",
        description="One row per date of the month in the person's time zone, the totals and the "
        "confirmation. A person the caller may not see answers 404.",
        parameters=[
            OpenApiParameter("person", int, description="The person's id; the caller when left out."),
            MONTH,
            FORMAT,
        ],
        responses={(200, "application/json"): TimesheetSerializer, **FILES, 400: None, 404: None},
    )
    def get(self, request):
        month = _query_month(request)
        person = request.query_params.get("person") or request.user.pk
        sheet = selectors.timesheet_person(user=request.user, person=person, month=month)
        fmt = self._file_format()
        if fmt:
            return exports.timesheet_person_export(sheet, fmt).response()
        return Response(TimesheetSerializer(sheet).data)


class TimesheetDepartmentView(_TimesheetFileView):
    @extend_schema(
        summary="A department's monthly timesheet: one line of totals per person",
        description="The department the caller heads by default (the company for HR and admins). "
        "A department outside the sub-tree the caller heads answers 404.",
        parameters=[
            OpenApiParameter("department", int, description="The department's id."),
            MONTH,
            OpenApiParameter("subtree", bool, description="Include sub-departments (default true)."),
            OpenApiParameter(
                "page", int, description="The page of rows (1 by default; 50 rows a page; files hold all)."
            ),
            FORMAT,
        ],
        responses={(200, "application/json"): TimesheetDepartmentSerializer, **FILES, 400: None, 404: None},
    )
    def get(self, request):
        month = _query_month(request)
        department = selectors.timesheet_department_get(
            user=request.user, pk=request.query_params.get("department")
        )
        subtree = request.query_params.get("subtree", "true").lower() not in ("0", "false", "no")
        fmt = self._file_format()
        if fmt:
            rows = selectors.timesheet_department(
                user=request.user, department=department, month=month, subtree=subtree
            )
            return exports.timesheet_department_export(
                department=department, month=month, rows=rows, fmt=fmt
            ).response()
        sheet = selectors.timesheet_department_page(
            user=request.user,
            department=department,
            month=month,
            subtree=subtree,
            page=request.query_params.get("page") or 1,
            per_page=DEPARTMENT_PAGE_SIZE,
        )
        data = {
            "department": department,
            "month": f"{month:%Y-%m}",
            "subtree": subtree,
            "count": sheet.count,
            "page": sheet.page,
            "pages": sheet.pages,
            "next": _page_link(request, sheet.next_page),
            "previous": _page_link(request, sheet.previous_page),
            "rows": sheet.rows,
            "totals": sheet.totals,
        }
        return Response(TimesheetDepartmentSerializer(data).data)


class TimesheetConfirmView(APIView):
    @extend_schema(
        summary="Confirm a person's month (their supervisor, HR, an admin)",
        description="Stores the totals as they are now; confirming again replaces them.",
        request=TimesheetConfirmInputSerializer,
        responses={200: TimesheetConfirmationSerializer, 400: None, 403: None, 404: None},
    )
    def post(self, request):
        data = TimesheetConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        confirmation = services.timesheet_confirm(actor=request.user, **data.validated_data)
        return Response(TimesheetConfirmationSerializer(confirmation).data)


class TimesheetUnconfirmView(APIView):
    @extend_schema(
        summary="Withdraw the confirmation of a person's month",
        request=TimesheetConfirmInputSerializer,
        responses={204: None, 400: None, 403: None, 404: None},
    )
    def post(self, request):
        data = TimesheetConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.timesheet_unconfirm(actor=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("timesheets/person/", TimesheetPersonView.as_view(), name="timesheet-person"),
    path("timesheets/department/", TimesheetDepartmentView.as_view(), name="timesheet-department"),
    path("timesheets/confirm/", TimesheetConfirmView.as_view(), name="timesheet-confirm"),
    path("timesheets/unconfirm/", TimesheetUnconfirmView.as_view(), name="timesheet-unconfirm"),
]
