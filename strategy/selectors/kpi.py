"""Reads of KPI cards and scores, through `KpiCard.objects.visible_to` and `KpiScore.objects.visible_to`: a card
is seen by its holders, their supervisors and strategy managers; a score by its person, their supervisors and
strategy managers."""

from __future__ import annotations

import datetime

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from portal.core.permissions import get_visible

from ..filters.kpi import KpiScoreFilterSet
from ..models import Indicator, KpiCard, KpiCardLine, KpiScore
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


# --- what a viewer may read of a card's indicators -------------------------------------------------------------
# A card (and a score) is seen by its holders and their supervisors, who need not see every indicator on it: the
# line of an indicator hidden from the viewer shows what the score needs (weight, cap, what counted) and nothing
# of the indicator itself (its name, unit, value or target).


def kpi_indicators_seen(*, user, ids) -> set[int]:
    """The ids among `ids` of indicators `user` sees (one query, none when there are none)."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return set()
    return set(Indicator.objects.visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))


def kpi_cards_masked(*, user, cards) -> None:
    """Mark each line of `cards` (their `lines` prefetched or given as lists) `hidden` when `user` does not see its
    indicator."""
    lines = [line for card in cards for line in (card if isinstance(card, list) else card.lines.all())]
    seen = kpi_indicators_seen(user=user, ids=[line.indicator_id for line in lines])
    for line in lines:
        line.hidden = line.indicator_id not in seen


def kpi_figures_masked(figures: list[dict], seen: set[int]) -> list[dict]:
    """A score's stored lines as `seen` lets the viewer read them."""
    return [line if line.get("indicator") in seen else _hidden_figures(line) for line in figures or []]


def kpi_scores_masked(*, user, scores) -> None:
    """Replace (in memory, never saved) the stored lines of `scores` with what `user` may read of them."""
    scores = list(scores)
    seen = kpi_indicators_seen(
        user=user, ids=[line.get("indicator") for score in scores for line in score.lines or []]
    )
    for score in scores:
        score.lines = kpi_figures_masked(score.lines, seen)


def _hidden_figures(line: dict) -> dict:
    return {
        "indicator": None,
        "name": _("An indicator you cannot see"),
        "unit": "",
        "value": None,
        "target": None,
        "achievement": None,
        "counted": line.get("counted"),
        "weight": line.get("weight"),
        "cap": line.get("cap"),
        "error": "",
        "hidden": True,
    }
