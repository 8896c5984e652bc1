"""The one FilterSet of work reports: the list page and the list API both use it."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.filters import FilterSet

from ..choices import Rating, ReportPeriod, ReportStatus
from ..models import WorkReport


class WorkReportFilterSet(FilterSet):
    author = django_filters.NumberFilter(field_name="author_id", label=_("Author"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("Status"))
    rating = django_filters.ChoiceFilter(choices=Rating.choices, label=_("Rating"))
    period = django_filters.ChoiceFilter(choices=ReportPeriod.choices, label=_("Period"))
    date_from = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", label=pgettext_lazy("period", "From")
    )
    date_to = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label=pgettext_lazy("period", "To")
    )
    late = django_filters.BooleanFilter(field_name="is_late", label=_("Sent late"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Only my reports"))
    waiting = django_filters.BooleanFilter(method="filter_waiting", label=_("Waiting for my rating"))

    class Meta:
        model = WorkReport
        fields = ["author", "status", "rating", "period", "date_from", "date_to", "late", "mine", "waiting"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    def _signed_in(self) -> bool:
        return bool(self.user and self.user.is_authenticated)

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        if not self._signed_in():
            return queryset.none() if value else queryset
        return queryset.filter(author=self.user) if value else queryset.exclude(author=self.user)

    def filter_waiting(self, queryset, name, value):
        """Sent reports the viewer should rate (of the sub-tree they head; HR/admin: anyone's)."""
        from ..selectors.reports import waiting_for_q

        if value is None:
            return queryset
        waiting = waiting_for_q(self.user, direct_only=False)
        return queryset.filter(waiting) if value else queryset.exclude(waiting)
