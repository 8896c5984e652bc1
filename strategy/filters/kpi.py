"""The KPI score FilterSet: the card page, the payroll export and the score API use it."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from ..models import KpiScore
from ..models.kpi import ScoreStatus


class KpiScoreFilterSet(FilterSet):
    card = django_filters.NumberFilter(field_name="card_id", label=_("KPI card"))
    person = django_filters.NumberFilter(field_name="person_id", label=_("Person"))
    period = django_filters.DateFilter(field_name="period_start", label=_("Period"))
    status = django_filters.ChoiceFilter(choices=ScoreStatus.choices, empty_label=_("Any"), label=_("Status"))

    class Meta:
        model = KpiScore
        fields = ["card", "person", "period", "status"]
