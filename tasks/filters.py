"""The one FilterSet of tasks: the list pages, the boards, the Gantt chart and the list API all use it."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from .choices import CLOSED_STATUSES, HANDED_IN_STATUSES, MemberRole, TaskPriority, TaskRole, TaskStatus
from .models import Task, TaskMember, TaskTag

SORTS = {
    "deadline": ("deadline", "id"),
    "-deadline": ("-deadline", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "title": ("title", "id"),
    "priority": ("priority", "deadline", "id"),  # "high" sorts before "normal" alphabetically: high first
    "status": ("status", "id"),
    "-updated": ("-updated_at", "-id"),
}
DEFAULT_SORT = "-created"


def filter_by_role(queryset, user, role: str | None):
    """The role lists: "I do", "I help", "I set", "I observe" (anything else: all visible tasks)."""
    if not (user and user.is_authenticated):
        return queryset.none()
    if role == TaskRole.DO:
        return queryset.filter(responsible=user)
    if role == TaskRole.HELP:
        return queryset.filter(
            Exists(TaskMember.objects.filter(task=OuterRef("pk"), user=user, role=MemberRole.PARTICIPANT))
        )
    if role == TaskRole.SET:
        return queryset.filter(creator=user).exclude(responsible=user)
    if role == TaskRole.OBSERVE:
        return queryset.filter(
            Exists(TaskMember.objects.filter(task=OuterRef("pk"), user=user, role=MemberRole.OBSERVER))
        )
    return queryset


class TaskFilterSet(FilterSet):
    role = django_filters.ChoiceFilter(choices=TaskRole.choices, method="filter_role", label=_("Role"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices, label=_("Status"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("Only open"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    no_deadline = django_filters.BooleanFilter(method="filter_no_deadline", label=_("Without a deadline"))
    priority = django_filters.ChoiceFilter(choices=TaskPriority.choices, label=_("Priority"))
    deadline_after = django_filters.DateFilter(
        field_name="deadline",
        lookup_expr="date__gte",
        label=_("Deadline from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    deadline_before = django_filters.DateFilter(
        field_name="deadline",
        lookup_expr="date__lte",
        label=_("Deadline to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_after = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Created from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Created to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    closed_after = django_filters.DateFilter(
        field_name="completed_at",
        lookup_expr="date__gte",
        label=_("Closed from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    closed_before = django_filters.DateFilter(
        field_name="completed_at",
        lookup_expr="date__lte",
        label=_("Closed to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    tag = django_filters.BaseInFilter(method="filter_tags", label=_("Tags (all of them)"))
    group = django_filters.NumberFilter(field_name="group_id", label=_("Workgroup or project"))
    responsible = django_filters.NumberFilter(field_name="responsible_id", label=_("Responsible person"))
    creator = django_filters.NumberFilter(field_name="creator_id", label=_("Creator"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Parent task"))
    top_level = django_filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", label=_("Top level only")
    )
    sort = django_filters.ChoiceFilter(choices=[(k, k) for k in SORTS], method="filter_sort", label=_("Sort"))

    class Meta:
        model = Task
        fields = [
            "role", "q", "status", "open", "overdue", "no_deadline", "priority",
            "deadline_after", "deadline_before", "created_after", "created_before",
            "closed_after", "closed_before", "tag", "group", "responsible", "creator",
            "parent", "top_level", "sort",
        ]  # fmt: skip

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    def filter_role(self, queryset, name, value):
        return filter_by_role(queryset, self.user, value)

    def filter_q(self, queryset, name, value):
        for word in value.split()[:6]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(description__icontains=word))
        return queryset

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.exclude(status__in=CLOSED_STATUSES)
            if value
            else queryset.filter(status__in=CLOSED_STATUSES)
        )

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        # As the overdue counter counts: a task awaiting its creator's control is not overdue.
        return queryset.exclude(status__in=HANDED_IN_STATUSES).filter(deadline__lt=timezone.now())

    def filter_no_deadline(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(deadline__isnull=True)

    def filter_tags(self, queryset, name, value):
        """Tasks carrying every one of the given tag ids."""
        # isdecimal, not isdigit: "²" is a digit that int() refuses.
        for tag_id in [v for v in value if str(v).isdecimal()][:10]:
            queryset = queryset.filter(
                Exists(TaskTag.objects.filter(task=OuterRef("pk"), tag_id=int(tag_id)))
            )
        return queryset

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS[DEFAULT_SORT]))
