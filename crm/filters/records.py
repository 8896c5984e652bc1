"""What the four CRM record FilterSets share: the responsible person, the department (with its sub-tree), the
creation dates, a word search helper and the custom fields' `cf_<key>` filters.

The list pages, the API and the reports' drill-downs all build these FilterSets, so the parameter names are a
contract: keep them.
"""

from __future__ import annotations

import datetime
import re
from importlib import import_module

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from ..models import Communication

CUSTOM_PREFIX = "cf_"
_KEY = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
MAX_WORDS = 6


def day_start(day: datetime.date) -> datetime.datetime:
    """The first moment of `day` in the current time zone (an indexable bound, unlike `__date`)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def date_input(label) -> dict:
    return {"label": label, "widget": forms.DateInput(attrs={"type": "date"})}


class FlagWidget(forms.CheckboxInput):
    """A check box sent as `name=1`; "1", "true" and "on" mean yes, anything else (or nothing) means no filter."""

    def __init__(self, attrs=None):
        super().__init__({"value": "1", **(attrs or {})}, check_test=lambda value: value is True)

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return True if str(value).lower() in ("1", "true", "on") else None


class FlagFilter(django_filters.BooleanFilter):
    """A yes-only filter (`idle=1`, `untaken=1`): off when absent."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FlagWidget)
        super().__init__(*args, **kwargs)


def words(value: str) -> list[str]:
    return [word for word in (value or "").split() if word][:MAX_WORDS]


def communication_match(owner: str, word: str) -> Exists:
    """The record has a phone, e-mail... containing `word` (phones compared by their digits)."""
    digits = re.sub(r"\D", "", word)
    match = Q(normalized__icontains=word.lower()) | Q(value__icontains=word)
    if len(digits) >= 3:
        match |= Q(normalized__contains=digits)
    return Exists(Communication.objects.filter(match, **{owner: OuterRef("pk")}))


def custom_filters(entity: str) -> dict:
    """The custom fields' filters of `entity` ({"cf_<key>": Filter}) from the custom fields feature, if it
    provides them; else none (the plain `cf_<key>` match below still applies)."""
    try:
        fields = import_module("crm.services.fields")
    except ImportError:
        return {}
    provider = getattr(fields, "custom_filters", None)
    if provider is None:
        return {}
    found = provider(entity)
    return dict(found.items() if hasattr(found, "items") else found)


class RecordFilterSet(FilterSet):
    """The base of the lead, contact, company and deal FilterSets."""

    entity: str = ""
    search_owner: str = ""  # the Communication FK naming this kind of record, for `q`

    responsible = django_filters.NumberFilter(field_name="responsible_id", label=_("Responsible person"))
    department = django_filters.NumberFilter(
        method="filter_department", label=_("Department (with sub-tree)")
    )
    created_from = django_filters.DateFilter(method="filter_created_from", **date_input(_("Created from")))
    created_to = django_filters.DateFilter(method="filter_created_to", **date_input(_("Created to")))

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)
        model = self.queryset.model
        for name, own in custom_filters(self.entity).items():
            own.model = model
            own.parent = self
            self.filters[name] = own

    # What the custom fields feature does not filter itself: `cf_<key>=value` as a case-insensitive match of
    # the stored value (text, number, list value, person id, yes/no as "true"/"false").
    def custom_data(self) -> dict[str, str]:
        found = {}
        for name in self.data.keys() if hasattr(self.data, "keys") else ():
            if not name.startswith(CUSTOM_PREFIX) or name in self.filters:
                continue
            key = name[len(CUSTOM_PREFIX) :]
            value = self.data.get(name)
            if _KEY.match(key) and value not in (None, ""):
                found[key] = str(value)[:200]
        return found

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        for key, value in self.custom_data().items():
            queryset = queryset.filter(**{f"custom__{key}__iexact": value})
        return queryset

    def filter_department(self, queryset, name, value):
        from portal.people.models import Department

        path = Department.objects.filter(pk=value).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        return queryset.filter(responsible__department__path__startswith=path)

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=day_start(value))

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=day_start(value + datetime.timedelta(days=1)))

    def search_q(self, word: str) -> Q:
        """The record's own text fields matching `word` (each FilterSet names them)."""
        raise NotImplementedError

    def filter_q(self, queryset, name, value):
        for word in words(value):
            match = self.search_q(word)
            if self.search_owner:
                match |= Q(communication_match(self.search_owner, word))
            queryset = queryset.filter(match)
        return queryset
