"""The automation rule pages in Chromium: a project's owner goes from the project's page to its rules, makes a
rule whose action's settings appear as the action is chosen (htmx, no inline script), saves it, sees it on the
list and its run on the run log; the pages at desktop and phone width. Takes the screenshots."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.groups.choices import MemberRole
from portal.workflows.choices import RuleRunStatus
from portal.workflows.models import AutomationRule, RuleRun
from tasks.choices import TaskStatus
from tasks.models import Task
from tasks.services.transitions import task_set_status
from tests.groups.factories import MembershipFactory, ProjectFactory
from tests.plugins.browser import htmx_settled
from tests.tasks.factories import TaskFactory, TaskTemplateFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"
PHONE = {"width": 375, "height": 740}


def test_an_owner_makes_a_rule_and_sees_it_run(page, live_server, login, screenshot, org, js_errors):
    project = ProjectFactory(name="Apollo")
    MembershipFactory(group=project, user=org.east_head, role=MemberRole.OWNER)
    template = TaskTemplateFactory(creator=org.east_head, title="Write the release notes", group=project)
    task = TaskFactory(
        title="Ship the release", creator=org.east_head, responsible=org.east_rep, group=project
    )

    login(page, live_server, org.east_head.email, PASSWORD)
    page.goto(live_server.url + project.get_absolute_url())
    page.locator("#group-automation").click()
    expect(page.locator("h1")).to_contain_text("Apollo")
    page.locator("#rule-create").click()

    page.locator("#id_name").fill("Release notes when done")
    page.locator("#rule-add-condition").click()
    expect(page.locator("#id_c0-field")).to_be_visible()
    htmx_settled(page)
    page.locator("#id_c0-value").select_option("completed")
    page.locator("#id_a0-action").select_option("tasks.create_from_template")
    expect(page.locator("#id_a0-p-template")).to_be_visible()  # drawn again for the chosen action
    htmx_settled(page)
    page.locator("#id_a0-p-template").select_option(str(template.pk))
    page.locator("#rule-add-action").click()
    expect(page.locator("#id_a1-action")).to_be_visible()
    htmx_settled(page)
    page.locator("#id_a1-action").select_option("workflows.notify")
    expect(page.locator("#id_a1-p-to")).to_be_visible()
    htmx_settled(page)
    page.locator("#id_a1-p-to").select_option("owner")
    expect(page.locator('[data-action-row="1"] [data-param="people"]')).to_be_hidden()  # rules.js
    page.locator("#id_a1-p-to").select_option("both")
    expect(page.locator('[data-action-row="1"] [data-param="people"]')).to_be_visible()
    page.locator("#id_a1-p-to").select_option("owner")
    page.locator("#id_a1-p-text").fill("{{ title }} is done: the notes task is made")
    page.locator("#id_a1-wait_days").fill("2")
    screenshot("workflows-rule-editor")
    page.locator("#rule-save").click()

    expect(page.locator("[data-rule]")).to_have_count(1)
    rule = AutomationRule.objects.get()
    assert rule.conditions == [{"field": "status", "op": "eq", "value": "completed"}]
    assert [a["action"] for a in rule.actions] == ["tasks.create_from_template", "workflows.notify"]
    assert rule.actions[1]["wait_days"] == 2 and rule.actions[1]["params"]["to"] == "owner"

    # The rule acts (the event and its job follow the commit), and the log shows it.
    task_set_status(actor=org.east_rep, task=task, status=TaskStatus.COMPLETED)
    assert Task.objects.filter(template=template).count() == 1
    assert RuleRun.objects.get(rule=rule).status == RuleRunStatus.WAITING
    page.reload()
    expect(page.locator("[data-rule-runs]")).to_contain_text("1 run")
    screenshot("workflows-rule-list")
    page.locator("[data-rule-runs]").click()
    expect(page.locator("[data-run]")).to_have_count(1)
    expect(page.locator("[data-run]")).to_contain_text("Task: Ship the release")
    expect(page.locator("[data-run]")).to_contain_text("Write the release notes")
    screenshot("workflows-rule-runs")

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("workflows:rule_edit", args=[rule.pk]))
    expect(page.locator("#rule-save")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("workflows-rule-editor-phone")
    page.goto(live_server.url + f"{reverse('workflows:rule_list')}?scope=group:{project.pk}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("workflows-rule-list-phone")
    assert not js_errors
