"""The one FilterSet of absences, for the absence list page and the API alike."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from ..models import Absence, AbsenceType


def _date(label):
    return {"label": label, "widget": forms.DateInput(attrs={"type": "date"})}


class AbsenceFilterSet(FilterSet):
    """person (an id), department (an id; its sub-departments included unless subdepartments=0), type (ids,
    repeated), date_from / date_to (absences overlapping the range), process (an id)."""

    person = django_filters.NumberFilter(field_name="user_id", label=_("Person"))
    department = django_filters.NumberFilter(method="filter_department", label=_("Department"))
    subdepartments = django_filters.BooleanFilter(method="filter_nothing", label=_("With sub-departments"))
    type = django_filters.ModelMultipleChoiceFilter(
        field_name="type", queryset=AbsenceType.objects.all(), label=_("Type")
    )
    date_from = django_filters.DateFilter(field_name="end", lookup_expr="gte", **_date(_("From")))
    date_to = django_filters.DateFilter(field_name="start", lookup_expr="lte", **_date(_("To")))
    process = django_filters.NumberFilter(field_name="process_id", label=_("Process"))

    class Meta:
        model = Absence
        fields = ["person", "department", "subdepartments", "type", "date_from", "date_to", "process"]

    def filter_department(self, queryset, name, value):
        from portal.people.models import Department

        path = Department.objects.filter(pk=value).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        if self.form.cleaned_data.get("subdepartments") is False:
            return queryset.filter(user__department__path=path)
        return queryset.filter(user__department__path__startswith=path)

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_department
