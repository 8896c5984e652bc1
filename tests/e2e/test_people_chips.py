"""The last two people searches, now core's chip picker, in a real browser: an observer added on the task
page's people block, and a member added to a group chat from its members panel."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.people.factories import DepartmentFactory, UserFactory
from tests.plugins.browser import htmx_settled

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


@pytest.fixture
def team(transactional_db):
    sales = DepartmentFactory(name="Sales")
    olga = UserFactory(email="olga@acme.test", first_name="Olga", last_name="Author", department=sales)
    rick = UserFactory(email="rick@acme.test", first_name="Rick", last_name="Reader", department=sales)
    vera = UserFactory(email="vera@acme.test", first_name="Vera", last_name="Viewer", department=sales)
    return olga, rick, vera


def test_an_observer_added_on_the_task_page(page, live_server, login, screenshot, team):
    from tasks.choices import MemberRole
    from tests.tasks.factories import TaskFactory

    olga, rick, vera = team
    task = TaskFactory(creator=olga, responsible=rick, title="Book the fair stand")
    login(page, live_server, olga.email, PASSWORD)
    page.goto(live_server.url + task.get_absolute_url())
    block = page.locator("#task-people")
    block.locator("summary").click()
    responsible = block.locator('[data-people-field="responsible"] [data-chip]')
    expect(responsible).to_have_count(1)
    expect(responsible).to_contain_text("Rick Reader")

    block.locator("#task-people-observers").click()
    page.keyboard.type("vera")
    option = page.locator("#task-people-observers-listbox [role=option]", has_text="Vera Viewer")
    expect(option).to_be_visible()
    page.keyboard.press("Enter")  # picks the match, does not submit
    chip = block.locator('[data-people-field="observers"] [data-chip]')
    expect(chip).to_contain_text("Vera Viewer")
    expect(chip.locator('input[name="observers"]')).to_have_value(str(vera.pk))
    assert not task.members.exists()
    screenshot("people-chips-task-observer-picked")

    block.locator("button[type=submit]").click()
    expect(page.locator("#task-observers")).to_contain_text("Vera Viewer")
    htmx_settled(page)
    roles = dict(task.members.values_list("user_id", "role"))
    assert roles == {vera.pk: MemberRole.OBSERVER}
    task.refresh_from_db()
    assert task.responsible_id == rick.pk
    screenshot("people-chips-task-observer-saved")


def test_a_member_added_to_a_group_chat(page, live_server, login, screenshot, team):
    from portal.chat import services
    from portal.chat.models import ChatMember

    olga, rick, vera = team
    chat = services.chat_group_create(actor=olga, title="Fair crew", members=[rick])
    login(page, live_server, olga.email, PASSWORD)
    page.goto(live_server.url + chat.get_absolute_url())
    panel = page.locator("#chat-members")
    panel.locator("#chat-member-user").click()
    page.keyboard.type("vera")
    option = page.locator("#chat-member-user-listbox [role=option]", has_text="Vera Viewer")
    expect(option).to_be_visible()
    option.click()
    expect(panel.locator('[data-chip] input[name="user"]')).to_have_value(str(vera.pk))
    screenshot("people-chips-chat-member-picked")

    panel.locator("#chat-member-submit").click()
    expect(page.locator(f'#chat-members [data-member="{vera.pk}"]')).to_be_visible()
    htmx_settled(page)
    expect(page.locator("#chat-members [data-chip]")).to_have_count(0)
    assert ChatMember.objects.filter(chat=chat, user=vera).exists()
    screenshot("people-chips-chat-member-added")
