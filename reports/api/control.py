"""Reports API: control (under /api/v1/reports/).

- GET dashboard/?subtree=1&signals=1&page=2: the control dashboard, the same data as reports:home (columns, a
  page of rows, people with signals first, with a cell per column; the red/amber counts and the summary over
  everybody; today's control time);
- touch/: GET the checks I may see (mine; HR and admins all), POST pick a random item to check
  ({"subject": id} optional), GET touch/{id}/, POST touch/{id}/done/ ({"note": ""});
- control-time/: GET ?date=YYYY-MM-DD&subtree=1 (my control time against the budget), POST control-time/beat/ (one
  heartbeat of a control page).

The same selectors and services as the pages: people who control nobody get 403; a check the caller may
not see answers 404.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from .. import selectors, services
from ..choices import Signal
from ..models import ControlCheck

User = get_user_model()


def _require_control(user) -> None:
    if not selectors.can_control(user):
        raise PermissionDenied(_("Only those who supervise people have the control endpoints."))


# --- serializers -----------------------------------------------------------------------------------------


class ControlPersonSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    department = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "full_name", "email", "position", "department"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_department(self, person) -> str | None:
        return person.department.name if person.department_id else None


class DashboardCellSerializer(serializers.Serializer):
    value = serializers.JSONField(
        help_text="The raw value (a number, a state, a rating...).", allow_null=True
    )
    signal = serializers.ChoiceField(choices=Signal.choices)
    url = serializers.CharField(help_text="The list behind the cell.", allow_blank=True)
    text = serializers.CharField(help_text="What the page shows.")
    hint = serializers.CharField(help_text="Why the cell has its colour.", allow_blank=True)


class DashboardColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    help_text = serializers.CharField(allow_blank=True)
    order = serializers.IntegerField()


class DashboardRowSerializer(serializers.Serializer):
    person = ControlPersonSerializer()
    red = serializers.IntegerField()
    amber = serializers.IntegerField()
    cells = serializers.DictField(child=DashboardCellSerializer(), help_text="Cells by column key.")


# A view set's `list` answers one object here: `many=False` keeps the schema from wrapping it in an array.
@extend_schema_serializer(many=False)
class ControlTimeSerializer(serializers.Serializer):
    date = serializers.DateField()
    seconds = serializers.IntegerField(help_text="Measured control time of the day.")
    budget_seconds = serializers.IntegerField(
        help_text="5% of the working time today of the people controlled (0 on a day off)."
    )
    share = serializers.IntegerField(
        allow_null=True, help_text="The budget used, in whole % (null when there is no budget)."
    )
    budget_share = serializers.FloatField()
    controlled_seconds = serializers.IntegerField(
        help_text="The working time the budget is a share of: worked so far, or scheduled for those who "
        "have not started yet."
    )
    basis = serializers.ChoiceField(
        choices=["worked", "scheduled", "mixed", "day_off", "nobody"],
        help_text="worked: everybody scheduled has started; scheduled: nobody has; mixed: some have; "
        "day_off: nobody is scheduled to work today; nobody: the caller controls nobody.",
    )
    has_budget = serializers.BooleanField()
    people = serializers.IntegerField()
    over_budget = serializers.BooleanField()
    time = serializers.CharField(help_text='The control time as shown ("2 min 15 s").')
    budget_time = serializers.CharField(help_text='The budget as shown ("12 min").')


@extend_schema_serializer(many=False)
class DashboardSerializer(serializers.Serializer):
    today = serializers.DateField()
    subtree = serializers.BooleanField()
    only_signals = serializers.BooleanField()
    people_count = serializers.IntegerField()
    red = serializers.IntegerField()
    amber = serializers.IntegerField()
    signals = serializers.IntegerField()
    summary = serializers.CharField(help_text='"All is fine" or "N signals".')
    people_red = serializers.IntegerField(help_text="People with a red cell (everybody, not just this page).")
    people_amber = serializers.IntegerField(help_text="People with an amber cell and no red one.")
    count = serializers.IntegerField(help_text="Rows over all pages (after `signals`).")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.CharField(allow_null=True, help_text="The next page's URL.")
    previous = serializers.CharField(allow_null=True, help_text="The previous page's URL.")
    columns = DashboardColumnSerializer(many=True)
    rows = DashboardRowSerializer(many=True)
    control_time = ControlTimeSerializer()


class ControlCheckSerializer(serializers.ModelSerializer):
    subject = ControlPersonSerializer(read_only=True)
    item_type = serializers.SerializerMethodField()

    class Meta:
        model = ControlCheck
        fields = [
            "id",
            "supervisor",
            "subject",
            "item_type",
            "item_id",
            "item_repr",
            "item_url",
            "picked_at",
            "checked_at",
            "note",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_item_type(self, check: ControlCheck) -> str:
        return f"{check.item_type.app_label}.{check.item_type.model}"


class TouchPickSerializer(serializers.Serializer):
    subject = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Whose item to check (one of my people); empty: anyone of them at random.",
    )


class TouchDoneSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class ControlTimeQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="My local date (default: today).")
    subtree = serializers.BooleanField(
        required=False,
        default=False,
        help_text="1: the budget of the whole sub-tree; otherwise the direct people.",
    )


class ControlBeatSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="Seconds this beat added.")
    seconds = serializers.IntegerField(help_text="Control time of the day so far.")
    date = serializers.DateField()


def _page_link(request, number: int | None) -> str | None:
    if number is None:
        return None
    params = request.query_params.copy()
    params["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _dashboard_data(board, control_time: dict, request) -> dict:
    keys = [column.key for column in board.columns]
    return {
        "people_red": board.people_red,
        "people_amber": board.people_amber,
        "count": board.row_count,
        "page": board.page,
        "pages": board.pages,
        "next": _page_link(request, board.next_page),
        "previous": _page_link(request, board.previous_page),
        "today": board.today,
        "subtree": board.subtree,
        "only_signals": board.only_signals,
        "people_count": board.people_count,
        "red": board.red,
        "amber": board.amber,
        "signals": board.signals,
        "summary": board.summary,
        "columns": [
            {"key": c.key, "label": str(c.label), "help_text": str(c.help_text or ""), "order": c.order}
            for c in board.columns
        ],
        "rows": [
            {
                "person": row.person,
                "red": row.red,
                "amber": row.amber,
                "cells": {key: cell.as_dict() for key, cell in zip(keys, row.cells, strict=True)},
            }
            for row in board.rows
        ],
        "control_time": control_time,
    }


TRUE = ("1", "true", "on", "yes")
SUBTREE = OpenApiParameter(
    "subtree", OpenApiTypes.BOOL, description="1: the whole sub-tree; otherwise the direct subordinates."
)
SIGNALS = OpenApiParameter(
    "signals", OpenApiTypes.BOOL, description="1: only the rows with a red or amber cell."
)
PAGE = OpenApiParameter(
    "page", OpenApiTypes.INT, description="The page of rows (1 by default; 50 rows a page, signals first)."
)


# --- views -----------------------------------------------------------------------------------------------


class DashboardViewSet(viewsets.ViewSet):
    """The control dashboard of the caller."""

    @extend_schema(
        summary="My control dashboard (supervisors, HR, admins)",
        parameters=[SUBTREE, SIGNALS, PAGE],
        responses=DashboardSerializer,
    )
    def list(self, request):
        user = request.user
        _require_control(user)
        board = selectors.dashboard(
            user=user,
            subtree=request.query_params.get("subtree", "").lower() in TRUE,
            only_signals=request.query_params.get("signals", "").lower() in TRUE,
            page=request.query_params.get("page") or 1,
        )
        control_time = selectors.control_time_summary(
            user=user, date=board.today, now=board.now, people_ids=board.direct_ids, subtree=board.subtree
        )
        return Response(DashboardSerializer(_dashboard_data(board, control_time, request)).data)


class TouchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """ "Touch" control: random recent items of my people to check, and my checks."""

    serializer_class = ControlCheckSerializer
    queryset = ControlCheck.objects.none()  # the schema's model; requests go through get_queryset
    ordering_fields = ["picked_at", "checked_at"]
    ordering = ["-picked_at", "-id"]

    def get_queryset(self):
        return selectors.touch_list(user=self.request.user)

    @extend_schema(summary="The checks I may see (mine; HR and admins all), newest first")
    def list(self, request, *args, **kwargs):
        _require_control(request.user)
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One check")
    def retrieve(self, request, *args, **kwargs):
        check = selectors.touch_get(user=request.user, pk=kwargs["pk"])
        return Response(ControlCheckSerializer(check).data)

    @extend_schema(
        summary="Pick a random recent item of one of my people to check",
        request=TouchPickSerializer,
        responses={201: ControlCheckSerializer},
    )
    def create(self, request, *args, **kwargs):
        _require_control(request.user)
        data = TouchPickSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        check = services.touch_pick(actor=request.user, subject=data.validated_data.get("subject"))
        check = selectors.touch_get(user=request.user, pk=check.pk)
        return Response(ControlCheckSerializer(check).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a picked item as checked (the supervisor who picked it)",
        request=TouchDoneSerializer,
        responses=ControlCheckSerializer,
    )
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        check = selectors.touch_get(user=request.user, pk=pk)
        data = TouchDoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.touch_done(actor=request.user, check=check, note=data.validated_data["note"])
        return Response(ControlCheckSerializer(selectors.touch_get(user=request.user, pk=pk)).data)


class ControlTimeViewSet(viewsets.ViewSet):
    """My measured control time against the 5% budget."""

    @extend_schema(
        summary="My control time of a day against the budget",
        parameters=[ControlTimeQuerySerializer],
        responses=ControlTimeSerializer,
    )
    def list(self, request):
        _require_control(request.user)
        query = ControlTimeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        summary = selectors.control_time_summary(
            user=request.user,
            date=query.validated_data.get("date"),
            subtree=query.validated_data["subtree"],
        )
        return Response(ControlTimeSerializer(summary).data)

    @extend_schema(
        summary="One heartbeat of a control page (adds the measured seconds)",
        request=None,
        responses=ControlBeatSerializer,
    )
    @action(detail=False, methods=["post"])
    def beat(self, request):
        row = services.control_time_beat(actor=request.user)
        return Response(
            ControlBeatSerializer({"added": row.added, "seconds": row.seconds, "date": row.date}).data
        )


router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("dashboard", DashboardViewSet, basename="reports-dashboard")
router.register("touch", TouchViewSet, basename="reports-touch")
router.register("control-time", ControlTimeViewSet, basename="reports-control-time")

urlpatterns = router.urls
