"""The lead FilterSet: the lead list, the lead API and the reports' drill-downs."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import Entity, LeadSource, LeadStatus
from ..models import CrmSettings, Lead
from .records import FlagFilter, RecordFilterSet

OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.IN_PROGRESS)


class LeadFilterSet(RecordFilterSet):
    entity = Entity.LEAD
    search_owner = "lead"

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices, empty_label=_("Any"), label=_("Status"))
    source = django_filters.ChoiceFilter(choices=LeadSource.choices, empty_label=_("Any"), label=_("Source"))
    untaken = FlagFilter(method="filter_untaken", label=_("Not taken in work in time"))
    no_activity = FlagFilter(method="filter_no_activity", label=_("Without an activity"))

    class Meta:
        model = Lead
        fields = [
            "q", "status", "source", "responsible", "department",
            "created_from", "created_to", "untaken", "no_activity",
        ]  # fmt: skip

    def search_q(self, word: str) -> Q:
        return (
            Q(title__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(company_name__icontains=word)
        )

    def filter_untaken(self, queryset, name, value):
        """New leads nobody took in work within the CRM settings' minutes."""
        if not value:
            return queryset
        minutes = CrmSettings.current().lead_take_minutes
        cutoff = timezone.now() - datetime.timedelta(minutes=minutes)
        return queryset.filter(status=LeadStatus.NEW, taken_at__isnull=True, created_at__lt=cutoff)

    def filter_no_activity(self, queryset, name, value):
        """Open leads (new or in progress) without any activity done or planned."""
        if not value:
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES, last_activity_at__isnull=True)
