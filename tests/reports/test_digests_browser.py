"""The digest in a real browser: the supervisor finds yesterday's digest in the dashboard's panel, opens
it, sees its sections and follows a link into the list behind one; then switches the personal digest on.
Screenshots land in var/screenshots/ (digest-panel, digest-detail, digest-settings)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


@pytest.fixture
def digest(org):
    from portal.people.models import User
    from reports import services
    from tests.tasks.factories import TaskFactory

    User.objects.filter(pk=org.sales_head.pk).update(first_name="Sam", last_name="Seller")
    User.objects.filter(pk=org.east_rep.pk).update(first_name="Erin", last_name="Eastwood")
    User.objects.update(date_joined=timezone.now() - datetime.timedelta(days=400))
    TaskFactory(
        title="Call the client back",
        creator=org.sales_head,
        responsible=org.east_rep,
        deadline=timezone.now() - datetime.timedelta(days=2),
    )
    org.sales_head.refresh_from_db()
    return services.digest_build(recipient=org.sales_head, kind="supervisor", date=timezone.localdate())


def test_supervisor_reads_the_digest_from_the_dashboard(digest, org, page, live_server, login, screenshot):
    login(page, live_server, org.sales_head.email, PASSWORD)

    page.goto(live_server.url + reverse("reports:home"))
    panel = page.locator("#digest-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Overdue tasks")
    screenshot("digest-panel")

    panel.get_by_role("link", name="Open the digest").click()
    expect(page.locator("#digest-summary")).to_contain_text("signal")
    expect(page.locator("#digest-overdue_tasks")).to_contain_text("Call the client back")
    screenshot("digest-detail")

    page.locator("#digest-overdue_tasks").get_by_role("link", name="Call the client back").click()
    expect(page).to_have_url(
        live_server.url + reverse("tasks:detail", args=[digest.data["overdue_tasks"]["items"][0]["id"]])
    )


def test_a_person_switches_the_personal_digest_on(org, page, live_server, login, screenshot):
    from reports.models import DigestPreference

    login(page, live_server, org.east_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("reports:digest_settings"))
    page.locator("#id_digest_time").fill("07:30")
    page.locator("#id_personal_digest").check()
    screenshot("digest-settings")
    page.locator("#digest-settings-form [type=submit]").click()

    expect(page.locator("body")).to_contain_text("Your digest settings are saved.")
    preference = DigestPreference.objects.get(user=org.east_rep)
    assert (preference.digest_time, preference.personal_digest) == (datetime.time(7, 30), True)
