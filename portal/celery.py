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
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
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
}
