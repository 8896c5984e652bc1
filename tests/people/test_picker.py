"""The person picker (portal/people/widgets.py, `people:pick`, static/lumen/people_picker.js).

The forms that used to list everyone in a <select> render only the chosen people and a search box: the
endpoint offers matches (active people the user may see, limited), the pages do not grow with the size of the
company, and the field's own queryset still refuses a forged pk. The browser tests at the end pick people on
the task form and filter the task list by a responsible person.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from portal.people.views.people import PICK_LIMIT
from portal.people.widgets import PeoplePicker, PersonPicker
from tests.people.factories import DepartmentFactory, UserFactory
from tests.utils import count_queries

User = get_user_model()
HTMX = {"HTTP_HX_REQUEST": "true"}
CROWD_NAME = "Zyxwarden"  # the last name of the crowd laid by `crowd`: found in a page, it was listed


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pick(user, **params):
    params.setdefault("name", "responsible")
    return client_of(user).get(reverse("people:pick"), params, **HTMX)


def offered(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-person="(\d+)"', response.content.decode())]


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


def search_box(html: str, box_id: str) -> str:
    match = re.search(rf'<input type="search"[^>]*id="{re.escape(box_id)}"[^>]*>', html)
    assert match, f"no search box #{box_id}"
    return match.group(0)


def chosen_block(html: str, box_id: str) -> str:
    """The markup of one picker up to its search box: the chosen people (and the "nobody" choice)."""
    end = html.index(f'id="{box_id}"')
    start = html.rindex("data-person-picker", 0, end)
    return html[start:end]


# --- the endpoint -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pick_offers_matching_colleagues_as_radios_or_checkboxes(org):
    # Names no random colleague of the `org` fixture can share (its people get Faker names).
    rita = UserFactory(first_name="Ritqa", last_name="Marqsh", email="ritqa@acme.test", department=org.east)
    UserFactory(first_name="Otqo", last_name="Brown", email="otqo@acme.test", department=org.it)

    one = pick(org.developer, q="ritq")
    html = one.content.decode()
    assert one.status_code == 200
    assert offered(one) == [rita.pk]
    assert 'type="radio" name="responsible"' in html and f'value="{rita.pk}"' in html
    assert "Ritqa Marqsh" in html and "Sales East" in html  # the name and the department
    assert "data-person-pick" in html and "checked" not in html

    several = pick(org.developer, q="marqsh ritqa", name="task-participants", multiple="1")
    assert offered(several) == [rita.pk]
    assert 'type="checkbox" name="task-participants"' in several.content.decode()
    assert offered(pick(org.developer, q="otqo@acme")) != []  # by e-mail too


@pytest.mark.django_db
def test_pick_says_when_to_type_more_or_that_nobody_matches(org):
    short = pick(org.east_rep, q="a")
    assert offered(short) == [] and "Type two letters or more" in short.content.decode()
    assert "Type two letters or more" in pick(org.east_rep).content.decode()
    nobody = pick(org.east_rep, q="qqqzzz")
    assert offered(nobody) == [] and "Nobody found" in nobody.content.decode()


@pytest.mark.django_db
def test_pick_offers_at_most_the_limit(org):
    lay_crowd(org.east, PICK_LIMIT + 5)
    response = pick(org.east_rep, q=CROWD_NAME)
    assert len(offered(response)) == PICK_LIMIT
    assert "data-person-more" in response.content.decode()  # says that more people match
    octavia = UserFactory(first_name="Octqavia", last_name="Vanderbilt", email="octqavia@acme.test")
    exact = pick(org.east_rep, q="Octqavia")
    assert offered(exact) == [octavia.pk] and "data-person-more" not in exact.content.decode()


@pytest.mark.django_db
def test_pick_does_not_offer_deactivated_people_even_to_admins(org):
    gone = UserFactory(first_name="Ginqa", last_name="Gone", email="ginqa@acme.test", is_active=False)
    stay = UserFactory(first_name="Ginqa", last_name="Stays", email="ginqa2@acme.test")
    assert offered(pick(org.east_rep, q="ginqa")) == [stay.pk]
    assert offered(pick(org.admin, q="ginqa")) == [stay.pk]
    assert gone.pk not in offered(pick(org.admin, q="gone"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"name": ""},
        {"name": '"><script>alert(1)</script>'},
        {"name": "respons ible"},
        {"name": "1st"},
        {"name": "x" * 101},
        {"name": "responsible", "multiple": "yes"},
    ],
)
def test_pick_refuses_a_name_that_is_not_a_field_name(org, params):
    response = pick(org.east_rep, q="ea", **params)
    assert response.status_code == 400
    assert b"<script>" not in response.content


@pytest.mark.django_db
def test_pick_sends_anonymous_visitors_to_the_login_page(org):
    response = Client().get(reverse("people:pick"), {"q": "ea", "name": "responsible"})
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.django_db
def test_pick_costs_the_same_queries_for_many_matches(org):
    lay_crowd(org.east, 3)
    client = client_of(org.east_rep)
    url = reverse("people:pick")
    params = {"q": CROWD_NAME, "name": "responsible"}
    client.get(url, params)
    few = count_queries(lambda: client.get(url, params))
    lay_crowd(org.east, 40, start=100)
    assert count_queries(lambda: client.get(url, params)) == few <= 4


# --- the widgets ----------------------------------------------------------------------------------------------


class PickForm(forms.Form):
    one = forms.ModelChoiceField(queryset=None, required=False, widget=PersonPicker())
    must = forms.ModelChoiceField(queryset=None, widget=PersonPicker(attrs={"class": "form-control"}))
    several = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=PeoplePicker())

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.queryset = queryset


@pytest.mark.django_db
def test_a_picker_renders_only_the_chosen_people_in_one_query(org, django_assert_num_queries):
    lay_crowd(org.east, 50)
    form = PickForm(
        queryset=User.objects.filter(is_active=True),
        initial={"must": org.east_rep.pk, "several": [org.field_rep.pk, org.sales_rep.pk]},
    )
    with django_assert_num_queries(1):
        several = str(form["several"])
    assert offered_in(several) == [org.field_rep.pk, org.sales_rep.pk]  # in the order given
    assert several.count('type="checkbox" name="several"') == 2 and several.count("checked") == 2
    assert "Sales East" not in several and "East Field" in several
    with django_assert_num_queries(1):
        must = str(form["must"])
    assert offered_in(must) == [org.east_rep.pk]
    assert f'type="radio" name="must" value="{org.east_rep.pk}" checked' in must
    assert 'value=""' not in must  # required: no "nobody" choice
    with django_assert_num_queries(0):
        nobody = str(form["one"])
    assert offered_in(nobody) == [] and 'type="radio" name="one" value="" checked' in nobody
    assert CROWD_NAME not in several + must + nobody


def offered_in(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-person="(\d+)"', html)]


@pytest.mark.django_db
def test_a_picker_names_nobody_outside_its_queryset(org):
    """A pk in an address or a forged post is looked up among the field's people only: no name leaks."""
    gone = UserFactory(first_name="Hidden", last_name="Person", email="hidden@acme.test", is_active=False)
    form = PickForm(
        {"one": str(gone.pk), "must": "nonsense", "several": [str(gone.pk), str(org.east_rep.pk), "x"]},
        queryset=User.objects.filter(is_active=True),
    )
    assert not form.is_valid()
    assert set(form.errors) == {"one", "must", "several"}
    html = str(form["one"]) + str(form["must"]) + str(form["several"])
    assert "Hidden" not in html
    assert offered_in(str(form["several"])) == [org.east_rep.pk]


def test_the_search_box_is_the_label_target_and_is_never_submitted():
    form = PickForm(queryset=User.objects.none())
    html = str(form["must"])
    box = search_box(html, "id_must")
    assert form["must"].id_for_label == "id_must"
    assert " name=" not in box and 'class="form-control"' in box
    assert 'hx-get="/company/pick/?name=must&amp;multiple=0"' in box
    assert 'hx-trigger="input changed delay:250ms"' in box and 'hx-target="#id_must-results"' in box
    assert 'id="id_must-results"' in html
    assert "required" not in box
    assert "multiple=1" in search_box(str(form["several"]), "id_several")


def test_a_picker_reads_what_the_browser_posts():
    data = QueryDict("several=3&several=5&one=7")
    assert PeoplePicker().value_from_datadict(data, {}, "several") == ["3", "5"]
    assert PersonPicker().value_from_datadict(data, {}, "one") == "7"
    # Nobody ticked sends nothing: for several people that means "nobody", for one it means "not sent".
    assert PeoplePicker().value_omitted_from_data(QueryDict(""), {}, "several") is False
    assert PersonPicker().value_omitted_from_data(QueryDict(""), {}, "one") is True
    assert PersonPicker().format_value(None) == [] and PeoplePicker().format_value([3, "5"]) == ["3", "5"]


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
    html = client_of(org.east_rep).get(reverse("tasks:edit", args=[task.pk])).content.decode()
    assert 'for="id_responsible"' in html and " name=" not in search_box(html, "id_responsible")
    assert offered_in(chosen_block(html, "id_responsible")) == [org.field_rep.pk]
    assert offered_in(chosen_block(html, "id_participants")) == [org.sales_rep.pk]
    assert offered_in(chosen_block(html, "id_observers")) == [org.east_head.pk]
    assert "<select" not in chosen_block(html, "id_responsible")

    new = client_of(org.east_rep).get(reverse("tasks:create")).content.decode()
    assert offered_in(chosen_block(new, "id_responsible")) == [org.east_rep.pk]  # oneself by default


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
def test_the_list_filter_keeps_its_person_and_names_nobody_hidden(org):
    client = client_of(org.east_rep)
    html = client.get(reverse("tasks:home"), {"responsible": org.field_rep.pk}).content.decode()
    block = chosen_block(html, "filter-responsible")
    assert offered_in(block) == [org.field_rep.pk]
    assert f'name="responsible" value="{org.field_rep.pk}" checked' in block
    assert 'name="responsible" value=""' in block and "Anyone" in block
    everyone = chosen_block(client.get(reverse("tasks:home")).content.decode(), "filter-responsible")
    assert offered_in(everyone) == [] and 'value="" checked' in everyone
    gone = UserFactory(first_name="Hidden", last_name="Leaver", email="leaver@acme.test", is_active=False)
    hidden = client.get(reverse("tasks:home"), {"responsible": gone.pk}).content.decode()
    assert "Leaver" not in hidden


@pytest.mark.django_db
def test_the_time_report_and_the_schedule_form_keep_the_chosen_person(org):
    report = client_of(org.east_rep).get(reverse("tasks:time_report"), {"person": org.field_rep.pk})
    assert offered_in(chosen_block(report.content.decode(), "id_person")) == [org.field_rep.pk]
    schedules = client_of(org.admin).post(
        reverse("reports:schedules"),
        {"name": "", "user": org.field_rep.pk, "working_days": ["0"], "start": "09:00", "end": "18:00"},
    )
    assert schedules.status_code == 400  # no name: the form comes back with the person still chosen
    assert offered_in(chosen_block(schedules.content.decode(), "id_user")) == [org.field_rep.pk]


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


def pick_person(page, box: str, text: str, person) -> None:
    """Type `text` into the picker's search box `#box` and tick `person` among the matches."""
    from playwright.sync_api import expect

    page.fill(f"#{box}", text)
    match = page.locator(f'#{box}-results [data-person="{person.pk}"] input')
    expect(match).to_be_visible()
    match.click()  # not check(): a form that reloads on the pick may swap this input out before it is looked at
    chosen = page.locator(
        f'[data-person-picker]:has(#{box}) [data-person-chosen] [data-person="{person.pk}"] input'
    )
    expect(chosen).to_be_checked()
    expect(page.locator(f"#{box}")).to_have_value("")
    expect(page.locator(f"#{box}-results")).to_be_hidden()


def test_pick_people_on_the_task_form_then_filter_the_list(page, live_server, login, screenshot, team):
    from playwright.sync_api import expect

    from tasks.models import Task
    from tests.plugins.browser import htmx_settled

    login(page, live_server, team.head.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:create"))
    page.fill("#id_title", "Restock the brochures")
    responsible = page.locator("[data-person-picker]:has(#id_responsible) [data-person-chosen]")
    expect(responsible.locator(f'[data-person="{team.head.pk}"] input')).to_be_checked()  # oneself first

    # The responsible person: one replaces the other.
    pick_person(page, "id_responsible", "rick", team.rick)
    expect(responsible.locator("[data-person]")).to_have_count(1)

    # Participants: two ticked, one unticked again (it leaves the list); Enter does not submit the form.
    pick_person(page, "id_participants", "Poll", team.petra)
    pick_person(page, "id_participants", "perez", team.pedro)
    participants = page.locator("[data-person-picker]:has(#id_participants) [data-person-chosen]")
    participants.locator(f'[data-person="{team.pedro.pk}"] input').click()  # unticked: it leaves the list
    expect(participants.locator("[data-person]")).to_have_count(1)
    page.fill("#id_participants", "pe")
    expect(page.locator("#id_participants-results [data-person]").first).to_be_visible()
    page.press("#id_participants", "Enter")
    htmx_settled(page)
    assert not Task.objects.filter(title="Restock the brochures").exists()
    assert page.url.endswith(reverse("tasks:create"))

    # By keyboard: Tab from the search box into the matches, Enter picks (and does not submit the form).
    page.fill("#id_participants", "")
    page.keyboard.press("Escape")
    page.fill("#id_observers", "perez")
    expect(page.locator(f'#id_observers-results [data-person="{team.pedro.pk}"] input')).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    observers = page.locator("[data-person-picker]:has(#id_observers) [data-person-chosen]")
    expect(observers.locator(f'[data-person="{team.pedro.pk}"] input')).to_be_checked()
    assert page.url.endswith(reverse("tasks:create"))

    # The picture: the observers' picker open over the form, a long list of matches scrolled inside it.
    page.fill("#id_observers", CROWD_NAME[:4])
    expect(page.locator("#id_observers-results [data-person]")).to_have_count(PICK_LIMIT)
    expect(page.locator("#id_observers-results [data-person-more]")).to_be_visible()
    screenshot("people-picker-task-form")
    page.locator("#id_title").click()  # a click elsewhere closes the matches
    expect(page.locator("#id_observers-results")).to_be_hidden()

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
    chosen = page.locator("[data-person-picker]:has(#filter-responsible) [data-person-chosen]")
    expect(chosen.locator(f'[data-person="{team.rick.pk}"] input')).to_be_checked()
    expect(rows).to_have_count(1)
    screenshot("people-picker-task-list")
    expect(chosen.locator("[data-person-blank]")).to_have_attribute("title", "Anyone")
    chosen.locator("[data-person-blank]").click()  # the cross after the person: "Anyone" again
    page.wait_for_function("() => !location.search.includes('responsible=" + str(team.rick.pk) + "')")
    expect(rows).to_have_count(2)
    expect(chosen.locator("[data-person]")).to_have_count(0)
    expect(chosen.locator("[data-person-blank] input")).to_be_checked()
    expect(chosen.locator("[data-person-blank-label]")).to_be_visible()  # a row of its own again


def test_pick_a_person_on_the_time_report(page, live_server, login, screenshot, team):
    """The report's form reloads on "change": typing does not reload it, a pick does, and keeps the person."""
    from playwright.sync_api import expect

    from tests.plugins.browser import htmx_settled

    login(page, live_server, team.head.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:time_report"))
    page.fill("#id_person", "Poll")
    expect(page.locator(f'#id_person-results [data-person="{team.petra.pk}"]')).to_be_visible()
    page.locator("#id_period").focus()  # the search box's own change event does not reload the report
    htmx_settled(page)
    expect(page.locator(f'#id_person-results [data-person="{team.petra.pk}"]')).to_be_visible()
    assert "person=" not in page.url
    pick_person(page, "id_person", "Poll", team.petra)
    page.wait_for_function(f"() => location.search.includes('person={team.petra.pk}')")
    htmx_settled(page)
    chosen = page.locator("[data-person-picker]:has(#id_person) [data-person-chosen]")
    expect(chosen.locator(f'[data-person="{team.petra.pk}"] input')).to_be_checked()
    screenshot("people-picker-time-report")
