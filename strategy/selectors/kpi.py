"""Reads of KPI cards and scores, through `KpiCard.objects.visible_to` and `KpiScore.objects.visible_to`: a card
is seen by its holders, their supervisors and strategy managers; a score by its person, their supervisors and
strategy managers."""

from __future__ import annotations

import datetime

from django.db.models import Count, QuerySet

from portal.core.permissions import get_visible

from ..filters.kpi import KpiScoreFilterSet
from ..models import KpiCard, KpiCardLine, KpiScore
from ..models.indicators import period_end, period_start


def kpi_card_list(*, user) -> QuerySet[KpiCard]:
    return (
        KpiCard.objects.visible_to(user)
        .select_related("person", "department")
        .annotate(line_count=Count("lines", distinct=True))
        .order_by("name", "id")
    )


def kpi_card_get(*, user, pk) -> KpiCard:
    card = get_visible(KpiCard.objects.visible_to(user).select_related("person", "department"), pk=pk)
    return card


def kpi_card_lines(*, card: KpiCard) -> list[KpiCardLine]:
    return list(card.lines.select_related("indicator").order_by("position", "id"))


def kpi_score_list(*, user, filters=None) -> QuerySet[KpiScore]:
    qs = KpiScore.objects.visible_to(user)
    if filters is not None:
        qs = KpiScoreFilterSet(filters, queryset=qs).qs
    return qs.select_related("card", "person", "person__department", "confirmed_by").order_by(
        "-period_start", "card__name", "person__last_name", "person__first_name", "id"
    )


def kpi_score_get(*, user, pk) -> KpiScore:
    return get_visible(KpiScore.objects.visible_to(user).select_related("card", "person"), pk=pk)


def kpi_card_scores(*, user, card: KpiCard, period: datetime.date) -> list[KpiScore]:
    """The card's scores of the period holding `period` that `user` sees, by person."""
    start = period_start(card.period, period)
    return list(
        KpiScore.objects.visible_to(user)
        .filter(card=card, period_start=start)
        .select_related("person", "person__department", "confirmed_by")
        .order_by("person__last_name", "person__first_name", "id")
    )


def kpi_payroll_scores(*, user, month: datetime.date) -> QuerySet[KpiScore]:
    """The scores `user` sees of every period that ends in `month` (monthly cards each month, quarterly ones in the
    quarter's last month, yearly ones in December): what payroll pays that month."""
    first = period_start("month", month)
    last = period_end("month", first)
    return (
        KpiScore.objects.visible_to(user)
        .filter(period_end__gte=first, period_end__lte=last)
        .select_related("card", "person", "person__department", "confirmed_by")
        .order_by("person__last_name", "person__first_name", "card__name", "id")
    )
