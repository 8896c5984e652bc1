"""Settings of the Celery worker process that `celery_worker` starts: the test settings, with one change.

The test settings keep mail in memory, where no test could read what another process sent; the worker
sends wherever `EMAIL_URL` points (the `smtp_server` fixture) instead.
"""

from portal.settings.base import EMAIL_URL, env
from portal.settings.test import *  # noqa: F403

if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
