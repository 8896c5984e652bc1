"""The shell: first-run redirect, the start page, global search, health, 404s."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.people.models import Company
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.utils import client_as


@pytest.mark.django_db
def test_unregistered_portal_leads_to_setup():
    Company.objects.all().delete()
    response = client_as(None).get("/company/")
    assert response.status_code == 302 and response["Location"] == reverse("setup")


@pytest.mark.django_db
def test_anonymous_home_redirects_to_login():
    response = client_as(None).get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_home_shows_groups_birthdays_and_newcomers(org):
    group = WorkgroupFactory(name="Website relaunch")
    MembershipFactory(group=group, user=org.east_rep)
    today = timezone.localdate()
    # Born in a leap year, so that a birthday on 29 February exists.
    org.developer.birthday = (today + datetime.timedelta(days=3)).replace(year=1992)
    org.developer.save(update_fields=["birthday"])
    response = client_as(org.east_rep).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Website relaunch" in html
    assert org.developer.full_name in html
    assert org.east_head.full_name in html  # the supervisor is named


def test_navigation_has_every_area(org):
    html = client_as(org.east_rep).get("/").content.decode()
    # Areas come from the apps' registrations.
    for label in [
        "Stream",
        "Chat",
        "Tasks",
        "CRM",
        "Knowledge base",
        "Strategy",
        "Reports",
        "Groups",
        "Company",
    ]:
        assert f'<span class="flex-grow-1">{label}</span>' in html


def test_search_page_finds_people_and_groups(org):
    WorkgroupFactory(name="Sales leadership")
    response = client_as(org.east_rep).get("/search/", {"q": "sales"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-kind="groups"' in html and "<mark>Sales</mark> leadership" in html


def test_search_hides_secret_groups_from_outsiders(org):
    WorkgroupFactory(name="Secret board", visibility="secret")
    html = client_as(org.developer).get("/search/", {"q": "secret board"}).content.decode()
    assert "Secret board" not in html
    html = client_as(org.admin).get("/search/", {"q": "secret board"}).content.decode()
    assert "Secret" in html


def test_search_partial_for_htmx(org):
    response = client_as(org.east_rep).get("/search/", {"q": "ceo"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content


def test_healthz(db):
    assert client_as(None).get("/healthz").json() == {"status": "ok"}


def test_html_404_page(org):
    response = client_as(org.east_rep).get("/no/such/page/")
    assert response.status_code == 404
    assert b"Nothing here" in response.content


def test_pages_are_translatable(org):
    org.east_rep.language = "ru"
    org.east_rep.save(update_fields=["language"])
    response = client_as(org.east_rep).get("/")
    assert response.headers.get("Content-Language") == "ru"


def test_the_start_page_is_the_registered_cards_in_their_order(org, tmp_path, settings):
    from portal.core.registry import HomeCard, registry

    keys = [card.key for card in registry.home_cards]
    assert keys[:2] == ["people.me", "groups.mine"] and {"people.birthdays", "people.newcomers"} <= set(keys)
    (tmp_path / "probe_card.html").write_text("<p id='probe'>{{ data.word }} for {{ user.first_name }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    card = HomeCard("probe", "probe_card.html", lambda request: {"word": "hello"}, order=5, width="col-4")
    with registry.home_cards.override(card):
        html = client_as(org.east_rep).get("/").content.decode()
    assert f"<p id='probe'>hello for {org.east_rep.first_name}</p>" in html
    assert html.index('data-home-card="people.me"') < html.index('data-home-card="probe"')
    assert html.index('data-home-card="probe"') < html.index('data-home-card="groups.mine"')
    assert "probe" not in client_as(org.east_rep).get("/").content.decode()  # gone after the override


def test_the_profile_shows_registered_sections(org):
    from portal.core.registry import registry

    assert "groups.of_person" in [section.key for section in registry.profile_sections]
    html = client_as(org.developer).get(reverse("people:profile", args=[org.east_rep.pk])).content.decode()
    assert 'id="profile-groups"' in html


def test_demo_seeders_run_by_stage_and_order():
    from portal.core.registry import registry

    company = [s.key for s in registry.demo_seeders if s.stage == "company"]
    content = [s.key for s in registry.demo_seeders if s.stage == "content"]
    assert company == ["people", "groups"]
    # The CRM after tasks and reports: its activities feed the work reports' pre-fill of the next days; the
    # workflows last (their rules react to tasks and deals, their requests to the people's heads).
    # The strategy after the tasks it links and the CRM its formulas count; its indicators after the workflows
    # (approval metrics); the knowledge base's pages, then their discussion and reading campaign.
    assert content == [
        "stream",
        "chat",
        "notifications",
        "tasks",
        "reports",
        "crm",
        "strategy",
        "workflows",
        "strategy_indicators",
        "kb_pages",
        "kb_governance",
    ]
