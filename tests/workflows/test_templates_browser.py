"""The template editor in Chromium: the payment template loaded, a conditional step added with the script
(add, choose the rule and its parameter, the condition on the amount, move it up), saved as version 2; the
screenshots of the editor at desktop and phone width (no sideways scrolling on a phone)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.workflows.models import ProcessTemplate
from portal.workflows.services.defaults import defaults_ensure

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


@pytest.fixture
def payment(transactional_db):
    defaults_ensure()  # a live-server test before this one emptied the database
    return ProcessTemplate.objects.get(key="payment")


def test_add_a_conditional_step_in_the_editor(page, live_server, login, screenshot, org, payment):
    login(page, live_server, org.admin.email, PASSWORD)
    page.goto(live_server.url + reverse("workflows:template_edit", args=[payment.pk]))
    steps = page.locator('#wf-steps > [data-wf-row="steps"]:not([data-wf-removed])')
    expect(steps).to_have_count(3)
    expect(steps.nth(1).locator("[data-wf-title]")).to_have_text("Financial director")
    # Only the chosen rule's parameter shows: the CFO step names a role.
    expect(steps.nth(1).locator('[data-wf-param="role"]')).to_be_visible()
    expect(steps.nth(1).locator('[data-wf-param="person"]')).to_be_hidden()
    expect(steps.nth(1).locator('[data-wf-param="people group role"]')).to_be_visible()  # the mode
    for name in ("name", "kind", "rule", "condition_value", "deadline"):
        expect(steps.nth(0).locator(f'[name$="-{name}"]')).to_be_visible()
    expect(steps.nth(0).locator('[data-wf-param="people group role"]')).to_be_hidden()
    screenshot("workflows-template-editor")

    page.locator("#wf-add-step").click()
    expect(steps).to_have_count(4)
    new = steps.nth(3)
    expect(new.locator("[data-wf-number]")).to_have_text("4")
    new.locator('input[name$="-name"]').fill("Lawyer for large sums")
    expect(new.locator("[data-wf-title]")).to_have_text("Lawyer for large sums")
    new.locator('select[name$="-rule"]').select_option("role")
    expect(new.locator('[data-wf-param="role"]')).to_be_visible()
    expect(new.locator('[data-wf-param="levels_up"]')).to_be_hidden()
    new.locator('select[name$="-role"]').select_option("lawyer")
    new.locator('select[name$="-condition_field"]').select_option("amount")
    new.locator('select[name$="-condition_op"]').select_option("gte")
    new.locator('input[name$="-condition_value"]').fill("300000")
    # A step for information shows no actions to allow.
    new.locator('select[name$="-kind"]').select_option("info")
    expect(new.locator("[data-wf-approval-only]")).to_be_hidden()
    new.locator('select[name$="-kind"]').select_option("approval")
    expect(new.locator("[data-wf-approval-only]")).to_be_visible()
    # Up one place: before the accountant.
    new.locator('[data-wf-move="up"]').click()
    expect(steps.nth(2).locator("[data-wf-title]")).to_have_text("Lawyer for large sums")
    expect(steps.nth(2).locator("[data-wf-number]")).to_have_text("3")
    # A new field appears in the conditions' choices as it is typed.
    page.locator("#wf-add-field").click()
    field = page.locator('#wf-fields > [data-wf-row="fields"]').last
    field.locator('input[name$="-label"]').fill("Project")
    field.locator('input[name$="-key"]').fill("project")
    expect(new.locator('select[name$="-condition_field"] option[value="project"]')).to_have_count(1)
    field.locator("[data-wf-remove]").click()
    expect(new.locator('select[name$="-condition_field"] option[value="project"]')).to_have_count(0)

    # A step named after a person, picked with the people picker of the copied row.
    page.locator("#wf-add-step").click()
    named = steps.nth(4)
    named.locator('input[name$="-name"]').fill("The CEO")
    named.locator('select[name$="-rule"]').select_option("person")
    picker = named.locator('[data-wf-param="person"]')
    expect(picker).to_be_visible()
    picker.locator("[data-chip-input]").fill(org.ceo.last_name[:4])
    picker.locator('[role="option"]', has_text=org.ceo.full_name).first.click()
    expect(picker.locator("[data-chip]")).to_have_count(1)

    page.locator("#wf_comment").fill("The lawyer sees large payments")
    with page.expect_navigation():
        page.locator("#wf-template-save").click()
    expect(page.locator(".alert-success")).to_contain_text("Saved as version 2")

    payment.refresh_from_db()
    version = payment.current_version
    assert version.number == 2 and version.comment == "The lawyer sees large payments"
    assert [s["name"] for s in version.steps] == [
        "Supervisor",
        "Financial director",
        "Lawyer for large sums",
        "Accountant",
        "The CEO",
    ]
    assert version.steps[2]["rule"] == {"kind": "role", "role": "lawyer"}
    assert version.steps[4]["rule"] == {"kind": "person", "person": org.ceo.pk}
    assert version.steps[2]["condition"] == {"field": "amount", "op": "gte", "value": "300000"}
    assert [f["key"] for f in version.fields] == ["counterparty", "amount", "purpose", "due_date", "invoice"]

    page.locator("#wf-versions-link").click()
    expect(page.locator("#wf-version-2")).to_contain_text("The lawyer sees large payments")
    page.locator("#wf-version-1").click()
    expect(page.locator("#wf-view-route")).to_contain_text("if Amount > 100000")
    expect(page.locator("#wf-view-route")).not_to_contain_text("Lawyer for large sums")
    screenshot("workflows-template-version")
    page.goto(live_server.url + reverse("workflows:template_list"))
    screenshot("workflows-template-list")
    page.goto(live_server.url + reverse("workflows:role_list"))
    expect(page.locator("#wf-roles")).to_contain_text("Financial director")
    screenshot("workflows-role-list")


def test_the_editor_fits_a_phone(page, live_server, login, screenshot, org, payment):
    page.set_viewport_size({"width": 375, "height": 812})
    login(page, live_server, org.admin.email, PASSWORD)
    page.goto(live_server.url + reverse("workflows:template_edit", args=[payment.pk]))
    expect(page.locator("#wf-template-editor")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    screenshot("workflows-template-editor-phone")
    page.goto(live_server.url + reverse("workflows:template_list"))
    expect(page.locator("#wf-templates")).to_contain_text(re.compile("Outgoing payment"))
    screenshot("workflows-template-list-phone")
