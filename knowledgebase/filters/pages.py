"""The page FilterSet: the space's page list, the recent changes and the pages API all use it (the parameter
names are a contract: keep them)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from ..choices import PageStatus
from ..models import Page, PageTag

MAX_WORDS = 6


def filter_data(data) -> QueryDict:
    """The filters actually given: empty inputs mean "any", not a bad value."""
    out = QueryDict(mutable=True)
    if data is None:
        return out
    pairs = (
        data.lists()
        if hasattr(data, "lists")
        else ((k, v if isinstance(v, list) else [v]) for k, v in data.items())
    )
    for key, values in pairs:
        kept = [str(v) for v in values if v not in (None, "")]
        if kept:
            out.setlist(key, kept)
    return out


class PageFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Title contains"))
    space = django_filters.NumberFilter(field_name="space_id", label=_("Space"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Parent page"))
    tag = django_filters.CharFilter(method="filter_tag", label=_("Tag"))
    status = django_filters.ChoiceFilter(choices=PageStatus.choices, empty_label=_("Any"), label=_("Status"))
    responsible = django_filters.NumberFilter(field_name="responsible_id", label=_("Responsible editor"))
    review_before = django_filters.DateFilter(
        field_name="review_by", lookup_expr="lte", label=_("Review by, on or before")
    )

    class Meta:
        model = Page
        fields = ["q", "space", "parent", "tag", "status", "responsible", "review_before"]

    def filter_q(self, queryset, name, value):
        for word in (value or "").split()[:MAX_WORDS]:
            queryset = queryset.filter(Q(title__icontains=word))
        return queryset

    def filter_tag(self, queryset, name, value):
        tag = " ".join(str(value).split()).lower()
        return queryset.filter(Exists(PageTag.objects.filter(page=OuterRef("pk"), name=tag)))
