"""The mail the worker of `make run PORT=8101` builds links to port 8101: a real Celery worker (from Redis, on
the PostgreSQL test database) started with the environment honcho gives it (its own PORT, the web's port as
LUMEN_WEB_PORT, no LUMEN_BASE_URL), sending over real SMTP."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.redis, pytest.mark.smtp]


@pytest.fixture
def celery_worker_env(smtp_server) -> dict[str, str]:
    return {
        "EMAIL_URL": smtp_server.url,
        "HOST": "127.0.0.1",
        "PORT": "8201",  # honcho's port for the second process of Procfile.dev
        "LUMEN_WEB_PORT": "8101",
        "LUMEN_BASE_URL": "",
    }


def test_the_worker_of_make_run_links_to_the_web_port(org, smtp_server, celery_worker):
    from portal.people.services import invitation_send

    invitation_send(actor=org.admin, emails=["nina@acme.test"], department=org.it, first_name="Nina")

    received = smtp_server.wait_for(lambda m: "nina@acme.test" in m.rcpt_tos, timeout=30)
    links = re.findall(r"https?://[^\s\"'<>]+", received.body("plain") + received.body("html"))
    assert any("/invite/" in link for link in links), links
    assert all(link.startswith("http://127.0.0.1:8101/") for link in links), links
