"""The FilterSet base of Lumen's lists: django-filter's, with a cheaper copy of the filters per request.

django-filter deep-copies every declared filter on each FilterSet it builds, with their choices (lazy
translations), widgets and querysets: for a list of twenty filters that is several hundred `deepcopy` calls
on every request of a list page or API, before anything is filtered. A filter keeps no state of its own
between requests but three things, which this copy gives each FilterSet afresh:

- `parent` and `model`, set by the FilterSet that owns the copy;
- the form field, built lazily from the filter's arguments (and, for model choices, from the request);
- the bound `FilterMethod` of a `method=` filter, which must call the owning FilterSet.

Everything else (the arguments in `extra`, choices, widgets) is only read, so it is shared.
"""

from __future__ import annotations

import copy

import django_filters
from django.http import QueryDict
from django_filters.filters import FilterMethod


def _own_copy(declared: django_filters.Filter) -> django_filters.Filter:
    own = copy.copy(declared)
    own.__dict__.pop("_field", None)  # built per FilterSet, from this request
    if isinstance(declared.__dict__.get("filter"), FilterMethod):
        own.method = declared.method  # re-binds `filter` to a FilterMethod of the copy
    return own


class FilterSet(django_filters.FilterSet):
    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        model = queryset.model
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _own_copy(declared) for name, declared in self.base_filters.items()}
        for own in self.filters.values():
            own.model = model
            own.parent = self
