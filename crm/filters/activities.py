"""The one FilterSet of activities, for the "my activities" page and the API alike."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.filters import FilterSet

from ..choices import ActivityKind
from ..models import Activity

EVERYONE = "any"
YES_NO = (("0", pgettext_lazy("filter", "No")), ("1", pgettext_lazy("filter", "Yes")))


def _date(label):
    return {"label": label, "widget": forms.DateInput(attrs={"type": "date"})}


class ActivityFilterSet(FilterSet):
    """kind, responsible (a person's id, or "any"), department (the responsible person's, with its
    sub-departments), done (0|1), overdue (1), deadline_from/_to, done_from/_to, deal, contact, company, lead."""

    kind = django_filters.MultipleChoiceFilter(choices=ActivityKind.choices, label=_("Kind"))
    responsible = django_filters.CharFilter(method="filter_responsible", label=_("Responsible person"))
    department = django_filters.NumberFilter(method="filter_department", label=_("Department"))
    done = django_filters.ChoiceFilter(choices=YES_NO, method="filter_done", label=_("Done"))
    overdue = django_filters.ChoiceFilter(
        choices=(("1", pgettext_lazy("filter", "Yes")),), method="filter_overdue", label=_("Overdue")
    )
    deadline_from = django_filters.DateFilter(
        field_name="deadline", lookup_expr="date__gte", **_date(_("Deadline from"))
    )
    deadline_to = django_filters.DateFilter(
        field_name="deadline", lookup_expr="date__lte", **_date(_("Deadline to"))
    )
    done_from = django_filters.DateFilter(
        field_name="done_at", lookup_expr="date__gte", **_date(_("Done from"))
    )
    done_to = django_filters.DateFilter(field_name="done_at", lookup_expr="date__lte", **_date(_("Done to")))
    deal = django_filters.NumberFilter(field_name="deal_id", label=_("Deal"))
    contact = django_filters.NumberFilter(field_name="contact_id", label=_("Contact"))
    company = django_filters.NumberFilter(field_name="company_id", label=_("Company"))
    lead = django_filters.NumberFilter(field_name="lead_id", label=_("Lead"))

    class Meta:
        model = Activity
        fields = [
            "kind",
            "responsible",
            "department",
            "done",
            "overdue",
            "deadline_from",
            "deadline_to",
            "done_from",
            "done_to",
            "deal",
            "contact",
            "company",
            "lead",
        ]

    def filter_responsible(self, queryset, name, value):
        value = (value or "").strip()
        if not value or value == EVERYONE:
            return queryset
        if not value.isdecimal():
            return queryset.none()
        return queryset.filter(responsible_id=int(value))

    def filter_department(self, queryset, name, value):
        from portal.people.models import Department

        path = Department.objects.filter(pk=value).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        return queryset.filter(responsible__department__path__startswith=path)

    def filter_done(self, queryset, name, value):
        return queryset.filter(is_done=value == "1") if value in ("0", "1") else queryset

    def filter_overdue(self, queryset, name, value):
        if value != "1":
            return queryset
        return queryset.filter(is_done=False, deadline__lt=timezone.now())
