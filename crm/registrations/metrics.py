"""The CRM's KPI metrics (portal.core.metrics), for the strategy app's formula indicators.

Each is counted for the records' responsible person, or a department with its sub-departments, over a period of
dates (both inclusive, in the portal's time zone):

- `crm.deals_won_amount(pipeline, person | department)`: the amount of the deals won (closed in a "won" stage)
  within the period, in the portal's base currency (`settings.DEFAULT_CURRENCY`, the metric's unit). The CRM keeps
  no exchange rates (its reports sum each currency apart), so deals in other currencies are not converted and
  not counted; the drill-down lists exactly the deals summed. `pipeline` is optional: every pipeline without it;
- `crm.deals_won_count(pipeline, person | department)`: how many deals were won within the period, whatever
  their currency;
- `crm.calls_count(person | department)`: the calls (activities of the kind "call", incoming or outgoing) done
  within the period;
- `crm.leads_converted(person | department)`: the leads converted (into a contact, company or deal) within the
  period.

Each computes any number of argument tuples in at most three queries; a drill-down lists the records counted
that the reader may see (the CRM's rights, `visible_to`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.links import url_for_pk
from portal.core.metrics import (
    SUBJECT_ARGS,
    compute_by_subject,
    period_range,
    register_metric,
    subject_filter,
)
from portal.core.registry import MetricArg

from ..choices import ActivityKind, LeadStatus, StageKind

DRILL_DOWN_LIMIT = 500
PIPELINE_ARGS = (MetricArg("pipeline", "pipeline", required=False), *SUBJECT_ARGS)
_PIPELINE = {"person_index": 1, "department_index": 2, "group_by": {0: "pipeline_id"}}


def _won(start, end):
    from ..models import Deal

    lower, upper = period_range(start, end)
    return Deal.objects.filter(stage_kind=StageKind.WON, closed_at__gte=lower, closed_at__lt=upper)


def _won_in_base_currency(start, end):
    return _won(start, end).filter(amount_currency=settings.DEFAULT_CURRENCY)


def _calls(start, end):
    from ..models import Activity

    lower, upper = period_range(start, end)
    return Activity.objects.filter(
        kind=ActivityKind.CALL, is_done=True, done_at__gte=lower, done_at__lt=upper
    )


def _converted(start, end):
    from ..models import Lead

    lower, upper = period_range(start, end)
    return Lead.objects.filter(status=LeadStatus.CONVERTED, converted_at__gte=lower, converted_at__lt=upper)


def _count(parts) -> Decimal:
    return Decimal(parts["n"])


def deals_won_amount(calls, start, end):
    return compute_by_subject(
        calls,
        _won_in_base_currency(start, end),
        person="responsible",
        parts={"amount": Sum("amount")},
        value=lambda parts: Decimal(parts["amount"]),
        **_PIPELINE,
    )


def deals_won_count(calls, start, end):
    return compute_by_subject(
        calls, _won(start, end), person="responsible", parts={"n": Count("pk")}, value=_count, **_PIPELINE
    )


def calls_count(calls, start, end):
    return compute_by_subject(
        calls, _calls(start, end), person="responsible", parts={"n": Count("pk")}, value=_count
    )


def leads_converted(calls, start, end):
    return compute_by_subject(
        calls, _converted(start, end), person="responsible", parts={"n": Count("pk")}, value=_count
    )


def _deal_rows(queryset, args, user) -> list[tuple[str, str]]:
    from ..models import Deal

    deals = queryset.filter(subject_filter(args, person="responsible", person_index=1, department_index=2))
    if args[0] is not None:
        deals = deals.filter(pipeline_id=args[0])
    deals = (
        deals.filter(pk__in=Deal.objects.visible_to(user).values("pk"))
        .order_by("-closed_at", "-pk")
        .values_list("pk", "title", "amount", "amount_currency")[:DRILL_DOWN_LIMIT]
    )
    return [
        (
            _("%(title)s: %(amount)s %(currency)s")
            % {"title": title, "amount": amount, "currency": currency},
            url_for_pk("crm:deal", pk),
        )
        for pk, title, amount, currency in deals
    ]


def deals_won_amount_rows(args, start, end, user):
    return _deal_rows(_won_in_base_currency(start, end), args, user)


def deals_won_count_rows(args, start, end, user):
    return _deal_rows(_won(start, end), args, user)


_RECORDS = (
    ("deal", "crm:deal"),
    ("contact", "crm:contact"),
    ("company", "crm:company"),
    ("lead", "crm:lead"),
)


def calls_count_rows(args, start, end, user):
    """The calls, each linking to the record it was made on (a deal, else its contact, company or lead)."""
    from ..models import Activity

    calls = (
        _calls(start, end)
        .filter(subject_filter(args, person="responsible"))
        .filter(pk__in=Activity.objects.visible_to(user).values("pk"))
        .order_by("-done_at", "-pk")
        .values_list("subject", *(f"{field}_id" for field, _name in _RECORDS))[:DRILL_DOWN_LIMIT]
    )
    rows = []
    for subject, *record_ids in calls:
        url = next(
            (url_for_pk(name, pk) for (_field, name), pk in zip(_RECORDS, record_ids, strict=True) if pk), ""
        )
        rows.append((subject, url))
    return rows


def leads_converted_rows(args, start, end, user):
    from ..models import Lead

    leads = (
        _converted(start, end)
        .filter(subject_filter(args, person="responsible"))
        .filter(pk__in=Lead.objects.visible_to(user).values("pk"))
        .order_by("-converted_at", "-pk")
        .values_list("pk", "title")[:DRILL_DOWN_LIMIT]
    )
    return [(title, url_for_pk("crm:lead", pk)) for pk, title in leads]


def register() -> None:
    register_metric(
        "crm.deals_won_amount",
        deals_won_amount,
        PIPELINE_ARGS,
        gettext_lazy("Amount of deals won (in the base currency)"),
        deals_won_amount_rows,
        unit=settings.DEFAULT_CURRENCY,
        order=30,
    )
    register_metric(
        "crm.deals_won_count",
        deals_won_count,
        PIPELINE_ARGS,
        gettext_lazy("Deals won"),
        deals_won_count_rows,
        order=31,
    )
    register_metric(
        "crm.calls_count", calls_count, SUBJECT_ARGS, gettext_lazy("Calls done"), calls_count_rows, order=32
    )
    register_metric(
        "crm.leads_converted",
        leads_converted,
        SUBJECT_ARGS,
        gettext_lazy("Leads converted"),
        leads_converted_rows,
        order=33,
    )
