"""The indicator FilterSet: the register page and the indicator API both use it (the parameter names are a
contract: keep them)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from ..choices import Rag
from ..models import Indicator
from ..models.indicators import IndicatorSource, PeriodKind

MAX_WORDS = 6


class IndicatorFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    source = django_filters.ChoiceFilter(
        choices=IndicatorSource.choices, empty_label=_("Any"), label=_("Source")
    )
    status = django_filters.ChoiceFilter(
        field_name="last_status", choices=Rag.choices, empty_label=_("Any"), label=_("Status")
    )
    period = django_filters.ChoiceFilter(choices=PeriodKind.choices, empty_label=_("Any"), label=_("Period"))
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("Owner"))
    goal = django_filters.NumberFilter(method="filter_goal", label=_("Goal"))

    class Meta:
        model = Indicator
        fields = ["q", "source", "status", "period", "owner", "goal"]

    def filter_q(self, queryset, name, value):
        for word in (value or "").split()[:MAX_WORDS]:
            queryset = queryset.filter(name__icontains=word)
        return queryset

    def filter_goal(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(goal_links__goal_id=value)
