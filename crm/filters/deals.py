"""The deal FilterSet: the deal list, the Kanban, the deal API and the reports' drill-downs."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import Entity, LeadSource, StageKind
from ..counters import idle_q
from ..models import Deal
from .records import FlagFilter, RecordFilterSet, date_input, day_start


class DealFilterSet(RecordFilterSet):
    entity = Entity.DEAL

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    pipeline = django_filters.NumberFilter(field_name="pipeline_id", label=_("Pipeline"))
    stage = django_filters.NumberFilter(field_name="stage_id", label=_("Stage"))
    stage_kind = django_filters.ChoiceFilter(
        choices=StageKind.choices, empty_label=_("Any"), label=_("Open, won or lost")
    )
    closed_from = django_filters.DateFilter(method="filter_closed_from", **date_input(_("Closed from")))
    closed_to = django_filters.DateFilter(method="filter_closed_to", **date_input(_("Closed to")))
    source = django_filters.ChoiceFilter(choices=LeadSource.choices, empty_label=_("Any"), label=_("Source"))
    contact = django_filters.NumberFilter(field_name="contact_id", label=_("Contact"))
    company = django_filters.NumberFilter(field_name="company_id", label=_("Company"))
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", label=_("Amount from"))
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", label=_("Amount to"))
    idle = FlagFilter(method="filter_idle", label=_("Idle"))

    class Meta:
        model = Deal
        fields = [
            "q", "pipeline", "stage", "stage_kind", "responsible", "department",
            "created_from", "created_to", "closed_from", "closed_to", "source",
            "contact", "company", "amount_min", "amount_max", "idle",
        ]  # fmt: skip

    def search_q(self, word: str) -> Q:
        return Q(title__icontains=word)

    def filter_closed_from(self, queryset, name, value):
        return queryset.filter(closed_at__gte=day_start(value))

    def filter_closed_to(self, queryset, name, value):
        return queryset.filter(closed_at__lt=day_start(value + datetime.timedelta(days=1)))

    def filter_idle(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(idle_q())
