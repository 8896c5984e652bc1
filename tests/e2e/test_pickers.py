"""The chip pickers in a real browser: a post addressed to a department through the "To:" picker (keyboard
only), and a task whose parent is found by title and whose two tags are chips (one existing, one new), with a
quick date for the deadline."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.people.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


@pytest.fixture
def company(transactional_db):
    root = DepartmentFactory(name="Acme")
    sales = DepartmentFactory(name="Sales", parent=root)
    DepartmentFactory(name="Sales East", parent=sales)
    author = UserFactory(email="olga@acme.test", first_name="Olga", last_name="Author", department=sales)
    UserFactory(email="rick@acme.test", first_name="Rick", last_name="Reader", department=sales)
    return sales, author


def test_a_post_to_a_department_through_the_picker(page, live_server, login, screenshot, company):
    from portal.stream.models import Entry

    sales, author = company
    login(page, live_server, author.email, PASSWORD)
    page.goto(live_server.url + "/stream/")
    page.fill("#id_body", "The fair stand is booked for Sales.")
    picker = page.locator("[data-chip-picker]:has(#id_audience)")
    expect(picker.locator('[data-chip][data-source="everyone"]')).to_have_count(1)  # everyone by default
    page.click("#id_audience")
    page.keyboard.press("Backspace")  # removes the last chip: "Everyone"
    expect(picker.locator("[data-chip]")).to_have_count(0)
    page.keyboard.type("sales")
    listbox = page.locator("#id_audience-listbox")
    expect(listbox.locator('[role=option][data-source="departments"]').first).to_be_visible()
    expect(page.locator("#id_audience")).to_have_attribute("aria-expanded", "true")
    screenshot("picker-post-audience-open")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")  # picks the active match (the first: Sales), does not submit
    chip = picker.locator('[data-chip][data-source="departments"]')
    expect(chip).to_have_count(1)
    expect(chip.locator('input[name="departments"]')).to_have_value(str(sales.pk))
    assert not Entry.objects.exists()
    screenshot("picker-post-audience-chosen")
    with page.expect_navigation():
        page.click("#composer-submit")
    entry = Entry.objects.get()
    assert not entry.audience_everyone
    assert list(entry.audience.values_list("department_id", flat=True)) == [sales.pk]


def test_a_task_with_a_parent_by_title_and_two_tags(page, live_server, login, screenshot, company):
    from tasks.models import Task
    from tests.tasks.factories import TagFactory, TaskFactory

    _sales, author = company
    parent = TaskFactory(creator=author, responsible=author, title="Spring fair preparations")
    TaskFactory(creator=author, responsible=author, title="Autumn review")
    TagFactory(name="marketing", owner=author)
    login(page, live_server, author.email, PASSWORD)
    page.goto(live_server.url + "/tasks/new/")
    page.fill("#id_title", "Print the fair flyers")

    # The parent by a word of its title.
    page.click("#id_parent")
    page.keyboard.type("fair")
    option = page.locator("#id_parent-listbox [role=option]", has_text="Spring fair preparations")
    expect(option).to_be_visible()
    expect(page.locator("#id_parent-listbox [role=option]", has_text="Autumn review")).to_have_count(0)
    option.click()
    expect(page.locator('[data-chip-picker]:has(#id_parent) input[name="parent"]')).to_have_value(
        str(parent.pk)
    )

    # Tags: an existing one from the suggestions, a new one typed and Enter.
    page.click("#id_tags")
    page.keyboard.type("mark")
    expect(page.locator("#id_tags-listbox [role=option]", has_text="marketing").first).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.type("print shop")
    expect(page.locator("#id_tags-listbox")).to_be_visible()
    page.keyboard.press("Enter")
    tags = page.locator('[data-chip-picker]:has(#id_tags) input[name="tags"]')
    expect(tags).to_have_count(2)

    # A quick date for the deadline.
    page.click('[data-field="deadline"] [data-quick-key="tomorrow"]')
    assert page.input_value("#id_deadline").endswith("T18:00")
    assert not Task.objects.filter(title="Print the fair flyers").exists()  # Enter never submitted the form
    screenshot("picker-task-form")

    with page.expect_navigation():
        page.click("#task-form button[type=submit]:not([name])")
    task = Task.objects.get(title="Print the fair flyers")
    assert task.parent_id == parent.pk
    assert sorted(tag.name for tag in task.tags.all()) == ["marketing", "print shop"]
    assert task.deadline is not None


def test_a_task_link_picked_by_title_and_a_touch_check_of_one_of_my_people(
    page, live_server, login, screenshot, company
):
    """The task page's links form finds the other task by a word of its title (no number to type), and the
    touch check offers the head only their own people."""
    from tasks.choices import LinkKind
    from tasks.models import TaskLink
    from tests.tasks.factories import TaskFactory

    sales, author = company
    sales.head = author
    sales.save(update_fields=["head"])
    task = TaskFactory(creator=author, responsible=author, title="Build the fair stand")
    publish = TaskFactory(creator=author, responsible=author, title="Publish the fair programme")
    TaskFactory(title="Someone else's fair budget")  # not visible to the author: never offered
    login(page, live_server, author.email, PASSWORD)
    page.goto(live_server.url + task.get_absolute_url())
    links = page.locator("#task-links")
    links.locator("summary").click()
    links.locator("#task-link-other").click()
    page.keyboard.type("fair")
    listbox = page.locator("#task-link-other-listbox")
    expect(listbox.locator(f'[role=option][data-value="{publish.pk}"]')).to_be_visible()
    expect(listbox.locator("[role=option]", has_text="Someone else")).to_have_count(0)
    page.keyboard.press("ArrowDown")
    while listbox.locator(".active").get_attribute("data-value") != str(publish.pk):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # picks, does not submit
    expect(links.locator('[data-chip] input[name="other"]')).to_have_value(str(publish.pk))
    expect(links.locator("[data-chip]")).to_contain_text("Publish the fair programme")
    assert not TaskLink.objects.exists()
    links.locator("#task-link-direction").select_option("after")
    links.scroll_into_view_if_needed()
    screenshot("picker-task-links")
    with page.expect_response(lambda r: r.url.endswith("/links/") and r.request.method == "POST"):
        links.locator("button[type=submit]", has_text="Link").click()
    expect(
        page.locator('#task-links [data-links="after"] [data-link]', has_text=publish.title)
    ).to_have_count(1)
    link = TaskLink.objects.get()
    assert (link.predecessor_id, link.successor_id, link.kind) == (
        task.pk,
        publish.pk,
        LinkKind.FINISH_TO_START,
    )

    # The touch check: "whose item" offers the head's people only (Rick), with nothing typed.
    page.goto(live_server.url + reverse("reports:touch"))
    page.click("#touch-subject")
    options = page.locator("#touch-subject-listbox [role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Rick Reader")
    options.first.click()
    expect(page.locator('[data-chip-picker]:has(#touch-subject) input[name="subject"]')).to_have_count(1)
    screenshot("picker-touch-subject")
