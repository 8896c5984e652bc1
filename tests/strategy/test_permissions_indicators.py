"""Every route of the indicator register (pages and API), called as every role.

The indicators follow the visibility of a restricted goal of the member: the member (their owner), the supervisor
(a head above the goal's owner) and admins (strategy managers) see them, the outsider gets 404 everywhere.
Managers (admins here) change the register, targets and past periods; the owner enters values and computes the
current period; everyone else who sees an indicator gets 403 on a write."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.urls import reverse

from strategy.models import Indicator, IndicatorFormula, IndicatorGoal, IndicatorTarget, IndicatorValue
from strategy.services import indicators as services
from tests.strategy.factories_indicators import FIRST, IndicatorFactory, Points, formula_indicator, goal
from tests.utils import ROLES, Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)
_values = itertools.count(1)


def _all(status, anonymous=LOGIN) -> dict:
    return {role: anonymous if role == "anonymous" else status for role in ROLES}


def _seen(status, *, outsider=404, anonymous=LOGIN, **overrides) -> dict:
    """Roles that see the indicator answer `status` (unless overridden), the outsider 404."""
    return {**_all(status, anonymous), "outsider": outsider, **overrides}


@pytest.fixture
def indicator_points():
    with Points().registered() as points:
        yield points


@pytest.fixture
def indicators_world(org, indicator_points):
    aim = goal(org.east_rep, audience="restricted", title="Member's goal")

    def linked(**kwargs) -> Indicator:
        indicator = (formula_indicator if kwargs.pop("formula", False) else IndicatorFactory)(
            owner=org.east_rep, visibility="goals", **kwargs
        )
        IndicatorGoal.objects.create(indicator=indicator, goal=aim)
        return indicator

    manual = linked(name="Manual", default_target=Decimal(100))
    computed = linked(name="Computed", formula=True)
    indicator_points.set(3, department=org.root, month=FIRST)
    services.values_compute([computed], [FIRST])
    return {
        "manual": manual,
        "computed": computed,
        "value": computed.values.get(),
        "linked": linked,
        "goal": aim,
    }


def _form(org) -> dict:
    return {
        "name": "New",
        "period": "month",
        "direction": "higher",
        "starts_on": "2025-01-01",
        "green_from": "100",
        "amber_from": "90",
        "owner": org.east_rep.pk,
        "source": "manual",
        "subject_kind": "company",
        "visibility": "company",
    }


@pytest.fixture
def indicator_endpoints(org, indicators_world):
    w = indicators_world
    manual, computed, value = w["manual"], w["computed"], w["value"]
    fresh = w["linked"]

    def fresh_formula(role=None) -> Indicator:
        return fresh(name=f"Fresh {role}", formula=True)

    def page(name, *args):
        return reverse(f"strategy:{name}", args=args)

    api = "/api/v1/strategy"
    return [
        Endpoint("register", "GET", page("indicator_list"), _all(200)),
        Endpoint("new form", "GET", page("indicator_create"), _all(403, LOGIN) | {"admin": 200}),
        Endpoint(
            "create",
            "POST",
            page("indicator_create"),
            _all(403) | {"admin": 302},
            lambda role: {**_form(org), "name": f"By {role}"},
            "form",
            changed=rows(Indicator),
        ),
        Endpoint("detail", "GET", page("indicator_detail", manual.pk), _seen(200)),
        Endpoint("edit form", "GET", page("indicator_edit", manual.pk), _seen(403, admin=200)),
        Endpoint(
            "edit",
            "POST",
            page("indicator_edit", manual.pk),
            _seen(403, admin=302),
            lambda role: {
                **_form(org),
                "name": f"Renamed by {role}",
                "visibility": "goals",
                "goals": w["goal"].pk,
            },
            "form",
            changed=rows(Indicator, "name"),
        ),
        Endpoint(
            "delete",
            "POST",
            lambda role: page("indicator_delete", fresh(name=f"Doomed {role}").pk),
            _seen(403, admin=302),
            {},
            "form",
            changed=rows(Indicator),
        ),
        Endpoint(
            "enter a value",
            "POST",
            page("indicator_value_enter", manual.pk),
            _seen(403, member=302, admin=302),
            lambda role: {"period": FIRST.isoformat(), "value": str(next(_values)), "reason": "Recount"},
            "form",
            changed=rows(IndicatorValue, "value"),
        ),
        Endpoint(
            "set a target",
            "POST",
            page("indicator_target_set", manual.pk),
            _seen(403, admin=302),
            lambda role: {"period": FIRST.isoformat(), "target": str(next(_values))},
            "form",
            changed=rows(IndicatorTarget, "target"),
        ),
        Endpoint(
            "compute now",
            "POST",
            lambda role: page("indicator_compute", fresh_formula(role).pk),
            _seen(403, member=302, admin=302),
            {},
            "form",
            changed=rows(IndicatorValue),
        ),
        Endpoint(
            "recompute",
            "POST",
            lambda role: page("indicator_recompute", _new_version(fresh_formula(role)).pk),
            _seen(403, admin=302),
            {"since": FIRST.isoformat()},
            "form",
            changed=rows(IndicatorValue, "value", "formula_version"),
        ),
        Endpoint("records", "GET", page("indicator_value_drill_down", computed.pk, value.pk), _seen(200)),
        # --- API
        Endpoint("api register", "GET", f"{api}/indicators/", _all(200, API_ANON)),
        Endpoint(
            "api create",
            "POST",
            f"{api}/indicators/",
            _all(403, API_ANON) | {"admin": 201},
            lambda role: {"name": f"Api {role}", "owner": org.east_rep.pk},
            changed=rows(Indicator),
        ),
        Endpoint("api detail", "GET", f"{api}/indicators/{manual.pk}/", _seen(200, anonymous=API_ANON)),
        Endpoint(
            "api change",
            "PATCH",
            f"{api}/indicators/{manual.pk}/",
            _seen(403, anonymous=API_ANON, admin=200),
            lambda role: {"name": f"Api renamed by {role}", "owner": org.east_rep.pk},
            changed=rows(Indicator, "name"),
        ),
        Endpoint(
            "api delete",
            "DELETE",
            lambda role: f"{api}/indicators/{fresh(name=f'Api doomed {role}').pk}/",
            _seen(403, anonymous=API_ANON, admin=204),
            changed=rows(Indicator),
        ),
        Endpoint(
            "api values", "GET", f"{api}/indicators/{manual.pk}/values/", _seen(200, anonymous=API_ANON)
        ),
        Endpoint(
            "api enter a value",
            "POST",
            f"{api}/indicators/{manual.pk}/values/",
            _seen(403, anonymous=API_ANON, member=201, admin=201),
            lambda role: {"period": FIRST.isoformat(), "value": str(next(_values)), "reason": "Recount"},
            changed=rows(IndicatorValue, "value"),
        ),
        Endpoint(
            "api targets", "GET", f"{api}/indicators/{manual.pk}/targets/", _seen(200, anonymous=API_ANON)
        ),
        Endpoint(
            "api set a target",
            "POST",
            f"{api}/indicators/{manual.pk}/targets/",
            _seen(403, anonymous=API_ANON, admin=200),
            lambda role: {"period": FIRST.isoformat(), "target": str(next(_values))},
            changed=rows(IndicatorTarget, "target"),
        ),
        Endpoint(
            "api compute",
            "POST",
            lambda role: f"{api}/indicators/{fresh_formula(role).pk}/compute/",
            _seen(403, anonymous=API_ANON, member=200, admin=200),
            {"period": FIRST.isoformat()},
            changed=rows(IndicatorValue),
        ),
        Endpoint(
            "api recompute",
            "POST",
            lambda role: f"{api}/indicators/{_new_version(fresh_formula(role)).pk}/recompute/",
            _seen(403, anonymous=API_ANON, admin=200),
            {"since": FIRST.isoformat()},
            changed=rows(IndicatorValue, "value", "formula_version"),
        ),
        Endpoint("api value", "GET", f"{api}/values/{value.pk}/", _seen(200, anonymous=API_ANON)),
        Endpoint("api records", "GET", f"{api}/values/{value.pk}/records/", _seen(200, anonymous=API_ANON)),
        Endpoint("api metrics", "GET", f"{api}/metrics/", _all(200, API_ANON)),
    ]


def _new_version(indicator: Indicator) -> Indicator:
    """A formula indicator with a value of version 1 and a current version 2 (so a recompute changes it)."""
    services.values_compute([indicator], [FIRST])
    Indicator.objects.filter(pk=indicator.pk).update(formula="test.points(department) * 7", formula_version=2)
    IndicatorFormula.objects.create(indicator=indicator, version=2, text="test.points(department) * 7")
    return indicator


def test_indicators_matrix(roles, indicator_endpoints):
    assert_matrix(roles, indicator_endpoints)
