"""Celery jobs of the workflows app: deadline reminders and escalations, automation rule runs and waits.

Jobs take ids (or nothing), re-read state and call a service; each periodic job takes a cache lock so that two
beats (or a slow previous run) never double up, and the services themselves are safe to repeat."""

from __future__ import annotations

import logging

from celery import shared_task

from portal.core.jobs import with_lock

log = logging.getLogger(__name__)

DEADLINES_LOCK_KEY = "lumen:workflows:deadlines-sweep-lock"


@shared_task(name="portal.workflows.jobs.workflows_deadlines_sweep")
def workflows_deadlines_sweep() -> dict | None:
    """Every 5 minutes: remind the approvers of steps past their deadline, escalate those past it by the
    further delay (portal.workflows.services.deadlines)."""
    from .services.deadlines import deadlines_sweep

    return with_lock(DEADLINES_LOCK_KEY, 4 * 60, lambda: deadlines_sweep())


# --- automation rules ----------------------------------------------------------------------------------------

RULE_WAITS_LOCK_KEY = "lumen:workflows:rule-waits-lock"


@shared_task(name="portal.workflows.jobs.workflows_rule_run")
def workflows_rule_run(run_id: int) -> str | None:
    """Run an automation rule's run as far as it goes now (queued on commit for each new run, and again when
    its wait is over). Safe to repeat: the run's row lock and its position make a second delivery a no-op."""
    from .services.rules import rule_run_execute

    return rule_run_execute(run_id=run_id)


@shared_task(name="portal.workflows.jobs.workflows_rule_waits")
def workflows_rule_waits() -> int | None:
    """Every minute: the runs whose wait is over go on. A cache lock keeps two beats from overlapping (and
    each run is taken with a conditional update besides)."""
    from .services.rules import rule_waits_resume

    return with_lock(RULE_WAITS_LOCK_KEY, 5 * 60, lambda: rule_waits_resume())


# --- absences --------------------------------------------------------------------------------------------------

CARRY_OVER_LOCK_KEY = "lumen:workflows:carry-over-lock"


@shared_task(name="portal.workflows.jobs.workflows_allowances_carry_over")
def workflows_allowances_carry_over(year: int | None = None) -> dict | None:
    """On January 1st: carry last year's unused vacation days into this year's allowances (up to
    LUMEN_LEAVE_CARRY_OVER_MAX_DAYS). Idempotent: a second run (or a second beat) changes nothing."""
    from django.utils import timezone

    from .services.absences import allowances_carry_over

    year = year or timezone.localdate().year
    return with_lock(CARRY_OVER_LOCK_KEY, 30 * 60, lambda: allowances_carry_over(year=year))
