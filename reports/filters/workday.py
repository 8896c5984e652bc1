"""The one FilterSet of working days: the days page and the days API both use it."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.utils import extend_schema_field

from portal.core.filters import FilterSet

from ..choices import DayState
from ..models import WorkDay


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type="month"> sends); cleans to its first day."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return datetime.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 - a date, no time
        except ValueError as exc:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from exc


@extend_schema_field({"type": "string", "pattern": "^\\d{4}-\\d{2}$", "example": "2026-11"})
class MonthFilter(django_filters.Filter):
    field_class = MonthField

    def filter(self, qs, value):
        if not value:
            return qs
        nxt = (value.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return qs.filter(date__gte=value, date__lt=nxt)


class WorkDayFilterSet(FilterSet):
    person = django_filters.NumberFilter(field_name="user_id", label=_("Person"))
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label=pgettext_lazy("period", "From")
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label=pgettext_lazy("period", "To")
    )
    month = MonthFilter(label=_("Month"))
    state = django_filters.ChoiceFilter(choices=DayState.choices, label=_("State"))
    late = django_filters.BooleanFilter(field_name="is_late", label=_("Late start"))
    short = django_filters.BooleanFilter(field_name="is_short", label=_("Day too short"))
    early_end = django_filters.BooleanFilter(field_name="is_early_end", label=_("Early end"))
    auto_closed = django_filters.BooleanFilter(field_name="auto_closed", label=_("Closed automatically"))
    needs_confirmation = django_filters.BooleanFilter(
        field_name="needs_confirmation", label=_("Waiting for confirmation")
    )
    department = django_filters.NumberFilter(
        method="filter_department", label=_("Department (with sub-tree)")
    )

    class Meta:
        model = WorkDay
        fields = [
            "person",
            "date_from",
            "date_to",
            "month",
            "state",
            "late",
            "short",
            "early_end",
            "auto_closed",
            "needs_confirmation",
            "department",
        ]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    def filter_department(self, queryset, name, value):
        from portal.people.models import Department

        path = Department.objects.filter(pk=value).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        return queryset.filter(user__department__path__startswith=path)
