"""The one FilterSet of groups: the list page and the list API both use it."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from .choices import GroupKind, GroupVisibility
from .models import Membership, Workgroup


class WorkgroupFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=GroupKind.choices, label=_("Kind"))
    visibility = django_filters.ChoiceFilter(choices=GroupVisibility.choices, label=_("Visibility"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Only my groups"))
    archived = django_filters.BooleanFilter(field_name="is_archived", label=_("Archived"))

    class Meta:
        model = Workgroup
        fields = ["q", "kind", "visibility", "mine", "archived"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    def filter_q(self, queryset, name, value):
        words = value.split()[:6]
        for word in words:
            queryset = queryset.filter(Q(name__icontains=word) | Q(description__icontains=word))
        return queryset

    def filter_mine(self, queryset, name, value):
        user = self.user
        if value is None:
            return queryset
        if not (user and user.is_authenticated):
            return queryset.none() if value else queryset
        is_member = Exists(Membership.objects.filter(group=OuterRef("pk"), user=user))
        return queryset.filter(is_member) if value else queryset.exclude(is_member)
