"""Celery jobs of the strategy app. Jobs take ids, re-read state and change nothing when the work is done."""

from __future__ import annotations

import logging

from celery import shared_task

from portal.core.errors import job_edge
from portal.core.jobs import with_lock

log = logging.getLogger(__name__)


@shared_task(name="strategy.jobs.goal_progress_recompute_job")
@job_edge
def goal_progress_recompute_job(goal_ids: list[int]) -> list[int]:
    """Recompute the stored progress of these goals and of their ancestors (safe to repeat)."""
    from .services.goals import goal_progress_recompute

    return goal_progress_recompute(goal_ids=goal_ids)


@shared_task(name="strategy.jobs.goal_progress_sweep_job")
@job_edge
def goal_progress_sweep_job() -> int | None:
    """Nightly: recompute every open goal, deepest first through the roll-up (what no event announced: a
    deadline that passed, an indicator entered elsewhere). Locked, so two beats never double up."""

    def work() -> int:
        from .choices import GoalStatus
        from .models import Goal
        from .services.goals import goal_progress_recompute

        ids = list(
            Goal.objects.filter(status__in=[GoalStatus.ACTIVE, GoalStatus.DRAFT])
            .filter(children__isnull=True)
            .values_list("pk", flat=True)
        )
        changed = 0
        for start in range(0, len(ids), 500):
            changed += len(goal_progress_recompute(goal_ids=ids[start : start + 500]))
        # Goals whose leaves did not change still get their own rule applied (a manual value, a new rule).
        others = list(
            Goal.objects.filter(status__in=[GoalStatus.ACTIVE, GoalStatus.DRAFT], children__isnull=False)
            .distinct()
            .values_list("pk", flat=True)
        )
        changed += len(goal_progress_recompute(goal_ids=others))
        return changed

    return with_lock("strategy:goal_progress_sweep", 3600, work)


@shared_task(name="strategy.jobs.indicators_compute_job")
@job_edge
def indicators_compute_job() -> int | None:
    """Nightly: compute every formula indicator's current and last period (and closed periods still missing),
    then the KPI scores of the current and the last period (drafts only). Locked; repeating it writes nothing new."""

    def work() -> int:
        from django.utils import timezone

        from .models.indicators import period_previous, period_start
        from .services.indicators import indicators_compute_due
        from .services.kpi import kpi_scores_compute

        today = timezone.localdate()
        written = indicators_compute_due(today=today)
        current = period_start("month", today)
        for period in (period_previous("month", current), current):
            written += kpi_scores_compute(period=period)
        return written

    return with_lock("strategy:indicators_compute", 3 * 3600, work)


@shared_task(name="strategy.jobs.indicator_values_remind_job")
@job_edge
def indicator_values_remind_job() -> int | None:
    """Daily: remind owners of manual indicators of the value of the period that closed (once per indicator and
    period) and recount their "values to enter". Locked."""

    def work() -> int:
        from .services.indicators import indicator_values_remind

        return indicator_values_remind()

    return with_lock("strategy:indicator_values_remind", 3600, work)
