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
    "ProjectStatusNote",
    "StrategyText",
]
