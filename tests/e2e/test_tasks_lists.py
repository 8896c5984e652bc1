"""The task list in a real browser: the search narrows the results in place (htmx, address updated), rows are
selected for a bulk change, a task is created through the form."""

from __future__ import annotations

import pytest

from tests.people.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


@pytest.fixture
def person(transactional_db):
    from tests.people.factories import CompanyFactory, DepartmentFactory

    CompanyFactory()
    root = DepartmentFactory(name="Acme")
    return UserFactory(email="tina.tasks@acme.test", first_name="Tina", last_name="Tasks", department=root)


def test_filter_select_and_change_in_bulk_then_create(page, live_server, login, screenshot, person):
    from tasks.choices import TaskStatus
    from tasks.models import Task
    from tests.tasks.factories import TagFactory, TaskFactory, TaskTagFactory

    offer = TaskFactory(creator=person, responsible=person, title="Send the offer to Acme")
    TaskFactory(creator=person, responsible=person, title="Book the fair stand")
    TaskFactory(creator=person, responsible=person, title="Print the flyers")
    TaskTagFactory(task=offer, tag=TagFactory(owner=person, name="sales"))

    login(page, live_server, person.email, PASSWORD)
    page.goto(live_server.url + "/tasks/")
    rows = page.locator("#task-table tbody tr")
    assert rows.count() == 3
    assert page.locator('[data-role-count="do"]').inner_text() == "3"
    screenshot("tasks-list")

    page.fill("#filter-q", "offer")
    page.wait_for_function("() => document.querySelectorAll('#task-table tbody tr').length === 1")
    assert "q=offer" in page.url
    assert "Send the offer" in rows.first.inner_text()

    page.fill("#filter-q", "")
    page.wait_for_function("() => document.querySelectorAll('#task-table tbody tr').length === 3")
    page.click("#filter-status button")
    page.check("#filter-status-new")
    assert page.locator("#filter-status button").inner_text().strip() == "New"
    page.wait_for_function("() => location.search.includes('status=new')")

    page.goto(live_server.url + "/tasks/")
    page.check("#bulk-all")
    assert page.locator("#bulk-selected").inner_text() == "3"
    assert page.locator('[data-bulk-field="responsible"]').is_visible()
    page.select_option("#bulk-action", "status")
    assert page.locator('[data-bulk-field="status"]').is_visible()
    assert not page.locator('[data-bulk-field="responsible"]').is_visible()
    page.select_option("#bulk-status", TaskStatus.IN_PROGRESS)
    with page.expect_navigation():
        page.click("#bulk-apply")
    assert "3 tasks changed" in page.locator(".alert-success").first.inner_text()
    assert set(Task.objects.values_list("status", flat=True)) == {TaskStatus.IN_PROGRESS}

    with page.expect_navigation():
        page.click("#task-create")
    page.fill("#id_title", "Call Acme back")
    page.fill("#id_deadline", "2030-01-10T09:00")
    page.fill("#id_checklist", "Find the number\nCall")
    screenshot("tasks-form")
    with page.expect_navigation():
        page.click("#task-form button[name=another]")  # back to an empty form, the task page is not ours
    task = Task.objects.get(title="Call Acme back")
    assert task.checklist.count() == 2 and task.responsible == person
    assert "Call Acme back" in page.locator(".alert-success").first.inner_text()
    assert page.input_value("#id_title") == ""
