"""The strategy app's models, one module per feature (the same names as the other layers)."""

from .goals import (
    Goal,
    GoalCoOwner,
    GoalGrant,
    GoalGroupObjectPermission,
    GoalLink,
    GoalPageLink,
    GoalTaskLink,
    GoalUserObjectPermission,
)
from .home import StrategyText
from .indicators import (
    Indicator,
    IndicatorFormula,
    IndicatorGoal,
    IndicatorGrant,
    IndicatorGroupObjectPermission,
    IndicatorTarget,
    IndicatorUserObjectPermission,
    IndicatorValue,
    IndicatorValueRevision,
)
from .kpi import KpiCard, KpiCardLine, KpiScore
from .projects import GoalProjectLink, ProjectStatusNote

__all__ = [
    "Goal",
    "GoalCoOwner",
    "GoalGrant",
    "GoalGroupObjectPermission",
    "GoalLink",
    "GoalPageLink",
    "GoalProjectLink",
    "GoalTaskLink",
    "GoalUserObjectPermission",
    "Indicator",
    "IndicatorFormula",
    "IndicatorGoal",
    "IndicatorGrant",
    "IndicatorGroupObjectPermission",
    "IndicatorTarget",
    "IndicatorUserObjectPermission",
    "IndicatorValue",
    "IndicatorValueRevision",
    "KpiCard",
    "KpiCardLine",
    "KpiScore",
    "ProjectStatusNote",
    "StrategyText",
]
