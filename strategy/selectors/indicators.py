"""Reads of the indicator register, every one through `Indicator.objects.visible_to(user)`: the register, one
indicator with its series, a value's drill-down, the "indicators in red" of the strategy home, what the goals'
roll-up takes from indicators, and the "values to enter" counter."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from portal.core.errors import Invalid, NotFound
from portal.core.permissions import get_visible

from ..filters.indicators import IndicatorFilterSet
from ..models import Goal, Indicator, IndicatorFormula, IndicatorGoal, IndicatorTarget, IndicatorValue
from ..models.indicators import (
    IndicatorSource,
    IndicatorValueRevision,
    period_end,
    period_label,
    period_previous,
    period_start,
    periods_between,
)

ONE = Decimal(1)
ZERO = Decimal(0)
# How many closed periods back "values to enter" counts a missing value.
LOOKBACK_PERIODS = 12
MAX_SERIES = 120


def indicator_list(*, user, filters=None) -> QuerySet[Indicator]:
    """The register: indicators `user` may see, filtered by `IndicatorFilterSet`, with their owner and goals."""
    qs = Indicator.objects.visible_to(user)
    if filters is not None:
        qs = IndicatorFilterSet(filters, queryset=qs).qs
    goals = Goal.objects.visible_to(user).only("pk", "title")
    return (
        qs.select_related("owner")
        .prefetch_related(
            Prefetch(
                "goal_links", queryset=IndicatorGoal.objects.filter(goal__in=goals).select_related("goal")
            )
        )
        .order_by("name", "id")
    )


def indicator_get(*, user, pk) -> Indicator:
    """One indicator `user` may see (`NotFound` for hidden and missing alike)."""
    return get_visible(
        Indicator.objects.visible_to(user).select_related("owner", "subject_department", "subject_person"),
        pk=pk,
    )


def indicator_goals(*, user, indicator: Indicator) -> list[IndicatorGoal]:
    """The goals the indicator measures that `user` sees, with weights."""
    goals = Goal.objects.visible_to(user)
    return list(indicator.goal_links.filter(goal__in=goals).select_related("goal").order_by("goal__title"))


@dataclass
class SeriesPoint:
    start: datetime.date
    end: datetime.date
    label: str
    value: IndicatorValue | None
    target: Decimal | None
    closed: bool


def indicator_series(*, indicator: Indicator, today: datetime.date | None = None) -> list[SeriesPoint]:
    """The last `MAX_SERIES` periods up to the current one (from the first measured), each with its value (and
    the value's history) and target. Three queries whatever the number of values."""
    today = today or timezone.localdate()
    last = period_start(indicator.period, today)
    first = last
    for _n in range(MAX_SERIES - 1):
        if first <= indicator.starts_on:
            break
        first = period_previous(indicator.period, first)
    first = max(first, indicator.starts_on)
    window = {"period_start__gte": first, "period_start__lte": last}
    values = {
        v.period_start: v
        for v in indicator.values.filter(**window)
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=IndicatorValueRevision.objects.select_related("actor").order_by(
                    "-created_at", "-id"
                ),
            )
        )
        .select_related("changed_by")
    }
    targets = dict(indicator.targets.filter(**window).values_list("period_start", "target"))
    return [
        SeriesPoint(
            start=start,
            end=period_end(indicator.period, start),
            label=period_label(indicator.period, start),
            value=values.get(start),
            target=targets.get(start, indicator.default_target),
            closed=period_end(indicator.period, start) < today,
        )
        for start in periods_between(indicator.period, first, last)
    ]


def _number(value) -> float | None:
    return None if value is None else float(value)


def indicator_chart(*, indicator: Indicator, series: list[SeriesPoint]) -> dict:
    """The chart's data (json_script): labels, actual values, targets and the amber/green thresholds per period
    (strategy/static/strategy/indicators.js draws the bands from them)."""
    lower = indicator.direction == "lower"
    green, amber = [], []
    for point in series:
        target = point.target
        if target is None:
            green.append(None)
            amber.append(None)
            continue
        # The value at which the achievement reaches the threshold (the inverse of `achievement_of`).
        green.append(_number(_threshold_value(indicator, target, indicator.green_from)))
        amber.append(_number(_threshold_value(indicator, target, indicator.amber_from)))
    return {
        "labels": [point.label for point in series],
        "actual": [_number(point.value.value) if point.value else None for point in series],
        "target": [_number(point.target) for point in series],
        "green": green,
        "amber": amber,
        "lower": lower,
        "unit": indicator.unit,
    }


def _threshold_value(indicator: Indicator, target: Decimal, percent: Decimal) -> Decimal | None:
    share = Decimal(percent) / Decimal(100)
    baseline = indicator.baseline
    if baseline is not None and baseline != target:
        return baseline + share * (target - baseline)
    if indicator.direction == "lower":
        return None if share == 0 else target / share
    return target * share


def indicator_formulas(*, indicator: Indicator) -> list[IndicatorFormula]:
    return list(indicator.formulas.select_related("created_by").order_by("-version"))


def indicator_value_get(*, user, indicator_pk, pk) -> IndicatorValue:
    """One value of an indicator `user` may see."""
    indicator = indicator_get(user=user, pk=indicator_pk)
    value = get_visible(IndicatorValue.objects.filter(indicator=indicator), pk=pk)
    value.indicator = indicator
    return value


def value_get(*, user, pk) -> IndicatorValue:
    """One value by id, for someone who sees its indicator."""
    return get_visible(IndicatorValue.objects.visible_to(user).select_related("indicator"), pk=pk)


def value_revisions(*, value: IndicatorValue) -> list[IndicatorValueRevision]:
    return list(value.revisions.select_related("actor").order_by("-created_at", "-id"))


def value_drill_down(*, user, value: IndicatorValue) -> list:
    """The records behind a formula value, per metric call of the formula version that produced it, as `user`
    may see them (`formula_drill_down` with the viewer): [DrillDownSection]. `NotFound` for a manual value."""
    from portal.core.metrics import formula_drill_down

    from ..services.indicators import formula_check, indicator_binding

    indicator = value.indicator
    if not indicator.is_formula or value.formula_version is None:
        raise NotFound()
    text = (
        IndicatorFormula.objects.filter(indicator=indicator, version=value.formula_version)
        .values_list("text", flat=True)
        .first()
    )
    binding = indicator_binding(indicator)
    if text is None or binding is None:
        raise NotFound()
    try:
        formula = formula_check(text=text, subject_kind=indicator.subject_kind)
    except Invalid:
        return []
    return formula_drill_down(formula, binding, value.period_start, value.period_end, user)


# --- for the rest of the strategy app --------------------------------------------------------------------------


def goal_indicator_achievements(goal_ids) -> dict[int, list[tuple[Decimal, Decimal]]]:
    """{goal_id: [(achievement 0..1, weight), ...]} of the indicators measuring the goals, from each indicator's
    latest closed value; an indicator without one (no value or no target yet) is left out. One query."""
    result: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    rows = IndicatorGoal.objects.filter(
        goal_id__in=list(goal_ids), indicator__last_achievement__isnull=False
    ).values_list("goal_id", "weight", "indicator__last_achievement")
    for goal_id, weight, achievement in rows.order_by("goal_id", "indicator_id"):
        result[goal_id].append((min(ONE, max(ZERO, achievement)), weight))
    return dict(result)


def indicator_red_list(*, user, limit: int | None = 10) -> QuerySet[Indicator]:
    """Indicators `user` sees whose latest closed value is red, the furthest off target first (the strategy
    home)."""
    qs = (
        Indicator.objects.visible_to(user)
        .filter(last_status="red")
        .select_related("owner")
        .order_by("last_achievement", "name", "id")
    )
    return qs[:limit] if limit else qs


# --- values to enter --------------------------------------------------------------------------------------------


def missing_periods(indicator: Indicator, stored: set, *, today: datetime.date) -> list[datetime.date]:
    """The closed periods of the last `LOOKBACK_PERIODS` (not before the indicator's first) without a value."""
    current = period_start(indicator.period, today)
    missing = []
    start = current
    for _n in range(LOOKBACK_PERIODS):
        start = period_previous(indicator.period, start)
        if start < indicator.starts_on:
            break
        if (indicator.pk, start) not in stored:
            missing.append(start)
    return missing


def manual_values_missing(*, owner_ids=None, today: datetime.date | None = None) -> dict[Indicator, list]:
    """{indicator: [period starts without a value]} of manual indicators (of `owner_ids`, or all). Two queries."""
    today = today or timezone.localdate()
    indicators = Indicator.objects.filter(source=IndicatorSource.MANUAL)
    if owner_ids is not None:
        indicators = indicators.filter(owner_id__in=list(owner_ids))
    indicators = list(indicators.only("pk", "name", "owner_id", "period", "starts_on"))
    if not indicators:
        return {}
    earliest = min(indicator.starts_on for indicator in indicators)
    stored = set(
        IndicatorValue.objects.filter(
            indicator__in=indicators, value__isnull=False, period_start__gte=earliest
        ).values_list("indicator_id", "period_start")
    )
    found = {}
    for indicator in indicators:
        missing = missing_periods(indicator, stored, today=today)
        if missing:
            found[indicator] = missing
    return found


def values_to_enter(user_ids: list[int]) -> dict[int, int]:
    """The "values to enter" counter: per owner, the closed periods of their manual indicators without a value."""
    counts: dict[int, int] = defaultdict(int)
    for indicator, missing in manual_values_missing(owner_ids=user_ids).items():
        counts[indicator.owner_id] += len(missing)
    return dict(counts)


def target_of(indicator: Indicator, start: datetime.date) -> Decimal | None:
    row = IndicatorTarget.objects.filter(indicator=indicator, period_start=start).values_list(
        "target", flat=True
    )
    return row.first() if row.exists() else indicator.default_target


# --- global search ----------------------------------------------------------------------------------------------


def indicator_search(*, user, query: str, limit: int) -> list:
    """Indicators `user` may see whose name or description holds every word (the global search's provider; the
    visibility filter runs in the database before the limit, so a hidden indicator never shows). One query."""
    from django.db.models import Q

    from portal.core.search import SearchHit

    words = (query or "").split()[:8]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= Q(name__icontains=word) | Q(description__icontains=word)
    rows = (
        Indicator.objects.visible_to(user)
        .filter(condition)
        .order_by("name", "id")
        .only("id", "name", "unit", "period", "last_value", "last_status")[:limit]
    )
    hits = []
    for indicator in rows:
        latest = (
            "" if indicator.last_value is None else f" · {indicator.last_value.normalize()} {indicator.unit}"
        )
        hits.append(
            SearchHit(
                kind="indicators",
                title=indicator.name,
                url=indicator.get_absolute_url(),
                snippet=f"{indicator.get_period_display()}{latest}".strip(),
                icon="bi-speedometer2",
            )
        )
    return hits
