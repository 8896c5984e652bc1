"""The reports of the tasks API: efficiency (share of tasks closed on time) and time spent.

The same selectors as the pages (`tasks.selectors.reports`), so the same rules: a person sees themselves, a
supervisor the people of the sub-tree they head, admins everyone. A department outside the caller's sub-tree
answers 404; people the caller may not look at are left out of the rows. Time counts only entries on tasks
the caller may see; a project hidden from the caller or an unknown person answers 404.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..forms.reports import period_bounds
from ..selectors.reports import efficiency_report, time_report

MAX_DAYS = 366 * 3


def _ids(values) -> list[int]:
    """Person ids given as `?people=1,2` or `?people=1&people=2`."""
    ids = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdecimal() or int(part) < 1:  # not isdigit(): it admits "²", which int() refuses
                raise serializers.ValidationError(_("Give person ids separated by commas."))
            ids.append(int(part))
    return list(dict.fromkeys(ids))


# The days a period may cover: the reports count up to the moment after the last day, which the last day
# the calendar has (9999-12-31) has not.
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)


class PeriodQuerySerializer(serializers.Serializer):
    """A period of days (both included); this month when neither bound is given."""

    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def _within_calendar(self, value):
        if not FIRST_DAY <= value <= LAST_DAY:
            raise serializers.ValidationError(_("Choose a day between 1900 and 2999."))
        return value

    validate_start = validate_end = _within_calendar

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if start is None and end is None:
            attrs["start"], attrs["end"] = period_bounds("this_month", timezone.localdate())
            return attrs
        if start is None or end is None:
            field = "start" if start is None else "end"
            raise serializers.ValidationError({field: [_("Give both the first and the last day.")]})
        if end < start:
            raise serializers.ValidationError({"end": [_("The period ends before it starts.")]})
        if (end - start).days > MAX_DAYS:
            raise serializers.ValidationError({"end": [_("Choose at most three years.")]})
        return attrs


class EfficiencyQuerySerializer(PeriodQuerySerializer):
    department = serializers.IntegerField(required=False, min_value=1)
    people = serializers.ListField(child=serializers.CharField(), required=False)

    def validate_people(self, value):
        return _ids(value) or None  # `?people=` with nothing in it: nobody chosen, everyone shown


class TimeReportQuerySerializer(PeriodQuerySerializer):
    group_by = serializers.ChoiceField(choices=["task", "person", "project"], required=False, default="task")
    person = serializers.IntegerField(required=False, min_value=1)
    group = serializers.IntegerField(required=False, min_value=1)


class EfficiencyRowSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(help_text="The person (as the responsible person of the tasks).")
    name = serializers.CharField()
    closed = serializers.IntegerField(help_text="Tasks completed in the period.")
    on_time = serializers.IntegerField(help_text="Of those, the ones never overdue.")
    overdue = serializers.IntegerField(help_text="Tasks still open whose deadline passed in the period.")
    share = serializers.IntegerField(
        allow_null=True, help_text="on_time / (closed + overdue), in percent; null when nothing counted."
    )


class EfficiencyTotalSerializer(EfficiencyRowSerializer):
    user_id = None
    department_id = serializers.IntegerField()


class EfficiencyReportSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    rows = EfficiencyRowSerializer(many=True)
    total = EfficiencyTotalSerializer(
        allow_null=True, help_text="The department's total (with ?department=)."
    )


class TimeReportRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        allow_null=True, help_text="The task, person or project; null for time on tasks without a project."
    )
    name = serializers.CharField(allow_null=True, help_text="Its title or name.")
    seconds = serializers.IntegerField()
    entries = serializers.IntegerField()
    time_estimate = serializers.IntegerField(allow_null=True, help_text="The task's estimate in seconds.")


class TimeReportSerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=["task", "person", "project"])
    start = serializers.DateField()
    end = serializers.DateField()
    rows = TimeReportRowSerializer(many=True)
    total_seconds = serializers.IntegerField()
    total_entries = serializers.IntegerField()


PERIOD_PARAMETERS = [
    OpenApiParameter(
        "start", OpenApiTypes.DATE, description="The first day (with `end`; default: this month)."
    ),
    OpenApiParameter("end", OpenApiTypes.DATE, description="The last day, included."),
]


class EfficiencyView(APIView):
    """Per person: tasks closed in the period, how many on time, how many overdue and still open."""

    @extend_schema(
        summary="Efficiency: the share of tasks closed on time, per person (and a department's total)",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "department",
                OpenApiTypes.INT,
                description="Everyone in this department and below it, with a total row (a department of "
                "the caller's sub-tree; admins: any).",
            ),
            OpenApiParameter(
                "people",
                {"type": "array", "items": {"type": "integer"}},
                explode=False,
                description="Only these people (ids, comma-separated); people the caller may not look at "
                "are left out.",
            ),
        ],
        responses=EfficiencyReportSerializer,
        examples=[
            OpenApiExample(
                "A department in March",
                response_only=True,
                value={
                    "start": "2026-03-01",
                    "end": "2026-03-31",
                    "rows": [
                        {
                            "user_id": 12,
                            "name": "Ann Lee",
                            "closed": 9,
                            "on_time": 8,
                            "overdue": 1,
                            "share": 80,
                        },
                        {
                            "user_id": 15,
                            "name": "Bo Kim",
                            "closed": 0,
                            "on_time": 0,
                            "overdue": 0,
                            "share": None,
                        },
                    ],
                    "total": {
                        "department_id": 4,
                        "name": "Sales",
                        "closed": 9,
                        "on_time": 8,
                        "overdue": 1,
                        "share": 80,
                    },
                },
            )
        ],
    )
    def get(self, request):
        query = EfficiencyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        rows = efficiency_report(
            user=request.user,
            start=data["start"],
            end=data["end"],
            department=data.get("department"),
            people=data.get("people"),
        )
        total = rows.pop() if rows and rows[-1]["is_total"] else None
        body = {"start": data["start"], "end": data["end"], "rows": rows, "total": total}
        return Response(EfficiencyReportSerializer(body).data)


class TimeReportView(APIView):
    """Time logged on tasks the caller may see, summed by task, person or project."""

    @extend_schema(
        summary="Time spent on tasks in a period, by task, person or project, with totals",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "group_by", OpenApiTypes.STR, enum=["task", "person", "project"], description="Default: task."
            ),
            OpenApiParameter("person", OpenApiTypes.INT, description="Only this person's time."),
            OpenApiParameter("group", OpenApiTypes.INT, description="Only time on this project's tasks."),
        ],
        responses=TimeReportSerializer,
        examples=[
            OpenApiExample(
                "By project",
                response_only=True,
                value={
                    "group_by": "project",
                    "start": "2026-03-01",
                    "end": "2026-03-31",
                    "rows": [
                        {"id": 4, "name": "Website", "seconds": 36000, "entries": 12, "time_estimate": None},
                        {"id": None, "name": None, "seconds": 5400, "entries": 3, "time_estimate": None},
                    ],
                    "total_seconds": 41400,
                    "total_entries": 15,
                },
            )
        ],
    )
    def get(self, request):
        query = TimeReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        report = time_report(
            user=request.user,
            group_by=data["group_by"],
            start=data["start"],
            end=data["end"],
            person=data.get("person"),
            group=data.get("group"),
        )
        body = {"group_by": data["group_by"], "start": data["start"], "end": data["end"], **report}
        return Response(TimeReportSerializer(body).data)
