"""The Celery application. Job modules are called `jobs.py` (a "task" in Lumen is a domain object).

The beat schedule lives here, in one place, so that every periodic job of every app can be read at once.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("lumen")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")


def _ensure_broker_folders() -> None:
    """The embedded filesystem broker needs its folders before the first message."""
    from pathlib import Path

    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _on_configure(sender, **kwargs) -> None:
    _ensure_broker_folders()


app.conf.beat_schedule = {
    # Nightly rebuild of stored counters; services keep them right between rebuilds.
    "people-departments-recount": {
        "task": "portal.people.jobs.departments_recount",
        "schedule": crontab(hour=2, minute=15),
    },
    # Nightly rebuild of every per-user counter (must match the incremental recounts).
    "notifications-counters-rebuild": {
        "task": "portal.notifications.jobs.counters_rebuild_job",
        "schedule": crontab(hour=2, minute=45),
    },
    "stream-polls-close-due": {
        "task": "portal.stream.jobs.polls_close_due_job",
        "schedule": crontab(minute="*/5"),
    },
    # Tasks: recurring templates (each run moves the template on, so a repeat creates nothing).
    "tasks-templates-run-due": {
        "task": "tasks.jobs.templates_run_due_job",
        "schedule": crontab(),
    },
    # Tasks: flag tasks that became overdue, recount overdue / due-soon counters of their people.
    "tasks-deadlines-sweep": {
        "task": "tasks.jobs.deadlines_sweep_job",
        "schedule": crontab(minute="*/5"),
    },
    # Tasks: the daily "what is due" reminder; hourly so each time zone gets it in its morning, once a day.
    "tasks-due-reminders": {
        "task": "tasks.jobs.due_reminders_job",
        "schedule": crontab(minute=7),
    },
    # Tasks: nightly rebuild of the stored numbers (subtasks, checklist, comments, files, time).
    "tasks-numbers-rebuild": {
        "task": "tasks.jobs.task_numbers_rebuild_job",
        "schedule": crontab(hour=3, minute=15),
    },
    # CRM: recount the counters the clock changes (overdue activities, idle deals, leads not taken in time).
    "crm-counters-sweep": {
        "task": "crm.jobs.counters_sweep_job",
        "schedule": crontab(minute="2-59/5"),
    },
    # Reports: close working days left open past local midnight (each person's zone) for confirmation.
    "reports-workdays-close-open": {
        "task": "reports.jobs.workdays_close_open_job",
        "schedule": crontab(minute="*/15"),
    },
    # Reports: recount "my report is not sent" of people whose report just became due or whose period began.
    "reports-unsent-recount": {
        "task": "reports.jobs.reports_unsent_recount_job",
        "schedule": crontab(minute="1-59/15"),
    },
    # Reports: build the control / personal digests whose local time has come, mail each once.
    "reports-digests-run-due": {
        "task": "reports.jobs.digests_run_due_job",
        "schedule": crontab(minute="*/5"),
    },
    # CRM: read the connected mailboxes into activities and leads (a lock keeps runs from overlapping).
    "crm-mail-fetch": {
        "task": "crm.jobs.mail_fetch_job",
        "schedule": crontab(minute="*/2"),
    },
    # CRM: empty the kept bodies of store deliveries older than 30 days.
    "crm-store-payloads-sweep": {
        "task": "crm.jobs.store_payloads_sweep_job",
        "schedule": crontab(hour=4, minute=10),
    },
    # Workflows: remind approvers of steps past their deadline, escalate those past it by the further delay.
    "workflows-deadlines-sweep": {
        "task": "portal.workflows.jobs.workflows_deadlines_sweep",
        "schedule": crontab(minute="3-59/5"),
    },
    # Workflows: automation rule runs whose wait (N days, N working days) is over go on.
    "workflows-rule-waits": {
        "task": "portal.workflows.jobs.workflows_rule_waits",
        "schedule": crontab(),
    },
    # Workflows: carry last year's unused vacation days into the new year (idempotent: a re-run changes nothing).
    "workflows-allowances-carry-over": {
        "task": "portal.workflows.jobs.workflows_allowances_carry_over",
        "schedule": crontab(month_of_year=1, day_of_month=1, hour=0, minute=30),
    },
    # Knowledge base: editors hear of pages due for review; overdue reading requests are recounted.
    "kb-governance-daily": {
        "task": "knowledgebase.jobs.kb_governance_daily",
        "schedule": crontab(hour=6, minute=20),
    },
    # Strategy: every open goal's progress recomputed at night (what no event announced; locked, idempotent).
    "strategy-goal-progress-sweep": {
        "task": "strategy.jobs.goal_progress_sweep_job",
        "schedule": crontab(hour=3, minute=40),
    },
    # Strategy: formula indicators' values of the current and last period, then the KPI scores (locked, idempotent).
    "strategy-indicators-compute": {
        "task": "strategy.jobs.indicators_compute_job",
        "schedule": crontab(hour=1, minute=50),
    },
    # Strategy: owners of manual indicators reminded of a closed period's value (once per indicator and period).
    "strategy-indicator-values-remind": {
        "task": "strategy.jobs.indicator_values_remind_job",
        "schedule": crontab(hour=7, minute=10),
    },
}
