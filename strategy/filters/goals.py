"""The goal FilterSet: the goal register page and the goals API filter alike."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from ..choices import GoalHorizon, GoalStatus
from ..models import Goal


def _departments(request):
    from portal.people.models import Department

    user = getattr(request, "user", None)
    return Department.objects.visible_to(user) if user is not None else Department.objects.none()


class GoalFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    horizon = django_filters.ChoiceFilter(
        choices=GoalHorizon.choices, empty_label=_("Any"), label=_("Horizon")
    )
    status = django_filters.ChoiceFilter(choices=GoalStatus.choices, empty_label=_("Any"), label=_("Status"))
    department = django_filters.ModelChoiceFilter(
        queryset=_departments, method="filter_department", label=_("Department"), empty_label=_("Any")
    )
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("Owner"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Parent goal"))
    year = django_filters.NumberFilter(method="filter_year", label=_("Year"), min_value=1, max_value=9999)

    class Meta:
        model = Goal
        fields = ["q", "horizon", "status", "department", "owner", "parent", "year"]

    def filter_q(self, queryset, name, value):
        words = [w for w in (value or "").split() if w][:5]
        for word in words:
            queryset = queryset.filter(Q(title__icontains=word) | Q(description__icontains=word))
        return queryset

    def filter_department(self, queryset, name, value):
        """The department's goals and those of its sub-departments (one path prefix test)."""
        if not value:
            return queryset
        return queryset.filter(department__path__startswith=value.path)

    def filter_year(self, queryset, name, value):
        """Goals whose period overlaps the year."""
        if not value:
            return queryset
        year = int(value)
        return queryset.filter(period_start__year__lte=year, period_end__year__gte=year)
