"""(tests/strategy/indicators/: a test_demo.py module of its own, as the shared demo company asks.) The demo company's indicators and KPI cards: both kinds with a year and more of values, a couple in red, linked
to the demo's goals, a correction kept with why, and the sales team's KPI card scored and partly confirmed."""

from __future__ import annotations

import pytest

from portal.core.demo import DEMO_DOMAIN
from strategy.demo.indicators import seed_demo_indicators
from strategy.models import Indicator, IndicatorValueRevision, KpiCard, KpiScore
from strategy.selectors.indicators import indicator_red_list
from strategy.services.indicators import formula_check

pytestmark = pytest.mark.django_db


def test_the_demo_indicators_and_kpi_cards(demo_company):
    from django.contrib.auth import get_user_model

    manual = Indicator.objects.filter(source="manual")
    formula = Indicator.objects.filter(source="formula")
    assert manual.count() >= 3 and formula.count() >= 5
    for indicator in manual:
        assert indicator.values.filter(value__isnull=False).count() >= 12
    for indicator in formula.exclude(subject_kind="person"):
        assert indicator.values.count() >= 12
        formula_check(text=indicator.formula, subject_kind=indicator.subject_kind)  # registered metrics only
    assert Indicator.objects.filter(goal_links__isnull=False).distinct().count() >= 3
    ceo = get_user_model().objects.get(email=f"ceo@{DEMO_DOMAIN}")
    red = list(indicator_red_list(user=ceo))
    assert 2 <= len(red) <= 3
    assert IndicatorValueRevision.objects.filter(kind="corrected").exclude(reason="").exists()
    card = KpiCard.objects.get(holder_kind="department")
    scores = KpiScore.objects.filter(card=card)
    assert scores.values("period_start").distinct().count() == 3
    assert scores.values("person").distinct().count() >= 8  # Sales with Key Accounts and Inside Sales
    assert scores.filter(status="confirmed").count() == 2
    assert seed_demo_indicators() == {"indicators": 0, "values": 0, "kpi_cards": 0, "kpi_scores": 0}
