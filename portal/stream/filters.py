"""The one FilterSet of the stream: the feed page and the entries API both use it."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from .choices import AudienceKind, FeedShow
from .models import Entry, EntryAudience


class EntryFilterSet(FilterSet):
    show = django_filters.ChoiceFilter(
        choices=FeedShow.choices, method="filter_show", label=_("Show"), empty_label=None
    )
    group = django_filters.NumberFilter(method="filter_group", label=_("Posts to group"))
    author = django_filters.NumberFilter(field_name="author_id", label=_("Author"))
    kind = django_filters.ChoiceFilter(choices=Entry._meta.get_field("kind").choices, label=_("Kind"))

    class Meta:
        model = Entry
        fields = ["show", "group", "author", "kind"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    def filter_show(self, queryset, name, value):
        if value == FeedShow.MINE:
            return queryset.filter(author_id=getattr(self.user, "pk", None))
        if value == FeedShow.IMPORTANT:
            return queryset.filter(is_important=True)
        return queryset

    def filter_group(self, queryset, name, value):
        if value is None:
            return queryset
        to_group = EntryAudience.objects.filter(entry=OuterRef("pk"), kind=AudienceKind.GROUP, group_id=value)
        return queryset.filter(Exists(to_group))
