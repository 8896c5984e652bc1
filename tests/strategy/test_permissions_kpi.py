"""Every route of KPI cards and scores (pages and API), called as every role.

The card is the member's: the member (its holder), the supervisor (a head above them) and admins (strategy
managers) see it and its scores; the outsider gets 404. Managers make, change, delete and compute cards; the
supervisor confirms a score, the member cannot confirm their own (403)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from strategy.models import KpiCard, KpiScore
from tests.strategy.factories_indicators import FIRST, IndicatorFactory, KpiCardFactory, card_line
from tests.utils import ROLES, Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)


def _all(status, anonymous=LOGIN) -> dict:
    return {role: anonymous if role == "anonymous" else status for role in ROLES}


def _seen(status, *, outsider=404, anonymous=LOGIN, **overrides) -> dict:
    return {**_all(status, anonymous), "outsider": outsider, **overrides}


@pytest.fixture
def kpi_world(org):
    indicator = IndicatorFactory(owner=org.sales_head, name="Plan", visibility="company")

    def card(name="Member's card") -> KpiCard:
        made = KpiCardFactory(name=name, person=org.east_rep)
        card_line(made, indicator)
        return made

    def score(role=None) -> KpiScore:
        return KpiScore.objects.create(
            card=card(f"Scored {role}"),
            person=org.east_rep,
            period_start=FIRST,
            period_end=datetime.date(2025, 1, 31),
            score=50,
            computed_at=datetime.datetime(2025, 2, 1, tzinfo=datetime.UTC),
        )

    return {"indicator": indicator, "card": card(), "new_card": card, "score": score}


def _form(org, indicator, name) -> dict:
    return {
        "name": name,
        "holder_kind": "person",
        "person": org.east_rep.pk,
        "period": "month",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-indicator": indicator.pk,
        "lines-0-weight": "1",
        "lines-0-cap": "100",
    }


@pytest.fixture
def kpi_endpoints(org, kpi_world):
    w = kpi_world
    card, indicator = w["card"], w["indicator"]

    def page(name, *args):
        return reverse(f"strategy:{name}", args=args)

    api = "/api/v1/strategy"
    return [
        Endpoint("cards", "GET", page("kpi_card_list"), _all(200)),
        Endpoint("new form", "GET", page("kpi_card_create"), _all(403) | {"admin": 200}),
        Endpoint(
            "create",
            "POST",
            page("kpi_card_create"),
            _all(403) | {"admin": 302},
            lambda role: _form(org, indicator, f"By {role}"),
            "form",
            changed=rows(KpiCard),
        ),
        Endpoint("card", "GET", page("kpi_card_detail", card.pk), _seen(200)),
        Endpoint("edit form", "GET", page("kpi_card_edit", card.pk), _seen(403, admin=200)),
        Endpoint(
            "edit",
            "POST",
            page("kpi_card_edit", card.pk),
            _seen(403, admin=302),
            lambda role: _form(org, indicator, f"Renamed by {role}"),
            "form",
            changed=rows(KpiCard, "name"),
        ),
        Endpoint(
            "delete",
            "POST",
            lambda role: page("kpi_card_delete", w["new_card"](f"Doomed {role}").pk),
            _seen(403, admin=302),
            {},
            "form",
            changed=rows(KpiCard),
        ),
        Endpoint(
            "compute",
            "POST",
            lambda role: page("kpi_card_compute", w["new_card"](f"Computed {role}").pk),
            _seen(403, admin=302),
            {"period": FIRST.isoformat()},
            "form",
            changed=rows(KpiScore),
        ),
        Endpoint(
            "confirm",
            "POST",
            lambda role: page("kpi_score_confirm", w["score"](role).pk),
            _seen(302, member=403),
            {},
            "form",
            changed=rows(KpiScore, "status"),
        ),
        Endpoint(
            "confirm all",
            "POST",
            lambda role: page("kpi_card_confirm_all", w["score"](role).card_id),
            _seen(302),
            {"period": FIRST.isoformat()},
            "form",
            changed=rows(KpiScore, "status"),
            unchanged_for=("member",),  # nobody of theirs to confirm: nothing changes
        ),
        Endpoint("export", "GET", page("kpi_export") + "?month=2025-01", _all(200)),
        # --- API
        Endpoint("api cards", "GET", f"{api}/kpi-cards/", _all(200, API_ANON)),
        Endpoint(
            "api create",
            "POST",
            f"{api}/kpi-cards/",
            _all(403, API_ANON) | {"admin": 201},
            lambda role: {
                "name": f"Api {role}",
                "holder_kind": "person",
                "person": org.east_rep.pk,
                "lines": [{"indicator": indicator.pk}],
            },
            changed=rows(KpiCard),
        ),
        Endpoint("api card", "GET", f"{api}/kpi-cards/{card.pk}/", _seen(200, anonymous=API_ANON)),
        Endpoint(
            "api change",
            "PATCH",
            f"{api}/kpi-cards/{card.pk}/",
            _seen(403, anonymous=API_ANON, admin=200),
            lambda role: {"name": f"Api renamed by {role}"},
            changed=rows(KpiCard, "name"),
        ),
        Endpoint(
            "api delete",
            "DELETE",
            lambda role: f"{api}/kpi-cards/{w['new_card'](f'Api doomed {role}').pk}/",
            _seen(403, anonymous=API_ANON, admin=204),
            changed=rows(KpiCard),
        ),
        Endpoint(
            "api compute",
            "POST",
            lambda role: f"{api}/kpi-cards/{w['new_card'](f'Api computed {role}').pk}/compute/",
            _seen(403, anonymous=API_ANON, admin=200),
            {"period": FIRST.isoformat()},
            changed=rows(KpiScore),
        ),
        Endpoint("api scores", "GET", f"{api}/kpi-scores/", _all(200, API_ANON)),
        Endpoint(
            "api score",
            "GET",
            lambda role: f"{api}/kpi-scores/{w['score'](role).pk}/",
            _seen(200, anonymous=API_ANON),
        ),
        Endpoint(
            "api confirm",
            "POST",
            lambda role: f"{api}/kpi-scores/{w['score'](role).pk}/confirm/",
            _seen(200, anonymous=API_ANON, member=403),
            changed=rows(KpiScore, "status"),
        ),
    ]


def test_kpi_matrix(roles, kpi_endpoints):
    assert_matrix(roles, kpi_endpoints)
