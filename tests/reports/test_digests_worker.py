"""Digests end to end on real servers: the beat's job runs in a real Celery worker (from Redis, on the
PostgreSQL test database), builds the digest and mails it over real SMTP (aiosmtpd). Run twice, exactly
one e-mail arrives, with its HTML and plain-text parts."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.redis, pytest.mark.smtp]


@pytest.fixture
def celery_worker_env(smtp_server) -> dict[str, str]:
    return {"EMAIL_URL": smtp_server.url}


@pytest.fixture
def due_now(org):
    """sales_head works every day and their digest time is midnight, so it is due whenever the test runs;
    east_rep has an overdue task."""
    from tests.reports.factories import DigestPreferenceFactory, WorkScheduleFactory
    from tests.tasks.factories import TaskFactory

    DigestPreferenceFactory(user=org.sales_head, digest_time=datetime.time(0, 0))
    WorkScheduleFactory(user=org.sales_head, working_days=[0, 1, 2, 3, 4, 5, 6])
    TaskFactory(
        title="Call the client back",
        creator=org.sales_head,
        responsible=org.east_rep,
        deadline=timezone.now() - datetime.timedelta(days=1),
    )
    return org


def test_the_digest_job_run_twice_sends_one_mail(due_now, smtp_server, celery_worker):
    from reports.jobs import digests_run_due_job
    from reports.models import Digest

    org = due_now
    first = digests_run_due_job.delay().get(timeout=60)
    assert first >= 1
    received = smtp_server.wait_for(lambda m: org.sales_head.email in m.rcpt_tos, timeout=30)

    second = digests_run_due_job.delay().get(timeout=60)
    time.sleep(2)  # a second mail, if the job wrongly sent one, would have arrived by now

    assert second == 0
    assert len(smtp_server.to(org.sales_head.email)) == 1
    assert received.subject.startswith("Control digest for ")
    text, html = received.body("plain"), received.body("html")
    assert "Call the client back" in text and "Call the client back" in html
    assert "/reports/digests/" in text
    assert "<table" in html and "http://" in html
    digest = Digest.objects.get(recipient=org.sales_head)
    assert digest.sent_at is not None


def test_the_send_job_twice_for_one_digest_sends_once(org, smtp_server, celery_worker):
    from reports.jobs import digest_send_job
    from tests.reports.factories import DigestFactory

    digest = DigestFactory(recipient=org.east_head, date=datetime.date(2026, 1, 14))

    results = [digest_send_job.delay(digest.pk), digest_send_job.delay(digest.pk)]
    outcomes = sorted(r.get(timeout=60) for r in results)
    smtp_server.wait_for(lambda m: org.east_head.email in m.rcpt_tos, timeout=30)
    time.sleep(1)

    assert outcomes == [False, True]
    assert len(smtp_server.to(org.east_head.email)) == 1
