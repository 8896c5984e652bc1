"""The caller's pop-up card in Chromium, over the real websocket: a simulated PBX posts "ringing" to the real
server, the signed-in employee's open page shows the card with the contact's name within seconds, "finished"
takes it away; an unknown number offers "Create lead", which opens the new lead.

Runs against the real ASGI server (`asgi_live_server`) on the PostgreSQL test database; the events go through
the server's HTTP API, so the push is made where the sockets are (in-memory layer or Redis alike).
"""

from __future__ import annotations

import re

import pytest

from crm.choices import Level, StageKind
from crm.management.commands.crm_pbx_simulate import post_event
from crm.models import Call, Lead
from crm.services import telephony as services
from crm.services.communications import communications_set
from tests.crm.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    PipelineFactory,
    give_role,
    role_with,
)
from tests.people.factories import AdminFactory, UserFactory
from tests.plugins.browser import PHONE, SCREENSHOT_DIR

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
PASSWORD = "pass-word-123"
LIVE_TIMEOUT = 10_000
EVENTS = "/api/v1/crm/telephony/events/"
# Counts the frames of the page's live socket (/ws/live/) so that the test can wait until it is connected.
LIVE_PROBE = "document.addEventListener('lumen:live', function () { window.__lumenLive = (window.__lumenLive || 0) + 1; });"


def _talk_to_the_server(page) -> None:
    """The `page` fixture answers /ws/ with a silent stand-in; here the real ASGI server is there."""
    page.context.route_web_socket(re.compile(r"/ws/"), lambda socket: socket.connect_to_server())
    page.context.add_init_script(LIVE_PROBE)


def _wait_live(page) -> None:
    page.wait_for_function("() => (window.__lumenLive || 0) > 0", timeout=LIVE_TIMEOUT)


@pytest.fixture
def office(transactional_db):
    """An employee on extension 101 with the "own" CRM level, and a client of theirs with a phone and a deal."""
    rep = UserFactory(email="rep.calls@acme.test", first_name="Maria", last_name="Ivanova", password=PASSWORD)
    give_role(role_with("Sales rep (calls)", Level.OWN), user=rep)
    admin = AdminFactory(email="admin.calls@acme.test")
    connection, token = services.pbx_create(actor=admin, name="Office PBX", extensions=[("101", rep)])
    company = CompanyFactory(name="Vector Logistics", responsible=rep)
    contact = ContactFactory(
        first_name="Anna", last_name="Smirnova", position="Head of purchasing", responsible=rep
    )
    contact.companies.add(company)
    communications_set(record=contact, items=[{"kind": "phone", "type": "mobile", "value": "+79161234567"}])
    pipeline = PipelineFactory(name="Sales (calls)")
    DealFactory(title="Forklift rental, 12 months", contact=contact, company=company, responsible=rep,
                pipeline=pipeline)  # fmt: skip
    assert pipeline.stages.filter(kind=StageKind.OPEN).exists()
    return {"rep": rep, "token": token, "connection": connection, "contact": contact}


def _ring(server, token, call_id, caller):
    status, body = post_event(
        server.url + EVENTS,
        token,
        {
            "event": "ringing",
            "call_id": call_id,
            "direction": "in",
            "caller": caller,
            "called": "+74950000000",
            "extension": "101",
        },  # fmt: skip
    )
    assert status == 201, body
    return body


def test_a_ringing_call_pops_the_callers_card_up_live(asgi_live_server, office, page, login, screenshot):
    from playwright.sync_api import expect

    _talk_to_the_server(page)
    login(page, asgi_live_server, office["rep"].email, PASSWORD)
    page.goto(f"{asgi_live_server.url}/crm/")
    _wait_live(page)

    _ring(asgi_live_server, office["token"], "b-1", "+7 916 123-45-67")
    card = page.locator("#crm-call-card [data-call]")
    expect(card).to_be_visible(timeout=5_000)
    expect(card.locator("[data-call-name]")).to_have_text("Anna Smirnova")
    expect(card).to_contain_text("Head of purchasing")
    expect(card).to_contain_text("Vector Logistics")
    expect(card).to_contain_text("Forklift rental, 12 months")
    expect(card).to_contain_text("Maria Ivanova")
    screenshot("crm-call-card")

    # Answered: the state follows; finished: the card goes, and the call is on the contact as an activity.
    post_event(
        asgi_live_server.url + EVENTS,
        office["token"],
        {"event": "answered", "call_id": "b-1", "extension": "101"},
    )
    expect(card.locator("[data-call-state]")).to_have_text("Talking", timeout=5_000)
    post_event(asgi_live_server.url + EVENTS, office["token"],
               {"event": "finished", "call_id": "b-1", "duration": 61, "status": "answered"})  # fmt: skip
    expect(page.locator("#crm-call-card [data-call]")).to_have_count(0, timeout=5_000)
    assert Call.objects.get(call_id="b-1").activity.contact_id == office["contact"].pk


def test_an_unknown_number_offers_a_lead_in_one_click(asgi_live_server, office, page, login, screenshot):
    from playwright.sync_api import expect

    page.set_viewport_size(PHONE)
    _talk_to_the_server(page)
    login(page, asgi_live_server, office["rep"].email, PASSWORD)
    page.goto(f"{asgi_live_server.url}/")
    _wait_live(page)

    _ring(asgi_live_server, office["token"], "b-2", "+79990001122")
    card = page.locator("#crm-call-card [data-call]")
    expect(card).to_contain_text("Unknown number", timeout=5_000)
    expect(card).to_contain_text("+79990001122")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "crm-call-card-unknown-phone.png"))

    with page.expect_navigation():
        card.locator("[data-call-create-lead]").click()
    lead = Lead.objects.get()
    assert page.url.endswith(lead.get_absolute_url())
    assert lead.source == "call" and lead.responsible_id == office["rep"].pk

    # The close button takes a card away without waiting for the call to end.
    _wait_live(page)
    _ring(asgi_live_server, office["token"], "b-3", "+79990003344")
    expect(card).to_be_visible(timeout=5_000)
    card.locator("[data-call-card-close]").click()
    expect(page.locator("#crm-call-card [data-call]")).to_have_count(0)
