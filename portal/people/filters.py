"""One FilterSet per list, shared by the page and the API (NetBox's rule)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portal.core.filters import FilterSet
from portal.core.search import match_names

from .choices import InvitationStatus
from .models import Department, Invitation, User


class PersonFilterSet(FilterSet):
    """The directory: search by name/e-mail/position, a department (with its sub-departments), position."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    department = django_filters.ModelChoiceFilter(
        label=_("Department"), queryset=Department.objects.all(), method="filter_department"
    )
    position = django_filters.CharFilter(
        label=pgettext_lazy("job title", "Position"), lookup_expr="icontains"
    )
    active = django_filters.BooleanFilter(label=_("Active"), field_name="is_active")

    class Meta:
        model = User
        fields = ["q", "department", "position", "active"]

    def filter_q(self, queryset, name, value):
        if not value or not value.strip():
            return queryset
        return match_names(queryset, value, ["first_name", "last_name", "email", "position"])

    def filter_department(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(department__path__startswith=value.path)


class DepartmentFilterSet(FilterSet):
    q = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains")
    parent = extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(
            label=_("Within"), queryset=Department.objects.all(), method="filter_parent"
        )
    )

    class Meta:
        model = Department
        fields = ["q", "parent"]

    def filter_parent(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(path__startswith=value.path).exclude(pk=value.pk)


class InvitationFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=InvitationStatus.choices, method="filter_status"
    )
    email = django_filters.CharFilter(label=_("E-mail"), lookup_expr="icontains")
    department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=Department.objects.all())

    class Meta:
        model = Invitation
        fields = ["status", "email", "department"]

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        if value == InvitationStatus.ACCEPTED:
            return queryset.filter(accepted_at__isnull=False)
        if value == InvitationStatus.REVOKED:
            return queryset.filter(revoked_at__isnull=False, accepted_at__isnull=True)
        open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        if value == InvitationStatus.EXPIRED:
            return queryset.filter(open_, expires_at__lte=now)
        if value == InvitationStatus.PENDING:
            return queryset.filter(open_, expires_at__gt=now)
        return queryset
