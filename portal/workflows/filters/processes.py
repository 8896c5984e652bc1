"""The process FilterSet: the process list page, its export and the process API all use it (the parameter names
are a contract: keep them)."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.filters import FilterSet

from ..choices import ProcessStatus, TemplateKind
from ..models import Process, StepAssignment

SCOPES = ("mine", "waiting", "all")
MAX_WORDS = 6


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def day_start(day: datetime.date) -> datetime.datetime:
    """The first moment of `day` in the current time zone (an indexable bound, unlike `__date`)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filter_data(data) -> QueryDict:
    """The filters actually given: a form's empty inputs ("status=", "template=") mean "any", not a bad value."""
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


def waiting_q(user) -> Q:
    """Running processes whose current step waits for `user`'s own decision."""
    return Q(status=ProcessStatus.RUNNING) & Q(
        Exists(
            StepAssignment.objects.filter(
                step_id=OuterRef("current_step_id"), user_id=user.pk, decision="", active=True
            )
        )
    )


class ProcessFilterSet(FilterSet):
    scope = django_filters.ChoiceFilter(
        choices=[
            ("mine", _("Mine")),
            ("waiting", _("Waiting for me")),
            ("all", _("All I may see")),
        ],
        method="filter_scope",
        empty_label=None,
        label=_("Show"),
    )
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    template = django_filters.NumberFilter(field_name="template_id", label=_("Template"))
    kind = django_filters.ChoiceFilter(choices=TemplateKind.choices, empty_label=_("Any"), label=_("Kind"))
    status = django_filters.MultipleChoiceFilter(choices=ProcessStatus.choices, label=_("Status"))
    requester = django_filters.NumberFilter(field_name="requester_id", label=_("Requester"))
    department = django_filters.NumberFilter(
        method="filter_department", label=_("Department (with sub-departments)")
    )
    submitted_from = django_filters.DateFilter(
        method="filter_submitted_from", label=_("Submitted from"), widget=_date_widget()
    )
    submitted_to = django_filters.DateFilter(
        method="filter_submitted_to", label=_("Submitted to"), widget=_date_widget()
    )
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", label=_("Amount from"))
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", label=_("Amount to"))

    class Meta:
        model = Process
        fields = [
            "scope", "q", "template", "kind", "status", "requester", "department",
            "submitted_from", "submitted_to", "amount_min", "amount_max",
        ]  # fmt: skip

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    def filter_scope(self, queryset, name, value):
        user = self.user
        if not (user and user.is_authenticated):
            return queryset.none()
        if value == "mine":
            return queryset.filter(requester_id=user.pk)
        if value == "waiting":
            return queryset.filter(waiting_q(user))
        return queryset

    def filter_q(self, queryset, name, value):
        for word in (value or "").split()[:MAX_WORDS]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(counterparty__icontains=word))
        return queryset

    def filter_department(self, queryset, name, value):
        from portal.people.models import Department

        path = Department.objects.filter(pk=value).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        return queryset.filter(requester__department__path__startswith=path)

    def filter_submitted_from(self, queryset, name, value):
        return queryset.filter(submitted_at__gte=day_start(value))

    def filter_submitted_to(self, queryset, name, value):
        return queryset.filter(submitted_at__lt=day_start(value + datetime.timedelta(days=1)))
