"""Django admin shows indicators, their values and KPI cards and scores to admins, read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from strategy.services import indicators as services
from tests.strategy.factories_indicators import (
    FIRST,
    IndicatorFactory,
    KpiCardFactory,
    card_line,
    page_client,
)

pytestmark = pytest.mark.django_db


def test_admin_lists_and_shows_indicators_and_kpi_read_only(org):
    indicator = IndicatorFactory(owner=org.sales_rep, name="Leads")
    services.indicator_value_enter(actor=org.sales_rep, indicator=indicator, period=FIRST, value=3)
    card = KpiCardFactory(person=org.sales_rep)
    card_line(card, indicator)
    client = page_client(org.admin)
    for model in ("indicator", "indicatorvalue", "kpicard", "kpiscore"):
        assert client.get(reverse(f"admin:strategy_{model}_changelist")).status_code == 200, model
    page = client.get(reverse("admin:strategy_indicator_change", args=[indicator.pk]))
    assert page.status_code == 200 and "Leads" in page.content.decode()
    assert client.get(reverse("admin:strategy_indicator_add")).status_code == 403
    assert client.get(reverse("admin:strategy_kpicard_change", args=[card.pk])).status_code == 200
