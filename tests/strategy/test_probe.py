"""Found by probing a running portal as its users and as an attacker would: junk in query strings answers a
page or a 400, never a 500."""

from __future__ import annotations

import pytest

from tests.strategy.factories import make_strategy_manager
from tests.utils import client_as

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", ["-1", "0", "1e5", "99999999999999999999999"])
@pytest.mark.parametrize("url", ["/strategy/goals/", "/strategy/goals/map/"])
def test_goal_register_and_map_survive_a_year_out_of_range(org, url, year):
    response = client_as(org.developer).get(url, {"year": year})
    assert response.status_code == 200


def test_goal_api_refuses_a_year_out_of_range(org):
    response = client_as(org.developer).get("/api/v1/strategy/goals/", {"year": "-1"})
    assert response.status_code == 400


@pytest.mark.parametrize("department", ["abc", "1.5", "' OR 1=1--", "2026-13-01"])
@pytest.mark.parametrize(
    "url", ["/strategy/orphans/", "/strategy/orphans/tasks/", "/api/v1/strategy/orphan-work/"]
)
def test_orphan_work_with_a_department_that_is_not_a_number_is_not_found(org, url, department):
    make_strategy_manager(org.ceo)
    response = client_as(org.ceo).get(url, {"department": department})
    assert response.status_code == 404


@pytest.mark.parametrize("param", ["month", "period"])
@pytest.mark.parametrize("url", ["/strategy/kpi/", "/strategy/kpi/export/"])
def test_kpi_pages_survive_a_huge_month(org, url, param):
    response = client_as(org.developer).get(url, {param: "99999999999999999999999"})
    assert response.status_code == 200


@pytest.mark.parametrize("period", ["9999-12", "9999-12-31"])
def test_computing_a_kpi_card_for_a_far_future_period_is_refused_not_a_500(org, period):
    from strategy.models import KpiCard

    make_strategy_manager(org.ceo)
    card = KpiCard.objects.create(name="Card", holder_kind="person", person=org.developer, created_by=org.ceo)
    client = client_as(org.ceo)
    page = client.post(f"/strategy/kpi/{card.pk}/compute/", {"period": period}, format="multipart")
    assert page.status_code == 400
    api = client.post(f"/api/v1/strategy/kpi-cards/{card.pk}/compute/", {"period": "9999-12-31"})
    assert api.status_code == 400 and "period" in api.json()["error"]["fields"]


@pytest.mark.parametrize("links", [[{"indicator": "x"}], [{"goal": 1}], [{"weight": "1"}]])
def test_patching_an_indicator_with_an_incomplete_goal_link_is_a_400(org, links):
    from strategy.services.indicators import indicator_create

    make_strategy_manager(org.ceo)
    indicator = indicator_create(actor=org.ceo, name="NPS", owner=org.ceo)
    response = client_as(org.ceo).patch(
        f"/api/v1/strategy/indicators/{indicator.pk}/", {"goals": links}, format="json"
    )
    assert response.status_code == 400 and "goals" in response.json()["error"]["fields"]


def test_a_goal_never_shows_the_title_of_a_linked_page_its_reader_may_not_read(org):
    from knowledgebase.services.pages import page_create
    from strategy.services.goals import goal_page_link_add
    from tests.knowledgebase.factories import kb_world
    from tests.strategy.factories import GoalFactory

    world = kb_world(org)  # "Sales handbook" is read by Sales only
    secret = page_create(actor=org.sales_rep, space=world.restricted, title="Merger memo", body="x")
    goal = GoalFactory(owner=org.sales_rep, title="Company goal")
    goal_page_link_add(actor=org.sales_rep, goal=goal, source="kb_pages", object_id=str(secret.pk))
    goal_page_link_add(actor=org.sales_rep, goal=goal, source="kb_pages", object_id=str(world.public.pk))
    outsider = client_as(org.developer).get(f"/strategy/goals/{goal.pk}/").content.decode()
    assert "Merger memo" not in outsider and f"/kb/pages/{secret.pk}/" not in outsider
    assert "Office hours" in outsider
    reader = client_as(org.sales_rep).get(f"/strategy/goals/{goal.pk}/").content.decode()
    assert "Merger memo" in reader
