"""The contact FilterSet: the contact list, the contact API and the reports' drill-downs."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from ..choices import Entity
from ..models import Contact, ContactCompany
from .records import RecordFilterSet


class ContactFilterSet(RecordFilterSet):
    entity = Entity.CONTACT
    search_owner = "contact"

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    company = django_filters.NumberFilter(method="filter_company", label=_("Company"))

    class Meta:
        model = Contact
        fields = ["q", "responsible", "department", "company", "created_from", "created_to"]

    def search_q(self, word: str) -> Q:
        return (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(middle_name__icontains=word)
            | Q(position__icontains=word)
        )

    def filter_company(self, queryset, name, value):
        return queryset.filter(
            Exists(ContactCompany.objects.filter(contact=OuterRef("pk"), company_id=value))
        )
