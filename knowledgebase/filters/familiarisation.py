"""The FilterSets of familiarisation, each for a page and its API alike: campaigns, and reading requests
(a campaign's progress, a person's reading list)."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from ..models.familiarisation import Campaign, CampaignStatus, ReadingAssignment, ReadingState


class CampaignFilterSet(FilterSet):
    """space, status, mine (1: the campaigns I started)."""

    space = django_filters.NumberFilter(field_name="space_id", label=_("Space"))
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, label=_("Status"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Started by me"))

    class Meta:
        model = Campaign
        fields = ["space", "status", "mine"]

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        return queryset.filter(created_by_id=getattr(user, "pk", None)) if value else queryset


class ReadingFilterSet(FilterSet):
    """campaign, page_id, user (ids; `page` is the pagination's), state (read | pending | overdue)."""

    campaign = django_filters.NumberFilter(field_name="campaign_id", label=_("Campaign"))
    page_id = django_filters.NumberFilter(field_name="page_id", label=_("Page"))
    user = django_filters.NumberFilter(field_name="user_id", label=_("Person"))
    state = django_filters.ChoiceFilter(choices=ReadingState.choices, method="filter_state", label=_("State"))

    class Meta:
        model = ReadingAssignment
        fields = ["campaign", "page_id", "user", "state"]

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        if value == ReadingState.READ:
            return queryset.filter(confirmed_at__isnull=False)
        if value == ReadingState.OVERDUE:
            return queryset.filter(confirmed_at__isnull=True, due_on__lt=today)
        if value == ReadingState.PENDING:
            return queryset.filter(confirmed_at__isnull=True, due_on__gte=today)
        return queryset
