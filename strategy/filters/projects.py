"""The project register's FilterSet (page and API): by goal, department and status."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet
from portal.groups.models import Workgroup

from ..models import GoalProjectLink


def _departments(request):
    from portal.people.models import Department

    user = getattr(request, "user", None)
    return Department.objects.visible_to(user) if user is not None else Department.objects.none()


PROJECT_STATUSES = [
    ("planned", _("Planned")),
    ("active", _("Running")),
    ("finished", _("Finished")),
    ("archived", _("Archived")),
]


class ProjectFilterSet(FilterSet):
    goal = django_filters.NumberFilter(method="filter_goal", label=_("Goal"))
    department = django_filters.ModelChoiceFilter(
        queryset=_departments, method="filter_department", label=_("Department"), empty_label=_("Any")
    )
    status = django_filters.ChoiceFilter(
        choices=PROJECT_STATUSES, method="filter_status", empty_label=_("Any"), label=_("Status")
    )
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = Workgroup
        fields = ["goal", "department", "status", "q"]

    def filter_goal(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(GoalProjectLink.objects.filter(project=OuterRef("pk"), goal_id=value)))

    def filter_department(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(department__path__startswith=value.path)

    def filter_status(self, queryset, name, value):
        today = timezone.localdate()
        if value == "archived":
            return queryset.filter(is_archived=True)
        queryset = queryset.filter(is_archived=False)
        if value == "planned":
            return queryset.filter(start_date__gt=today)
        if value == "finished":
            return queryset.filter(end_date__lt=today)
        if value == "active":
            return queryset.filter(Q(start_date__lte=today) | Q(start_date__isnull=True)).filter(
                Q(end_date__gte=today) | Q(end_date__isnull=True)
            )
        return queryset
