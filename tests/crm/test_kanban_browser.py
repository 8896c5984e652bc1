"""The deal Kanban in Chromium: a card dragged to another stage moves the deal and the column sums follow; a drop
on a lost stage asks for the reason. Also takes the screenshots of the board and of a deal's page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from djmoney.money import Money
from playwright.sync_api import expect

from crm.choices import StageKind
from crm.models import Deal, Pipeline
from tests.crm.factories import CompanyFactory, DealFactory, PipelineFactory

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def crm_roles(db):
    """The default CRM roles, even after a live-server test flushed the database."""
    from tests.crm.test_permissions_deals import default_roles

    return default_roles()


PASSWORD = "pass-word-123"


@pytest.fixture
def board(org):
    Pipeline.objects.update(is_default=False)
    pipeline = PipelineFactory(is_default=True, name="Wholesale")
    talk, offer = pipeline.stages.filter(kind=StageKind.OPEN).order_by("sort")
    for n, amount in enumerate(("1200.00", "800.00", "450.50")):
        DealFactory(
            pipeline=pipeline,
            stage=talk,
            title=f"Order {n + 1}",
            responsible=org.east_rep,
            company=CompanyFactory(name=f"Client {n + 1}"),
            amount=Money(amount, "USD"),
        )
    DealFactory(
        pipeline=pipeline,
        stage=offer,
        title="Offer sent",
        responsible=org.east_rep,
        amount=Money("99", "USD"),
    )
    return pipeline, talk, offer


def _column(page, stage):
    return page.locator(f'.crm-column[data-stage="{stage.pk}"]')


def test_drag_a_card_to_another_stage(page, live_server, login, screenshot, org, board):
    pipeline, talk, offer = board
    login(page, live_server, org.east_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("crm:deal_kanban"))
    expect(_column(page, talk).locator(".crm-count")).to_have_text("3")
    screenshot("crm-kanban", full_page=False)

    deal = Deal.objects.get(title="Order 1")
    card = page.locator(f'.crm-card[data-id="{deal.pk}"]')
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 200):
        card.drag_to(_column(page, offer).locator(".crm-cards"))
    expect(_column(page, offer).locator(".crm-count")).to_have_text("2")
    expect(_column(page, talk).locator(".crm-count")).to_have_text("2")
    expect(_column(page, offer).locator(".crm-sum")).to_have_text(str(Money("1299.00", "USD")))
    expect(_column(page, talk).locator(".crm-sum")).to_have_text(str(Money("1250.50", "USD")))
    deal.refresh_from_db()
    assert deal.stage == offer

    # A lost stage asks why; the reason goes with the move.
    lost = pipeline.stages.get(kind=StageKind.LOST)
    other = Deal.objects.get(title="Order 2")
    page.locator(f'.crm-card[data-id="{other.pk}"]').drag_to(_column(page, lost).locator(".crm-cards"))
    expect(page.locator("#crm-lost")).to_be_visible()
    page.locator("#crm-lost-reason").fill("Chose a cheaper supplier")
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 200):
        page.locator("#crm-lost-form [type=submit]").click()
    expect(_column(page, lost).locator(".crm-count")).to_have_text("1")
    other.refresh_from_db()
    assert other.stage == lost and other.lost_reason == "Chose a cheaper supplier"

    page.goto(live_server.url + reverse("crm:deal", args=[deal.pk]))
    expect(page.locator("#crm-stage-bar")).to_be_visible()
    screenshot("crm-deal-page")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("crm:deal_kanban"))
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth + 1")
    screenshot("crm-kanban-phone", full_page=False)
