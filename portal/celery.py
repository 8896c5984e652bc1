"""The Celery application. Job modules are called `jobs.py` (a "task" in Lumen is a domain object).

The beat schedule lives here, in one place, so that every periodic job of every app can be read at once.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("lumen")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")

app.conf.beat_schedule = {
    "people-expire-invitations": {
        "task": "portal.people.jobs.invitations_expire",
        "schedule": 60 * 60,
    },
}
