"""The strategy home page: the mission and vision, the current year's goals with progress, the indicators in
red and the projects at risk, each only as the user sees them."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from ..choices import GoalHorizon, GoalStatus
from ..models import Goal, StrategyText


def strategy_text() -> StrategyText:
    """The one row of the mission and vision (an empty one until a manager writes it)."""
    return StrategyText.objects.filter(pk=1).first() or StrategyText(pk=1)


def current_goals(*, user, today=None, limit: int = 30) -> list[Goal]:
    """This year's strategic and annual goals (those whose period covers today's year), visible, not dropped."""
    today = today or timezone.localdate()
    return list(
        Goal.objects.visible_to(user)
        .filter(horizon__in=[GoalHorizon.STRATEGIC, GoalHorizon.ANNUAL])
        .filter(Q(period_start__year__lte=today.year) & Q(period_end__year__gte=today.year))
        .exclude(status__in=[GoalStatus.DROPPED, GoalStatus.DRAFT])
        .select_related("owner")
        .order_by("horizon", "period_start", "title", "id")[:limit]
    )


def red_indicators(*, user, limit: int = 10) -> list:
    try:
        from .indicators import indicator_red_list
    except ImportError:
        return []
    return list(indicator_red_list(user=user, limit=limit))
