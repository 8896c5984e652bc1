"""A real Celery worker for integration tests: a subprocess consuming from Redis, on the test database.

`celery_worker` starts `celery -A portal worker` against `REDIS_URL` and the PostgreSQL test database
that pytest-django created, waits until it answers a ping, and for the duration of the test makes this
process publish jobs to Redis instead of running them inline. Tests using it are marked
`celery_worker` and `postgres` (the conftest skips them with a reason when the servers are not set)
and run with `transactional_db`, so that what the test writes is committed and visible to the worker.

Under pytest-xdist each test process has its own test database (`test_<name>_gw0`, ...), which the
worker is pointed at, and its own Redis key prefix (portal/settings/test.py, from `PYTEST_XDIST_WORKER`,
which the worker inherits), so that no worker takes the jobs another test process published.

Extra environment for the worker (e.g. `EMAIL_URL` of the `smtp_server` fixture) comes from the
`celery_worker_env` fixture, which a test module overrides.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 45.0


@dataclass
class CeleryWorker:
    nodename: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL naming the database this process is connected to (the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def _reset_connections(app) -> None:
    """Drop the app's cached broker pools and result backend so that new URLs take effect."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@contextmanager
def publishing_to(app, redis_url: str) -> Iterator[None]:
    """While inside, `job.delay()` in this process publishes to Redis instead of running inline."""
    keys = ("task_always_eager", "broker_url", "result_backend")
    saved = {key: app.conf[key] for key in keys}
    switch = saved["broker_url"] != redis_url or saved["result_backend"] != redis_url
    app.conf.update(task_always_eager=False, broker_url=redis_url, result_backend=redis_url)
    if switch:
        _reset_connections(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        if switch:
            _reset_connections(app)


def _wait_until_ready(app, worker: CeleryWorker) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(
                f"the Celery worker exited with {worker.process.returncode}:\n{worker.log_tail()}",
                pytrace=False,
            )
        if app.control.ping(destination=[worker.nodename], timeout=0.5):
            return
    pytest.fail(
        f"the Celery worker did not answer a ping within {START_TIMEOUT:.0f}s:\n{worker.log_tail()}",
        pytrace=False,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # warm shutdown: finish the job at hand
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    """Extra environment variables for the worker process. Override it in a test module."""
    return {}


@pytest.fixture
def celery_worker(transactional_db, celery_worker_env, tmp_path) -> Iterator[CeleryWorker]:
    from django.conf import settings
    from django.db import connection

    from portal.celery import app

    redis_url = os.environ.get("REDIS_URL") or settings.REDIS_URL
    if not redis_url:
        pytest.skip("needs Redis: set REDIS_URL=redis://...")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...): the worker must see the test database")

    nodename = f"lumen-test-{uuid.uuid4().hex[:10]}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.plugins.worker_settings",
        "LUMEN_CELERY_EAGER": "false",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": redis_url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **celery_worker_env,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "worker",
        "--pool=solo",
        "-Q",
        "celery",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "--loglevel=INFO",
        "-n",
        nodename,
    ]
    log_path = tmp_path / "celery-worker.log"
    with publishing_to(app, redis_url):
        app.control.purge()  # leftovers of an earlier, interrupted run would reach this worker
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        worker = CeleryWorker(nodename=nodename, process=process, log_path=log_path)
        try:
            _wait_until_ready(app, worker)
            yield worker
        finally:
            _stop(process)
            print(f"--- Celery worker log ({nodename}) ---\n{worker.log_tail()}")  # shown when a test fails
