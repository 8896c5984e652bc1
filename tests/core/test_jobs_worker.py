"""A real Celery worker (a subprocess on Redis and the PostgreSQL test database) runs what we publish."""

from __future__ import annotations

import pytest

from portal.celery import app

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.redis]


def test_worker_runs_a_published_job_and_returns_its_result(celery_worker):
    # celery.accumulate is Celery's own built-in job: it returns the argument at `index`.
    result = app.send_task("celery.accumulate", args=["pong"], kwargs={"index": 0})

    assert result.get(timeout=20) == "pong"
    assert app.conf.task_always_eager is False


def test_worker_knows_every_job_of_this_code_base(celery_worker):
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours, "no jobs of our own were discovered"

    registered = app.control.inspect(destination=[celery_worker.nodename], timeout=5).registered() or {}

    assert set(registered.get(celery_worker.nodename, [])) >= ours
