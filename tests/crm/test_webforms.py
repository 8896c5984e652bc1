"""Web forms: the builder (CRM administrators), the public form (anonymous), the embed snippet, the honeypot,
the rate limit, bad input, UTM tags, deal forms and inactive forms."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from djmoney.money import Money

from crm.choices import LeadSource, LeadStatus, TimelineKind
from crm.models import Deal, Lead, TimelineEntry, WebForm, WebFormSubmission
from crm.services import webforms as services
from crm.views.webforms import embed_snippets
from portal.core.errors import Invalid, NotFound
from portal.core.models import AuditLog
from tests.crm.factories import PipelineFactory

pytestmark = pytest.mark.django_db

FIELDS = [
    {"name": "name", "label": "Your name", "target": "first_name", "type": "text", "required": True},
    {"name": "phone", "label": "Phone", "target": "phone", "type": "phone", "required": True},
    {"name": "email", "label": "E-mail", "target": "email", "type": "email"},
    {"name": "budget", "label": "Budget", "target": "amount", "type": "number"},
    {"name": "size", "label": "Team size", "target": "", "type": "list", "choices": ["1-10", "11-50"]},
    {"name": "message", "label": "Message", "target": "comment", "type": "textarea"},
]
GOOD = {"name": "Anna", "phone": "+1 212 555 0100", "email": "anna@smith.test", "budget": "1500", "size": "1-10",
        "message": "Call me"}  # fmt: skip


@pytest.fixture
def webform(org):
    return services.webform_create(
        actor=org.admin, name="Site contact", fields=FIELDS, title="Write to us", thank_you="Thanks, Anna!",
        responsible=org.east_rep,
    )  # fmt: skip


def url(form):
    return reverse("crm:webform_public", args=[form.token])


def anonymous():
    return Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.7")


def test_public_form_shows_the_fields_and_the_hidden_honeypot(webform):
    response = anonymous().get(url(webform))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write to us" in html and 'name="phone"' in html and "<textarea" in html
    assert re.search(r'class="crm-hp"[^>]*>.*name="website_url"', html, re.S)
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]


def test_a_good_submission_makes_a_lead_with_utm_tags(webform, org):
    response = anonymous().post(url(webform) + "?utm_source=google&utm_campaign=spring", {**GOOD})
    assert response.status_code == 200
    assert "Thanks, Anna!" in response.content.decode()
    lead = Lead.objects.get()
    assert (lead.source, lead.source_detail, lead.status) == (
        LeadSource.WEB_FORM,
        "Site contact",
        LeadStatus.NEW,
    )
    assert lead.first_name == "Anna" and lead.title == "Anna"
    assert lead.responsible == org.east_rep
    assert lead.amount == Money(Decimal("1500"), "USD")
    assert lead.utm == {"utm_source": "google", "utm_campaign": "spring"}
    assert lead.comment == "Call me\nTeam size: 1-10"
    assert sorted(lead.communications.values_list("normalized", flat=True)) == [
        "+12125550100",
        "anna@smith.test",
    ]
    webform.refresh_from_db()
    assert webform.submissions_count == 1
    assert WebFormSubmission.objects.get().lead == lead


def test_utm_from_hidden_fields(webform):
    anonymous().post(url(webform), {**GOOD, "utm_medium": "cpc", "utm_bogus": "x"})
    assert Lead.objects.get().utm == {"utm_medium": "cpc"}


def test_bad_input_shows_errors_and_keeps_nothing(webform):
    response = anonymous().post(
        url(webform), {"name": "", "phone": "call me", "email": "nope", "size": "9000"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Fill in this field." in html and "Enter a phone number." in html
    assert "Enter an e-mail address." in html and "Choose one of the values." in html
    assert 'value="call me"' in html  # what was typed stays
    assert Lead.objects.count() == 0 and WebFormSubmission.objects.count() == 0
    webform.refresh_from_db()
    assert webform.submissions_count == 0


def test_honeypot_answers_like_success_and_makes_nothing(webform):
    response = anonymous().post(url(webform), {**GOOD, "website_url": "http://spam.test"})
    assert response.status_code == 200
    assert "Thanks, Anna!" in response.content.decode()
    assert Lead.objects.count() == 0
    assert WebFormSubmission.objects.get().is_spam
    webform.refresh_from_db()
    assert webform.submissions_count == 0


def test_rate_limit_per_address(webform, settings):
    settings.LUMEN_CRM_WEBFORM_RATE = 2
    client = anonymous()
    for _ in range(2):
        assert client.post(url(webform), GOOD).status_code == 200
    response = client.post(url(webform), GOOD)
    assert response.status_code == 429
    assert "Too many submissions" in response.content.decode()
    assert Lead.objects.count() == 2
    other = Client(REMOTE_ADDR="198.51.100.1")
    assert other.post(url(webform), GOOD).status_code == 200
    assert Lead.objects.count() == 3
    assert not WebFormSubmission.objects.filter(address_hash__contains="203.0.113.7").exists()


def test_inactive_or_unknown_form_is_404(webform, org):
    services.webform_update(actor=org.admin, form=webform, is_active=False)
    assert anonymous().get(url(webform)).status_code == 404
    assert anonymous().post(url(webform), GOOD).status_code == 404
    assert Lead.objects.count() == 0
    assert (
        anonymous()
        .get(reverse("crm:webform_public", args=["00000000-0000-0000-0000-000000000000"]))
        .status_code
        == 404
    )


def test_redirect_after_sending(webform, org):
    services.webform_update(actor=org.admin, form=webform, redirect_url="https://shop.example/thanks")
    response = anonymous().post(url(webform), GOOD)
    assert response.status_code == 302 and response["Location"] == "https://shop.example/thanks"
    page = anonymous().get(url(webform))
    assert "form-action 'self' https://shop.example" in page.headers["Content-Security-Policy"]


def test_deal_form_makes_a_deal_through_the_lead(org):
    pipeline = PipelineFactory()
    form = services.webform_create(
        actor=org.admin,
        name="Order",
        target="deal",
        pipeline=pipeline,
        responsible=org.east_rep,
        fields=[*FIELDS, {"name": "firm", "label": "Company", "target": "company_name", "type": "text"}],
    )
    assert anonymous().post(url(form), {**GOOD, "firm": "Smith & Co"}).status_code == 200
    deal = Deal.objects.get()
    assert deal.pipeline == pipeline and deal.stage.sort == 10
    assert deal.amount == Money(Decimal("1500"), "USD")
    assert deal.contact.first_name == "Anna" and deal.company.name == "Smith & Co"
    assert deal.responsible == org.east_rep and deal.source == LeadSource.WEB_FORM
    assert deal.lead.status == LeadStatus.CONVERTED and deal.lead.utm == {}
    assert WebFormSubmission.objects.get().deal == deal


def test_a_deal_forms_records_get_what_records_made_by_hand_get(org):
    """The lead, contact, company and deal of a deal form come from their services: each has its own
    "created" entry on its timeline and its audit row, with no person as the actor."""
    form = services.webform_create(
        actor=org.admin,
        name="Order",
        target="deal",
        pipeline=PipelineFactory(),
        responsible=org.east_rep,
        fields=[*FIELDS, {"name": "firm", "label": "Company", "target": "company_name", "type": "text"}],
    )
    assert anonymous().post(url(form), {**GOOD, "firm": "Smith & Co"}).status_code == 200
    deal = Deal.objects.select_related("contact", "company", "lead").get()
    made = {
        "lead": (deal.lead, "crm.lead.create"),
        "contact": (deal.contact, "crm.contact.created"),
        "company": (deal.company, "crm.company.created"),
        "deal": (deal, "crm.deal.create"),
    }
    for name, (record, action) in made.items():
        assert AuditLog.objects.filter(action=action, target_id=str(record.pk), actor=None).exists(), name
    created = TimelineEntry.objects.filter(kind=TimelineKind.CREATED, actor=None)
    # the lead's entry names what it became; each new record has one of its own besides
    assert created.filter(lead=deal.lead, data__source=LeadSource.WEB_FORM).exists()
    assert created.filter(contact=deal.contact, lead=None, company=None).exists()
    assert created.filter(company=deal.company, lead=None, contact=None).exists()
    assert created.filter(deal=deal, data__deal=deal.pk).exists()
    linked = TimelineEntry.objects.filter(
        kind=TimelineKind.LINKED, contact=deal.contact, company=deal.company
    )
    assert linked.exists()


class _FormReader(HTMLParser):
    """The action and the fields of the first <form> of a snippet, as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.action, self.fields = None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs["action"]
        elif tag in ("input", "textarea", "select") and attrs.get("name"):
            self.fields.append(attrs["name"])


def test_embed_snippet_posts_from_a_plain_form(webform, settings):
    snippets = embed_snippets(webform)
    html = snippets["html"]
    assert "<script" not in html
    assert url(webform) in snippets["iframe"]
    reader = _FormReader()
    reader.feed(html)
    assert reader.action.startswith(settings.LUMEN_BASE_URL) and reader.action.endswith(url(webform))
    assert set(reader.fields) == {f["name"] for f in FIELDS} | {"website_url"}
    data = {name: GOOD.get(name, "") for name in reader.fields}  # the honeypot stays empty
    path = reader.action.removeprefix(settings.LUMEN_BASE_URL.rstrip("/"))
    response = anonymous().post(path, data, HTTP_ORIGIN="https://company.example")
    assert response.status_code == 200
    assert Lead.objects.get().first_name == "Anna"


def test_builder_refuses_bad_field_lists(org):
    with pytest.raises(Invalid) as exc:
        services.webform_create(
            actor=org.admin,
            name="Bad",
            fields=[
                {"name": "Bad Name", "label": "x"},
                {"name": "ok", "label": ""},
                {"name": "pick", "label": "Pick", "type": "list"},
                {"name": "where", "label": "Where", "target": "password"},
                {"name": "website_url", "label": "Trap"},
            ],
        )
    assert set(exc.value.fields) == {"fields-0", "fields-1", "fields-2", "fields-3", "fields-4"}
    with pytest.raises(Invalid):
        services.webform_create(actor=org.admin, name="Empty", fields=[])
    with pytest.raises(Invalid):
        services.webform_create(actor=org.admin, name="X", fields=FIELDS, redirect_url="javascript:alert(1)")
    with pytest.raises(NotFound):
        services.webform_create(actor=org.east_rep, name="Mine", fields=FIELDS)
    assert WebForm.objects.count() == 0


def test_builder_pages(org, webform):
    client = Client()
    client.force_login(org.admin)
    assert client.get(reverse("crm:webform_list")).status_code == 200
    page = client.get(reverse("crm:webform_edit", args=[webform.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert str(webform.token) in html and "&lt;form class=&quot;lumen-form&quot;" in html
    data = {
        "name": "Contact us",
        "target": "lead",
        "title": "Hello",
        "thank_you": "Thanks",
        "redirect_url": "",
        "responsible": org.east_rep.pk,
        "is_active": "on",
        "fields-TOTAL_FORMS": "3",
        "fields-INITIAL_FORMS": "0",
        "fields-0-label": "Name",
        "fields-0-name": "name",
        "fields-0-target": "first_name",
        "fields-0-type": "text",
        "fields-0-required": "on",
        "fields-1-label": "Colour",
        "fields-1-name": "colour",
        "fields-1-target": "",
        "fields-1-type": "list",
        "fields-1-choices": "Red\nBlue\n",
        "fields-2-label": "",
        "fields-2-name": "",
        "fields-2-type": "text",
    }
    response = client.post(reverse("crm:webform_create"), data)
    assert response.status_code == 302
    created = WebForm.objects.get(name="Contact us")
    assert [f["name"] for f in created.fields] == ["name", "colour"]
    assert created.fields[1]["choices"] == ["Red", "Blue"]
    bad = client.post(reverse("crm:webform_edit", args=[created.pk]), {**data, "fields-1-choices": ""})
    assert bad.status_code == 400 and "A list needs its values" in bad.content.decode()
    assert client.post(reverse("crm:webform_delete", args=[created.pk])).status_code == 302
    assert not WebForm.objects.filter(pk=created.pk).exists()


@pytest.mark.browser
def test_a_visitor_sends_the_form_in_chromium_at_phone_width(page, live_server, screenshot, org):
    """In a real browser, at phone width: the honeypot stays out of sight, the form sends, a lead is made."""
    form = services.webform_create(actor=org.admin, name="Site contact", fields=FIELDS, title="Write to us")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + url(form) + "?utm_source=browser")
    trap = page.locator("input[name=website_url]").bounding_box()
    assert trap is None or trap["x"] + trap["width"] <= 0  # moved out of sight by its class
    page.fill("input[name=name]", "Anna")
    page.fill("input[name=phone]", "+1 212 555 0100")
    page.select_option("select[name=size]", "11-50")
    screenshot("crm-webform-public-phone")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("#crm-webform-sent").is_visible()
    lead = Lead.objects.get()
    assert lead.first_name == "Anna" and lead.utm == {"utm_source": "browser"}
