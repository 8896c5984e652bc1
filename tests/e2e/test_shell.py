"""The shell in a real browser: sign in, the start page with its navigation, the directory and its
search, the org chart, a group, and the phone layout. Every page is screenshotted into
var/screenshots/, and any JavaScript error fails the test (the `page` fixture)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.plugins.browser import PHONE, htmx_settled

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


@pytest.fixture
def people(org):
    """Fixed names, so that searches and assertions do not depend on the factories' random ones."""
    from portal.people.models import User

    names = {
        "ceo": ("Clara", "Chief"),
        "sales_head": ("Sam", "Seller"),
        "sales_rep": ("Rita", "Rep"),
        "east_head": ("Eric", "Eastman"),
        "east_rep": ("Erin", "Eastwood"),
        "field_rep": ("Fiona", "Fields"),
        "it_head": ("Ivan", "Techson"),
        "developer": ("Grace", "Hopperfield"),
        "admin": ("Ada", "Admin"),
    }
    for key, (first, last) in names.items():
        User.objects.filter(pk=getattr(org, key).pk).update(first_name=first, last_name=last)
    return org


def static_responses(page) -> list:
    seen = []
    page.on("response", lambda r: seen.append(r) if "/static/" in r.url else None)
    return seen


def test_login_page_renders_with_its_assets(page, live_server, screenshot):
    assets = static_responses(page)

    page.goto(live_server.url + reverse("login"))

    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
    loaded = {re.sub(r".*/static/", "", r.url): r.status for r in assets}
    assert loaded.get("vendor/bootstrap/css/bootstrap.min.css") == 200, loaded
    assert loaded.get("vendor/htmx/htmx.min.js") == 200, loaded
    assert all(status == 200 for status in loaded.values()), loaded
    # Bootstrap's CSS is applied, not just fetched.
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    screenshot("login")


def test_wrong_password_keeps_the_visitor_out(page, live_server, people):
    page.goto(live_server.url + reverse("login"))
    page.locator("input[name=username]").fill(people.east_rep.email)
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("form [type=submit]").first.click()

    expect(page.locator("input[name=password]")).to_be_visible()
    assert page.url.startswith(live_server.url + reverse("login"))


def test_start_page_has_the_left_navigation(page, live_server, people, login, screenshot):
    login(page, live_server, people.east_rep.email, PASSWORD)

    assert page.url == live_server.url + reverse("home")
    nav = page.locator("#lumen-nav")
    expect(nav).to_be_visible()
    expect(nav.locator("a[data-nav=company]")).to_have_attribute("href", reverse("people:directory"))
    expect(nav.locator("a[data-nav=groups]")).to_have_attribute("href", reverse("groups:list"))
    expect(page.locator("#user-menu")).to_contain_text("Erin")
    screenshot("home")


def test_directory_lists_people_and_finds_a_colleague(page, live_server, people, login, screenshot):
    login(page, live_server, people.east_rep.email, PASSWORD)

    page.locator("#lumen-nav a[data-nav=company]").click()
    page.wait_for_url(live_server.url + reverse("people:directory"))
    results = page.locator("#directory-results")
    expect(results).to_contain_text("Rita Rep")
    expect(results).to_contain_text("Grace Hopperfield")
    screenshot("directory")

    # The results follow the typing (after a 300 ms pause). Pressing Enter as well would send a second search
    # that lands at any moment later, perhaps under the click below.
    with page.expect_response(lambda r: "q=Hopper" in r.url):
        page.locator("#main input[name=q]").fill("Hopper")

    expect(results).not_to_contain_text("Rita Rep")
    expect(results.locator("a", has_text="Grace Hopperfield")).to_be_visible()
    expect(results).to_contain_text("IT")
    htmx_settled(page)
    screenshot("directory-search")

    results.locator("a", has_text="Grace Hopperfield").click()
    page.wait_for_url(live_server.url + reverse("people:profile", args=[people.developer.pk]))
    expect(page.locator("#main")).to_contain_text("Grace Hopperfield")
    screenshot("profile")


def test_org_chart_draws_departments_with_heads_and_head_counts(page, live_server, people, login, screenshot):
    from portal.people.services import departments_recount

    departments_recount()  # the stored counters, as the nightly job leaves them (factories skip services)
    login(page, live_server, people.east_rep.email, PASSWORD)

    page.goto(live_server.url + reverse("people:org_chart"))

    chart = page.locator("#orgchart")
    expect(chart).to_be_visible()
    # department: (head, own people, everybody in it and below)
    expected = {
        people.root: ("Clara Chief", 2, 9),
        people.sales: ("Sam Seller", 2, 5),
        people.east: ("Eric Eastman", 2, 3),
        people.field: (None, 1, 1),
        people.it: ("Ivan Techson", 2, 2),
    }
    for department, (head, own, total) in expected.items():
        node = chart.locator(f".org-node[data-department='{department.pk}']")
        expect(node).to_be_visible()
        expect(node.locator(".org-node-name")).to_have_text(department.name)
        expect(node.locator(".org-node-head")).to_contain_text(head or "no head")
        expect(node.locator(".org-own")).to_have_text(str(own))
        expect(node.locator(".org-total")).to_have_text(str(total))
    # Drawn as a tree: Sales East sits inside Sales, East Field inside Sales East.
    sales_item = chart.locator("li", has=page.locator(f".org-node[data-department='{people.sales.pk}']")).last
    expect(sales_item.locator(f".org-node[data-department='{people.field.pk}']")).to_be_visible()
    screenshot("org-chart")


def test_group_list_and_group_page(page, live_server, people, login, screenshot):
    from portal.groups.choices import GroupVisibility
    from portal.groups.services import group_create, group_member_add

    book_club = group_create(actor=people.admin, name="Book club", description="One book a month.")
    for member in (people.east_rep, people.developer):
        group_member_add(actor=people.admin, group=book_club, user=member)
    group_create(actor=people.ceo, name="Board", visibility=GroupVisibility.SECRET)
    login(page, live_server, people.east_rep.email, PASSWORD)

    page.locator("#lumen-nav a[data-nav=groups]").click()
    page.wait_for_url(live_server.url + reverse("groups:list"))
    main = page.locator("#main")
    expect(main.locator("a", has_text="Book club").first).to_be_visible()
    expect(main).not_to_contain_text("Board")  # secret, and she is not a member
    screenshot("groups")

    main.locator("a", has_text="Book club").first.click()
    page.wait_for_url(live_server.url + reverse("groups:detail", args=[book_club.pk]))
    expect(page.locator("#main h1").first).to_contain_text("Book club")
    expect(main).to_contain_text("One book a month.")
    members = main.locator(".card", has_text="Members")
    for name in ("Ada Admin", "Erin Eastwood", "Grace Hopperfield"):
        expect(members).to_contain_text(name)
    expect(members.locator(".card-header .badge")).to_have_text("3")
    screenshot("group-detail")


def test_phone_width_collapses_the_sidebar_behind_the_menu_button(
    page, live_server, people, login, screenshot
):
    page.set_viewport_size(PHONE)
    login(page, live_server, people.east_rep.email, PASSWORD)

    sidebar = page.locator("#lumen-sidebar")
    menu = page.locator("button[aria-controls=lumen-sidebar]")
    expect(sidebar).to_be_hidden()
    expect(menu).to_be_visible()
    # Nothing overflows sideways at phone width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("phone-home")

    menu.click()

    expect(sidebar).to_have_class(re.compile(r"\bshow\b"))
    expect(sidebar).not_to_have_class(re.compile(r"\bshowing\b"))  # the slide-in has finished
    assert sidebar.bounding_box()["x"] == 0
    expect(sidebar.locator("a[data-nav=company]")).to_be_visible()
    screenshot("phone-menu-open", full_page=False)

    sidebar.locator("a[data-nav=company]").click()
    page.wait_for_url(live_server.url + reverse("people:directory"))
    expect(sidebar).to_be_hidden()
    expect(page.locator("#directory-results")).to_contain_text("Grace Hopperfield")
    screenshot("phone-directory")


def _long_task_page(people) -> str:
    """The task page of a task with many comments: far taller than the window."""
    from tests.tasks.factories import TaskCommentFactory, TaskFactory

    task = TaskFactory(creator=people.sales_rep, responsible=people.east_rep, title="A long discussion")
    for i in range(40):
        TaskCommentFactory(task=task, author=people.sales_rep, body=f"Point {i} of the discussion.")
    task.comments_count = (
        40  # as the comment service keeps it (the page reads no comments of a task with none)
    )
    task.save(update_fields=["comments_count"])
    return reverse("tasks:detail", args=[task.pk])


def test_the_sidebar_reaches_the_bottom_of_a_long_page(page, live_server, people, login, screenshot):
    login(page, live_server, people.east_rep.email, PASSWORD)
    page.goto(live_server.url + _long_task_page(people))
    expect(page.locator("#task-comments")).to_contain_text("Point 39 of the discussion.")

    sizes = page.evaluate(
        """() => {
            const side = document.getElementById('lumen-sidebar').getBoundingClientRect();
            return {page: document.documentElement.scrollHeight, window: window.innerHeight,
                    sideTop: side.top + window.scrollY, sideBottom: side.bottom + window.scrollY};
        }"""
    )
    assert sizes["page"] > 2 * sizes["window"], sizes  # a long page indeed
    # The columns fill the window below the top bar exactly: the bar is as tall as the CSS expects.
    topbar = page.locator(".lumen-topbar").bounding_box()
    expected = page.evaluate(
        "parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--lumen-topbar-height'))"
        " * parseFloat(getComputedStyle(document.documentElement).fontSize)"
    )
    assert topbar["height"] == expected == sizes["sideTop"], (topbar, expected, sizes)
    # The sidebar's column (and its background) runs from under the top bar to the end of the page...
    assert sizes["sideBottom"] >= sizes["page"] - 1, sizes
    screenshot("long-page")
    # ...and its links stay in view however far one scrolls.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    nav = page.locator("#lumen-nav").bounding_box()
    assert 0 <= nav["y"] < page.viewport_size["height"] / 2, nav
    expect(page.locator("#lumen-nav a[data-nav=tasks]")).to_be_in_viewport()
    screenshot("long-page-scrolled", full_page=False)


def test_a_long_page_at_phone_width_keeps_the_menu_behind_its_button(
    page, live_server, people, login, screenshot
):
    page.set_viewport_size(PHONE)
    login(page, live_server, people.east_rep.email, PASSWORD)
    page.goto(live_server.url + _long_task_page(people))
    sidebar = page.locator("#lumen-sidebar")
    expect(sidebar).to_be_hidden()
    # No sidebar column at phone width: the page uses the whole width and nothing overflows sideways.
    assert page.locator("#main").bounding_box()["x"] == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("phone-long-page")

    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.locator("button[aria-controls=lumen-sidebar]").click()
    expect(sidebar).to_have_class(re.compile(r"\bshow\b"))
    expect(sidebar).not_to_have_class(re.compile(r"\bshowing\b"))
    box = sidebar.bounding_box()
    assert box["y"] == 0 and box["height"] == PHONE["height"], box  # the whole window's height
    expect(sidebar.locator("a[data-nav=tasks]")).to_be_in_viewport()
    screenshot("phone-long-page-menu", full_page=False)
