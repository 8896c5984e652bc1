"""Choosing people: core's chip picker with the "people" lookup (portal/core/widgets.py ChipPicker,
portal/people/lookups.py, static/lumen/chip_picker.js), the one picker of every form that chooses people.

The forms that used to list everyone in a <select> render only the chosen people as chips and a search box:
the lookup offers matches (active people the user may see, limited), the pages do not grow with the size of
the company, and the field's own queryset still refuses a forged pk. The browser tests at the end pick people
on the task form, filter the task list by a responsible person and pick a person on the time report.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse

from portal.core.pickers import LOOKUP_LIMIT, LOOKUP_LIMIT_MAX
from tests.people.factories import DepartmentFactory, UserFactory
from tests.utils import count_queries

User = get_user_model()
CROWD_NAME = "Zyxwarden"  # the last name of the crowd laid by `crowd`: found in a page, it was listed


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def lookup(user, q: str, **params) -> list[dict]:
    """The "people" matches the lookup endpoint offers `user` for `q`."""
    response = client_of(user).get(reverse("lookup"), {"sources": "people", "q": q, **params})
    assert response.status_code == 200, response.content
    return [item for group in response.json()["results"] for item in group["items"]]


def offered(items: list[dict]) -> list[int]:
    return [int(item["value"]) for item in items]


def lay_crowd(department, count: int, *, start: int = 0) -> None:
    User.objects.bulk_create(
        [
            User(
                email=f"crowd{i}@acme.test",
                first_name=f"Quentin{i}",
                last_name=CROWD_NAME,
                department=department,
            )
            for i in range(start, start + count)
        ]
    )


def picker_of(html: str, box_id: str) -> str:
    """The markup of one chip picker, from its start to the end of its search box."""
    box = html.index(f'id="{box_id}" role="combobox"')
    start = html.rindex("data-chip-picker", 0, box)
    return html[start : html.index(">", box) + 1]


def chips_in(html: str, name: str) -> list[int]:
    """The values of the chips posted under `name`."""
    return [
        int(pk) for pk in re.findall(rf'<input type="hidden" name="{re.escape(name)}" value="(\d+)">', html)
    ]


# --- the lookup ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_lookup_offers_matching_colleagues_with_their_department(org):
    # Names no random colleague of the `org` fixture can share (its people get Faker names).
    rita = UserFactory(first_name="Ritqa", last_name="Marqsh", email="ritqa@acme.test", department=org.east)
    otto = UserFactory(first_name="Otqo", last_name="Brown", email="otqo@acme.test", department=org.it)
    [item] = lookup(org.developer, "ritq")
    assert (item["value"], item["label"]) == (str(rita.pk), "Ritqa Marqsh")
    assert "Sales East" in item["hint"]  # the department tells two namesakes apart
    assert offered(lookup(org.developer, "marqsh ritqa")) == [rita.pk]  # every word, in any order
    assert offered(lookup(org.developer, "otqo@acme")) == [otto.pk]  # by e-mail too
    assert lookup(org.developer, "r") == [] and lookup(org.developer, "qqqzzz") == []  # too short, nobody


@pytest.mark.django_db
def test_the_lookup_offers_at_most_the_limit(org):
    lay_crowd(org.east, LOOKUP_LIMIT_MAX + 5)
    assert len(lookup(org.east_rep, CROWD_NAME)) == LOOKUP_LIMIT
    assert len(lookup(org.east_rep, CROWD_NAME, limit=1000)) == LOOKUP_LIMIT_MAX
    octavia = UserFactory(first_name="Octqavia", last_name="Vanderbilt", email="octqavia@acme.test")
    assert offered(lookup(org.east_rep, "Octqavia")) == [octavia.pk]


@pytest.mark.django_db
def test_the_lookup_does_not_offer_deactivated_people_even_to_admins(org):
    gone = UserFactory(first_name="Ginqa", last_name="Gone", email="ginqa@acme.test", is_active=False)
    stay = UserFactory(first_name="Ginqa", last_name="Stays", email="ginqa2@acme.test")
    assert offered(lookup(org.east_rep, "ginqa")) == [stay.pk]
    assert offered(lookup(org.admin, "ginqa")) == [stay.pk]
    assert gone.pk not in offered(lookup(org.admin, "gone"))


@pytest.mark.django_db
def test_the_lookup_costs_the_same_queries_for_many_matches(org):
    lay_crowd(org.east, 3)
    client = client_of(org.east_rep)
    params = {"sources": "people", "q": CROWD_NAME}
    client.get(reverse("lookup"), params)
    few = count_queries(lambda: client.get(reverse("lookup"), params))
    lay_crowd(org.east, 40, start=100)
    assert count_queries(lambda: client.get(reverse("lookup"), params)) == few <= 4


def test_the_old_person_picker_is_gone():
    """One picker in the project: the old widget's endpoint, widget and script are no more."""
    import portal.people.widgets as widgets

    with pytest.raises(NoReverseMatch):
        reverse("people:pick")
    assert not hasattr(widgets, "PersonPicker") and not hasattr(widgets, "PeoplePicker")


# --- the pages that used to list everyone -------------------------------------------------------------------


def _pages(org, task, schedule_manager):
    return [
        (org.east_rep, reverse("tasks:create"), {}),
        (org.east_rep, reverse("tasks:edit", args=[task.pk]), {}),
        (org.east_rep, reverse("tasks:home"), {"role": "all"}),
        (org.east_rep, reverse("tasks:home"), {"role": "all", "responsible": org.field_rep.pk}),
        (org.east_rep, reverse("tasks:time_report"), {}),
        (org.east_rep, reverse("tasks:template_create"), {}),
        (schedule_manager, reverse("reports:schedules"), {}),
    ]


@pytest.mark.django_db
def test_pages_with_pickers_do_not_grow_with_the_company(org):
    from tests.tasks.factories import TaskFactory

    task = TaskFactory(creator=org.east_rep, responsible=org.east_rep, title="Plan the fair")
    pages = _pages(org, task, org.admin)
    clients = {user.pk: client_of(user) for user, _url, _params in pages}

    def fetch(user, url, params):
        response = clients[user.pk].get(url, params)
        assert response.status_code == 200, url
        return response.content.decode()

    for page in pages:
        fetch(*page)  # warm-up: per-process caches are not what is measured
    before = [(len(fetch(*page)), count_queries(lambda p=page: fetch(*p))) for page in pages]
    lay_crowd(org.east, 300)
    for page, (size, queries) in zip(pages, before, strict=True):
        html = fetch(*page)
        assert CROWD_NAME not in html, page[1]
        assert abs(len(html) - size) < 100, (page[1], size, len(html))
        assert count_queries(lambda p=page: fetch(*p)) == queries, page[1]


@pytest.mark.django_db
def test_the_task_form_renders_pickers_with_the_chosen_people(org):
    from tasks.choices import MemberRole
    from tests.tasks.factories import TaskFactory, TaskMemberFactory

    task = TaskFactory(creator=org.east_rep, responsible=org.field_rep, title="Plan the fair")
    TaskMemberFactory(task=task, user=org.sales_rep, role=MemberRole.PARTICIPANT)
    TaskMemberFactory(task=task, user=org.east_head, role=MemberRole.OBSERVER)
    # The task form uses core's chip picker (portal/core/widgets.py): a hidden input per chosen person.
    html = client_of(org.east_rep).get(reverse("tasks:edit", args=[task.pk])).content.decode()
    assert 'for="id_responsible"' in html and 'id="id_responsible" role="combobox"' in html
    assert f'<input type="hidden" name="responsible" value="{org.field_rep.pk}">' in html
    assert f'<input type="hidden" name="participants" value="{org.sales_rep.pk}">' in html
    assert f'<input type="hidden" name="observers" value="{org.east_head.pk}">' in html

    new = client_of(org.east_rep).get(reverse("tasks:create")).content.decode()
    assert f'<input type="hidden" name="responsible" value="{org.east_rep.pk}">' in new  # oneself by default


@pytest.mark.django_db
def test_the_task_form_refuses_a_person_the_user_cannot_see(org):
    from tasks.models import Task

    gone = UserFactory(first_name="Former", last_name="Colleague", email="former@acme.test", is_active=False)
    client = client_of(org.east_rep)
    data = {"title": "Forged", "priority": "normal"}
    for forged in ({"responsible": gone.pk}, {"responsible": org.east_rep.pk, "participants": [gone.pk]}):
        response = client.post(reverse("tasks:create"), {**data, **forged})
        assert response.status_code == 200
        field = next(iter(set(forged) - {"responsible"}), "responsible")
        assert response.context["form"].errors[field]
        assert "Former" not in response.content.decode()
    assert not Task.objects.filter(title="Forged").exists()
    ok = client.post(
        reverse("tasks:create"), {**data, "responsible": org.field_rep.pk, "observers": [org.ceo.pk]}
    )
    assert ok.status_code == 302
    task = Task.objects.get(title="Forged")
    assert task.responsible == org.field_rep and list(task.members.values_list("user", flat=True)) == [
        org.ceo.pk
    ]


@pytest.mark.django_db
def test_the_list_filter_keeps_its_person_as_a_chip(org):
    client = client_of(org.east_rep)
    html = client.get(reverse("tasks:home"), {"responsible": org.field_rep.pk}).content.decode()
    picker = picker_of(html, "filter-responsible")
    assert 'data-sources="people"' in picker and 'data-multiple="0"' in picker
    assert chips_in(picker, "responsible") == [org.field_rep.pk] and org.field_rep.full_name in picker
    assert 'placeholder="Anyone"' in picker  # no chip: anyone
    everyone = picker_of(client.get(reverse("tasks:home")).content.decode(), "filter-responsible")
    assert chips_in(everyone, "responsible") == []
    assert "lumen/chip_picker.js" in html and "people_picker.js" not in html


@pytest.mark.django_db
def test_the_bulk_form_and_the_template_form_pick_people_with_chips(org):
    from tests.tasks.factories import TaskFactory, TaskTemplateFactory

    TaskFactory(creator=org.east_rep, responsible=org.east_rep, title="Plan the fair")  # a list to act on
    client = client_of(org.east_rep)
    bulk = picker_of(client.get(reverse("tasks:home")).content.decode(), "bulk-responsible")
    assert 'data-sources="people"' in bulk and 'data-multiple="0"' in bulk
    template = TaskTemplateFactory(creator=org.east_rep, responsible=org.field_rep)
    html = client.get(reverse("tasks:template_edit", args=[template.pk])).content.decode()
    assert chips_in(picker_of(html, "id_responsible"), "responsible") == [org.field_rep.pk]
    assert 'data-multiple="1"' in picker_of(html, "id_participants")
    assert 'data-multiple="1"' in picker_of(html, "id_observers")
    assert "lumen/chip_picker.js" in html


@pytest.mark.django_db
def test_the_time_report_and_the_schedule_form_keep_the_chosen_person(org):
    report = client_of(org.east_rep).get(reverse("tasks:time_report"), {"person": org.field_rep.pk})
    html = report.content.decode()
    assert chips_in(picker_of(html, "id_person"), "person") == [org.field_rep.pk]
    assert "lumen/chip_picker.js" in html
    schedules = client_of(org.admin).post(
        reverse("reports:schedules"),
        {"name": "", "user": org.field_rep.pk, "working_days": ["0"], "start": "09:00", "end": "18:00"},
    )
    assert schedules.status_code == 400  # no name: the form comes back with the person still chosen
    html = schedules.content.decode()
    assert chips_in(picker_of(html, "id_user"), "user") == [org.field_rep.pk]
    assert org.field_rep.full_name in picker_of(html, "id_user") and "lumen/chip_picker.js" in html


@pytest.mark.django_db
def test_no_page_loads_the_old_picker_script(org):
    html = client_of(org.east_rep).get(reverse("tasks:create")).content.decode()
    assert "people_picker.js" not in html and "data-person-picker" not in html


# --- in a browser ------------------------------------------------------------------------------------------


PASSWORD = "pass-word-123"


@pytest.fixture
def team(transactional_db):
    from types import SimpleNamespace

    root = DepartmentFactory(name="Acme")
    sales = DepartmentFactory(name="Sales", parent=root)
    support = DepartmentFactory(name="Support", parent=root)
    head = UserFactory(email="sarah.head@acme.test", first_name="Sarah", last_name="Head", department=sales)
    rick = UserFactory(email="rick.rep@acme.test", first_name="Rick", last_name="Ranger", department=sales)
    petra = UserFactory(email="petra@acme.test", first_name="Petra", last_name="Pollard", department=support)
    pedro = UserFactory(email="pedro@acme.test", first_name="Pedro", last_name="Perez", department=support)
    lay_crowd(support, 30)
    return SimpleNamespace(head=head, rick=rick, petra=petra, pedro=pedro)


def chip(page, box: str, person):
    return page.locator(f'[data-chip-picker]:has(#{box}) [data-chip][data-value="{person.pk}"]')


def pick_person(page, box: str, text: str, person) -> None:
    """Type `text` into the chip picker's box `#box` and pick `person` among the matches (with the mouse)."""
    from playwright.sync_api import expect

    page.fill(f"#{box}", text)
    match = page.locator(f'#{box}-listbox [role=option][data-value="{person.pk}"]')
    expect(match).to_be_visible()
    match.click()
    expect(chip(page, box, person)).to_have_count(1)
    expect(page.locator(f"#{box}")).to_have_value("")
    expect(page.locator(f"#{box}-listbox")).to_be_hidden()


def test_pick_people_on_the_task_form_then_filter_the_list(page, live_server, login, screenshot, team):
    from playwright.sync_api import expect

    from tasks.models import Task

    login(page, live_server, team.head.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:create"))
    page.fill("#id_title", "Restock the brochures")
    responsible = page.locator("[data-chip-picker]:has(#id_responsible) [data-chip]")
    expect(chip(page, "id_responsible", team.head)).to_have_count(1)  # oneself first

    # The responsible person: one replaces the other.
    pick_person(page, "id_responsible", "rick", team.rick)
    expect(responsible).to_have_count(1)

    # Participants: two picked, one removed again with its cross; Enter picks and does not submit the form.
    pick_person(page, "id_participants", "Poll", team.petra)
    pick_person(page, "id_participants", "perez", team.pedro)
    participants = page.locator("[data-chip-picker]:has(#id_participants) [data-chip]")
    expect(participants).to_have_count(2)
    chip(page, "id_participants", team.pedro).locator("[data-chip-unpick]").click()
    expect(participants).to_have_count(1)
    page.fill("#id_participants", "pe")
    expect(page.locator("#id_participants-listbox [role=option]").first).to_be_visible()
    page.press("#id_participants", "Escape")
    expect(page.locator("#id_participants-listbox")).to_be_hidden()
    page.press("#id_participants", "Enter")  # text typed, nothing open: still no submit
    assert not Task.objects.filter(title="Restock the brochures").exists()
    assert page.url.endswith(reverse("tasks:create"))

    # By keyboard: the arrows move through the matches, Enter picks (and does not submit the form).
    page.fill("#id_participants", "")
    page.click("#id_observers")
    page.keyboard.type("perez")
    expect(page.locator(f'#id_observers-listbox [role=option][data-value="{team.pedro.pk}"]')).to_be_visible()
    expect(page.locator("#id_observers")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(chip(page, "id_observers", team.pedro)).to_have_count(1)
    assert page.url.endswith(reverse("tasks:create"))

    # The picture: the observers' picker open over the form, a long list of matches scrolled inside it.
    page.fill("#id_observers", CROWD_NAME[:4])
    expect(page.locator("#id_observers-listbox [role=option]")).to_have_count(LOOKUP_LIMIT)
    screenshot("people-picker-task-form")
    page.locator("#id_title").click()  # a click elsewhere closes the matches
    expect(page.locator("#id_observers-listbox")).to_be_hidden()
    page.fill("#id_observers", "")

    with page.expect_navigation():
        page.locator("#task-form button[type=submit]").first.click()
    task = Task.objects.get(title="Restock the brochures")
    assert task.responsible == team.rick
    assert set(task.members.values_list("user", "role")) == {
        (team.petra.pk, "participant"),
        (team.pedro.pk, "observer"),
    }
    expect(page.locator("#task-responsible")).to_contain_text("Rick Ranger")
    expect(page.locator("#task-participants")).to_contain_text("Petra Pollard")
    expect(page.locator("#task-observers")).to_contain_text("Pedro Perez")

    # The list, filtered by the responsible person through the picker; the address keeps the choice.
    from tests.tasks.factories import TaskFactory

    TaskFactory(creator=team.head, responsible=team.head, title="Count the stock")
    page.goto(live_server.url + reverse("tasks:home") + "?role=all")
    rows = page.locator("#task-table tbody tr")
    expect(rows).to_have_count(2)
    pick_person(page, "filter-responsible", "Ranger", team.rick)
    page.wait_for_function(f"() => location.search.includes('responsible={team.rick.pk}')")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Restock the brochures")
    page.reload()
    chosen = chip(page, "filter-responsible", team.rick)
    expect(chosen).to_contain_text("Rick Ranger")
    expect(rows).to_have_count(1)
    screenshot("people-picker-task-list")
    chosen.locator("[data-chip-unpick]").click()  # the chip's cross: anyone again
    page.wait_for_function("() => !location.search.includes('responsible=" + str(team.rick.pk) + "')")
    expect(rows).to_have_count(2)
    expect(page.locator("[data-chip-picker]:has(#filter-responsible) [data-chip]")).to_have_count(0)
    expect(page.locator("#filter-responsible")).to_have_attribute("placeholder", "Anyone")


def test_pick_a_person_on_the_time_report(page, live_server, login, screenshot, team):
    """The report's form reloads on "change": typing does not reload it, a pick does, and keeps the person."""
    from playwright.sync_api import expect

    from tests.plugins.browser import htmx_settled

    login(page, live_server, team.head.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:time_report"))
    page.fill("#id_person", "Poll")
    expect(page.locator(f'#id_person-listbox [data-value="{team.petra.pk}"]')).to_be_visible()
    page.locator("#id_period").focus()  # the search box's own change event does not reload the report
    htmx_settled(page)
    assert "person=" not in page.url
    pick_person(page, "id_person", "Poll", team.petra)
    page.wait_for_function(f"() => location.search.includes('person={team.petra.pk}')")
    htmx_settled(page)
    expect(chip(page, "id_person", team.petra)).to_contain_text("Petra Pollard")
    screenshot("people-picker-time-report")
