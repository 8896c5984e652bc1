"""Invitations end to end on real servers: the service commits, a real Celery worker picks the job up
from Redis, renders the mail and sends it over real SMTP."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.redis, pytest.mark.smtp]


@pytest.fixture
def celery_worker_env(smtp_server) -> dict[str, str]:
    return {"EMAIL_URL": smtp_server.url}


def test_invitation_mail_is_sent_by_the_worker(org, smtp_server, celery_worker):
    from portal.people.models import Invitation
    from portal.people.services import invitation_send

    invitations = invitation_send(
        actor=org.admin,
        emails=["Newcomer@Acme.test"],
        department=org.it,
        first_name="Nina",
        last_name="Newcomer",
        position="Developer",
    )

    assert [i.email for i in invitations] == ["newcomer@acme.test"]
    received = smtp_server.wait_for(lambda m: "newcomer@acme.test" in m.rcpt_tos, timeout=20)
    text = received.body()
    links = re.findall(r"https?://\S+/invite/\S+", text)
    assert links, f"no invitation link in:\n{text}"
    assert "/invite/" in received.body("html")
    invitation = Invitation.objects.get(pk=invitations[0].pk)
    assert invitation.sent_count >= 1
    # The job ran once: no second copy arrives.
    assert len(smtp_server.to("newcomer@acme.test")) == 1
