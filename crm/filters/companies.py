"""The company FilterSet: the company list, the company API and the reports' drill-downs."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import Entity
from ..models import Company
from ..models.companies import CompanyKind
from .records import RecordFilterSet


class CompanyFilterSet(RecordFilterSet):
    entity = Entity.COMPANY
    search_owner = "company"

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=CompanyKind.choices, empty_label=_("Any"), label=_("Kind"))

    class Meta:
        model = Company
        fields = ["q", "kind", "responsible", "department", "created_from", "created_to"]

    def search_q(self, word: str) -> Q:
        return Q(name__icontains=word) | Q(tax_id__icontains=word) | Q(industry__icontains=word)
