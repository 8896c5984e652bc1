"""Celery jobs of tasks. Jobs take ids (or nothing), re-read state and call a service; each periodic job
takes a cache lock so that two beats (or a slow previous run) never double up, and the services themselves
are safe to repeat."""

from __future__ import annotations

import logging

from celery import shared_task

from portal.core.jobs import with_lock

log = logging.getLogger(__name__)

TEMPLATES_LOCK_KEY = "lumen:tasks:templates-run-due-lock"
SWEEP_LOCK_KEY = "lumen:tasks:deadlines-sweep-lock"
REMINDERS_LOCK_KEY = "lumen:tasks:due-reminders-lock"
NUMBERS_LOCK_KEY = "lumen:tasks:numbers-rebuild-lock"


@shared_task(name="tasks.jobs.templates_run_due_job")
def templates_run_due_job() -> int | None:
    """Every minute: create the tasks of recurring templates that are due."""
    from . import services

    return with_lock(TEMPLATES_LOCK_KEY, 5 * 60, lambda: services.templates_run_due())


@shared_task(name="tasks.jobs.deadlines_sweep_job")
def deadlines_sweep_job() -> int | None:
    """Every five minutes: flag tasks that became overdue and recount the people whose deadlines passed."""
    from . import services

    return with_lock(SWEEP_LOCK_KEY, 4 * 60, lambda: services.deadlines_sweep())


@shared_task(name="tasks.jobs.due_reminders_job")
def due_reminders_job() -> int | None:
    """Hourly: the daily reminder of what is due, sent once per person and day after their local morning
    (running hourly is what lets every time zone get it in its own morning)."""
    from . import services

    return with_lock(REMINDERS_LOCK_KEY, 50 * 60, lambda: services.due_reminders_send())


@shared_task(name="tasks.jobs.task_numbers_rebuild_job")
def task_numbers_rebuild_job(task_ids: list[int] | None = None) -> int | None:
    """Nightly (or for some tasks): rebuild the stored numbers of tasks from their rows."""
    from . import services

    return with_lock(NUMBERS_LOCK_KEY, 60 * 60, lambda: services.task_numbers_rebuild(task_ids=task_ids))
