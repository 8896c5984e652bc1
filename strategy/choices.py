"""The strategy app's fixed vocabularies (goals, links, progress rules, RAG colours)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GoalHorizon(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic (3–5 years)")
    ANNUAL = "annual", _("Annual")
    QUARTERLY = "quarterly", _("Quarterly")
    MONTHLY = "monthly", _("Monthly")


# The horizons strategy managers set; department heads set the shorter ones under them.
MANAGER_HORIZONS = frozenset({GoalHorizon.STRATEGIC, GoalHorizon.ANNUAL})
HEAD_HORIZONS = frozenset({GoalHorizon.QUARTERLY, GoalHorizon.MONTHLY})
# A child's horizon is never longer than its parent's.
HORIZON_RANK = {
    GoalHorizon.STRATEGIC: 0,
    GoalHorizon.ANNUAL: 1,
    GoalHorizon.QUARTERLY: 2,
    GoalHorizon.MONTHLY: 3,
}


class GoalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    MISSED = "missed", _("Missed")
    DROPPED = "dropped", _("Dropped")


class ProgressRule(models.TextChoices):
    """How a goal's progress is computed from what lies below it."""

    AUTO = "auto", _("Average of indicators, sub-goals and tasks")
    INDICATORS = "indicators", _("Indicators (actual vs target)")
    CHILDREN = "children", _("Sub-goals (weighted)")
    TASKS = "tasks", _("Linked tasks (share closed on time)")
    MANUAL = "manual", _("Entered by the owner")


class GoalAudience(models.TextChoices):
    COMPANY = "company", _("The whole company")
    RESTRICTED = "restricted", _("Chosen departments, groups and people")


class GoalLinkKind(models.TextChoices):
    SUPPORTS = "supports", _("supports")
    DEPENDS_ON = "depends_on", _("depends on")


class Rag(models.TextChoices):
    GREEN = "green", _("On track")
    AMBER = "amber", _("At risk")
    RED = "red", _("Off track")
