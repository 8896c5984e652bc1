"""The one FilterSet of page comments, for the moderation queue page and the comments API alike."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from ..models.discussion import CommentStatus, PageComment


class CommentFilterSet(FilterSet):
    """page_id, space, status, author (ids; `page` is the pagination's)."""

    page_id = django_filters.NumberFilter(field_name="page_id", label=_("Page"))
    space = django_filters.NumberFilter(field_name="page__space_id", label=_("Space"))
    status = django_filters.ChoiceFilter(choices=CommentStatus.choices, label=_("Status"))
    author = django_filters.NumberFilter(field_name="author_id", label=_("Author"))

    class Meta:
        model = PageComment
        fields = ["page_id", "space", "status", "author"]
