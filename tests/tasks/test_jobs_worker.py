"""Jobs of tasks on real servers: this process publishes to Redis, a real Celery worker runs the job on the
PostgreSQL test database (and the counter recounts the job schedules on commit, through Redis again)."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core.cache import cache
from django.utils import timezone

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.redis]


def wait_for(check, worker, *, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"nothing after {timeout:.0f} s:\n{worker.log_tail()}", pytrace=False)


@pytest.fixture(autouse=True)
def _fresh_cache():
    from tasks import jobs
    from tasks.services import sweeps

    keys = [jobs.TEMPLATES_LOCK_KEY, jobs.SWEEP_LOCK_KEY, sweeps.SWEEP_LAST_KEY]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def test_the_worker_creates_the_task_of_a_due_template_once(org, celery_worker):
    from tasks import jobs, services
    from tasks.models import Task, TaskTemplate

    template = services.template_create(
        actor=org.it_head,
        title="Backups checked",
        responsible=org.developer,
        repeat="daily",
        repeat_time="09:00",
        checklist=["Database", "Files"],
    )
    TaskTemplate.objects.filter(pk=template.pk).update(
        next_run_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    result = jobs.templates_run_due_job.delay()
    assert result.get(timeout=30) == 1, celery_worker.log_tail()
    task = wait_for(lambda: Task.objects.filter(template=template).first(), celery_worker)
    assert task.responsible == org.developer and task.checklist_count == 2
    template.refresh_from_db()
    assert template.next_run_at > timezone.now() and template.last_run_at is not None
    # Running the job again creates nothing more.
    assert jobs.templates_run_due_job.delay().get(timeout=30) == 0
    assert Task.objects.filter(template=template).count() == 1


def test_the_worker_sweeps_deadlines_and_the_counters_follow(org, celery_worker):
    from portal.notifications.counters import counters_get
    from tasks import jobs
    from tasks.models import Task
    from tests.tasks.factories import TaskFactory

    task = TaskFactory(responsible=org.east_rep, deadline=timezone.now() - datetime.timedelta(minutes=1))

    assert jobs.deadlines_sweep_job.delay().get(timeout=30) == 1, celery_worker.log_tail()
    assert Task.objects.get(pk=task.pk).became_overdue
    # The sweep scheduled the recount on commit: the worker runs that job too.
    wait_for(lambda: counters_get(org.east_rep)["tasks.overdue"] == 1, celery_worker)
