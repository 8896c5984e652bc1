"""Counter jobs on a REAL Celery worker (Redis broker, the PostgreSQL test database)."""

import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from portal.notifications.counters import counters_get
from portal.notifications.jobs import REBUILD_LOCK_KEY, counters_rebuild_job, counters_recount_job
from portal.notifications.models import UserCounter
from tests.notifications.factories import NotificationFactory
from tests.utils import client_as

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.redis]

WAIT = 30


def _wait_for(predicate, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_recount_job_stores_the_counter(org, celery_worker):
    NotificationFactory.create_batch(3, recipient=org.east_rep)
    result = counters_recount_job.delay([org.east_rep.pk], ["notifications.unread"])
    assert result.get(timeout=WAIT) == 1
    assert counters_get(org.east_rep)["notifications.unread"] == 3


def test_notify_is_recounted_by_the_worker(org, celery_worker):
    from portal.notifications.services import notify

    notify(recipients=[org.east_rep, org.developer], kind="like", title="Liked", actor=org.ceo)
    assert _wait_for(lambda: UserCounter.objects.filter(key="notifications.unread", value=1).count() == 2), (
        celery_worker.log_tail()
    )


def test_rebuild_job_on_the_worker_respects_the_lock(org, celery_worker):
    from django.core.cache import cache

    NotificationFactory.create_batch(2, recipient=org.developer)
    cache.add(REBUILD_LOCK_KEY, "another beat", timeout=60)
    try:
        assert counters_rebuild_job.delay().get(timeout=WAIT) is None
    finally:
        cache.delete(REBUILD_LOCK_KEY)
    assert counters_rebuild_job.delay().get(timeout=WAIT) == 9
    assert counters_get(org.developer)["notifications.unread"] == 2
    assert cache.get(REBUILD_LOCK_KEY) is None


def test_worker_pushes_counters_to_the_open_page(org, celery_worker):
    """notify -> commit -> job on the worker -> Redis channel layer -> the browser's socket."""
    from portal.asgi import application
    from portal.notifications.services import notify

    session = client_as(org.east_rep).cookies["sessionid"].value
    headers = [(b"origin", b"http://testserver"), (b"cookie", f"sessionid={session}".encode())]

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        await communicator.receive_json_from(timeout=5)
        await database_sync_to_async(notify)(
            recipients=[org.east_rep], kind="system", title="Hi", actor=org.ceo
        )
        received = []
        while not any(m.get("event") == "counters" for m in received):
            received.append(await communicator.receive_json_from(timeout=WAIT))
        await communicator.disconnect()
        return received

    received = async_to_sync(scenario)()
    assert received[-1] == {"event": "counters", "counters": {"notifications.unread": 1}}
