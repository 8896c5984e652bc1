"""Familiarisation and moderation in Chromium.

An editor starts a campaign "Rules of work" for a department (picked with core's audience picker), a member of
the department opens the page, confirms "I have read and understood", and the editor sees the progress: the
member read it, the others not yet. Then the moderation queue of a moderated space: a waiting comment is
approved in place. Screenshots (desktop and phone) of the campaign's progress and of the queue, each checked
for no sideways scrolling at phone width.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from knowledgebase.models import Campaign, CommentStatus, PageComment, ReadingAssignment
from tests.knowledgebase.factories_governance import CommentFactory, governance_world
from tests.plugins.browser import DESKTOP, PHONE, htmx_settled

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"


def _fits_the_phone(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth + 1")


def test_an_editor_starts_a_campaign_a_member_confirms_and_the_editor_sees_it(
    live_server, page, login, screenshot, org
):
    world = governance_world(org)
    deadline = timezone.localdate() + datetime.timedelta(days=10)

    # The editor (sales_head answers for the space) asks Sales East to read the rules.
    login(page, live_server, org.sales_head.email, PASSWORD)
    page.goto(
        f"{live_server.url}{reverse('kb:campaign_create')}?space={world.space.pk}&page={world.rules.pk}"
    )
    page.locator("#id_title").fill("Rules of work")
    expect(page.locator("#id_pages option:checked")).to_have_text("Rules of work")
    picker = page.locator("[data-chip-picker]").first
    picker.locator("[data-chip-input]").fill("Sales Ea")
    picker.locator('[role="option"]', has_text="Sales East").first.click()
    expect(picker.locator("[data-chip]")).to_have_count(1)
    page.locator("#id_deadline").fill(deadline.isoformat())
    with page.expect_navigation():
        page.locator("#kb-campaign-form [type=submit]").click()
    campaign = Campaign.objects.get(title="Rules of work")
    assert set(ReadingAssignment.objects.filter(campaign=campaign).values_list("user_id", flat=True)) == {
        org.east_head.pk,
        org.east_rep.pk,
        org.field_rep.pk,
    }
    expect(page.locator("#kb-progress-table tbody tr[data-person]")).to_have_count(3)
    expect(page.locator('[data-state-count="read"]')).to_have_text("0")

    # A member opens the page: the confirmation waits at its end; they confirm.
    page.context.clear_cookies()
    login(page, live_server, org.east_rep.email, PASSWORD)
    page.goto(live_server.url + world.rules.get_absolute_url())
    confirm = page.locator("#kb-confirm")
    expect(confirm).to_be_visible()
    htmx_settled(page)
    screenshot("kb-page-to-confirm")
    confirm.click()
    expect(page.locator("#kb-reading [role=status]")).to_contain_text("You confirmed reading this page")
    assert ReadingAssignment.objects.get(campaign=campaign, user=org.east_rep).confirmed_at is not None
    # The discussion under it loaded too.
    expect(page.locator("#kb-discussion")).to_contain_text("No comments yet.")

    # The editor sees the progress: one read, two not yet.
    page.context.clear_cookies()
    login(page, live_server, org.sales_head.email, PASSWORD)
    page.goto(live_server.url + campaign.get_absolute_url())
    expect(page.locator(f'#kb-progress-table tr[data-person="{org.east_rep.pk}"]')).to_have_attribute(
        "data-state", "read"
    )
    expect(page.locator('[data-state-count="read"]')).to_have_text("1")
    expect(page.locator('[data-state-count="pending"]')).to_have_text("2")
    page.locator('#kb-progress a[href="?state=pending"]').click()
    expect(page.locator("#kb-progress-table tbody tr[data-person]")).to_have_count(2)
    page.locator("#kb-progress a[href='?']").click()
    expect(page.locator("#kb-progress-table tbody tr[data-person]")).to_have_count(3)
    screenshot("kb-campaign-progress")
    page.set_viewport_size(PHONE)
    page.reload()
    screenshot("kb-campaign-progress-phone")
    assert _fits_the_phone(page)
    page.set_viewport_size(DESKTOP)


def test_the_moderation_queue_approves_in_place(live_server, page, login, screenshot, org):
    world = governance_world(org, moderated=True)
    waiting = CommentFactory(
        page=world.rules,
        author=org.east_rep,
        body="Could rule 3 say who decides?",
        status=CommentStatus.PENDING,
    )
    CommentFactory(
        page=world.rules, author=org.field_rep, body="A long question " * 12, status=CommentStatus.PENDING
    )

    login(page, live_server, org.sales_head.email, PASSWORD)
    page.goto(live_server.url + reverse("kb:moderation_queue"))
    expect(page.locator("#kb-queue article")).to_have_count(2)
    screenshot("kb-moderation-queue")
    page.set_viewport_size(PHONE)
    page.reload()
    screenshot("kb-moderation-queue-phone")
    assert _fits_the_phone(page)
    page.set_viewport_size(DESKTOP)
    page.reload()
    htmx_settled(page)
    page.locator(f"#queued-{waiting.pk} button.btn-success").click()
    expect(page.locator("#kb-queue [role=status]")).to_contain_text("The comment is published.")
    expect(page.locator("#kb-queue article")).to_have_count(1)
    assert PageComment.objects.get(pk=waiting.pk).status == CommentStatus.APPROVED

    # Everyone reading the page sees it now.
    page.context.clear_cookies()
    login(page, live_server, org.field_rep.email, PASSWORD)
    page.goto(live_server.url + world.rules.get_absolute_url())
    expect(page.locator(f"#comment-{waiting.pk}")).to_contain_text("who decides")
