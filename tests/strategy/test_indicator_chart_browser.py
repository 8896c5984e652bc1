"""An indicator page in Chromium: the chart of actual vs target over the red/amber/green bands drawn by Chart.js
(no CSP violation, no script error), a formula value's records opened in place with htmx, and the page at phone
width without sideways scrolling. Takes the screenshots of the chart (desktop and 390 px)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from strategy.models.indicators import period_previous, period_start
from strategy.services import indicators as services
from tests.plugins.browser import PHONE
from tests.strategy.factories_indicators import IndicatorFactory, Points, formula_indicator

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"
VALUES = [62, 66, 64, 71, 75, 73, 80, 84, 88, 86, 91, 95, 97, 93]


@pytest.fixture
def indicator(org):
    from django.utils import timezone

    months = [period_previous("month", period_start("month", timezone.localdate()))]
    for _n in range(len(VALUES) - 1):
        months.insert(0, period_previous("month", months[0]))
    made = IndicatorFactory(
        name="Customer score",
        owner=org.sales_rep,
        unit="pts",
        baseline=Decimal(50),
        default_target=Decimal(100),
        amber_from=Decimal(80),
        starts_on=months[0],
    )
    for month, value in zip(months, VALUES, strict=True):
        services.indicator_value_enter(actor=org.sales_rep, indicator=made, period=month, value=value)
    return made


def test_the_chart_of_an_indicator(page, live_server, login, screenshot, org, indicator):
    login(page, live_server, org.sales_rep.email, PASSWORD)
    page.goto(live_server.url + indicator.get_absolute_url())
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('indicator-chart'))")
    datasets = page.evaluate(
        "() => Chart.getChart(document.getElementById('indicator-chart')).data.datasets.map(d => d.data.length)"
    )
    assert len(datasets) == 5 and set(datasets) == {len(VALUES) + 1}  # actual, target, three bands
    actual = page.evaluate(
        "() => Chart.getChart(document.getElementById('indicator-chart')).data.datasets[0].data"
    )
    assert actual[:-1] == VALUES and actual[-1] is None  # the running month has no value yet
    expect(page.locator("#indicator-values tbody tr")).to_have_count(len(VALUES) + 1)
    screenshot("strategy-indicator-chart", full_page=False)
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('indicator-chart'))")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("strategy-indicator-chart-phone")


def test_a_formula_value_opens_its_records(page, live_server, login, org):
    with Points().registered() as points:
        month = datetime.date(2025, 1, 1)
        points.set(3, department=org.root, month=month)
        computed = formula_indicator(owner=org.ceo, name="Points", starts_on=month)
        services.values_compute([computed], [month])
        login(page, live_server, org.ceo.email, PASSWORD)
        page.goto(live_server.url + computed.get_absolute_url())
        page.locator("#indicator-values a[hx-get]").first.click()
        expect(page.locator("#indicator-records")).to_be_visible()
        expect(page.locator("#indicator-records li")).to_have_count(3)


def test_the_register_at_desktop_and_phone_width(page, live_server, login, screenshot, org, indicator):
    from django.urls import reverse

    IndicatorFactory(name="Month-end close", owner=org.sales_rep, unit="days", direction="lower")
    login(page, live_server, org.sales_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("strategy:indicator_list"))
    expect(page.locator("#indicator-rows tr")).to_have_count(2)
    screenshot("strategy-indicator-register", full_page=False)
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("strategy-indicator-register-phone", full_page=False)


def test_a_kpi_card_with_its_scores(page, live_server, login, screenshot, org, indicator):
    from django.urls import reverse

    from strategy.services.kpi import kpi_card_create, kpi_scores_compute
    from tests.strategy.factories_indicators import make_strategy_manager

    manager = make_strategy_manager(org.it_head)
    month = indicator.values.order_by("-period_start").first().period_start
    card = kpi_card_create(
        actor=manager,
        name="Sales team KPI",
        holder_kind="department",
        department=org.sales,
        include_subdepartments=True,
        lines=[{"indicator": indicator, "weight": 2, "cap": 120}],
    )
    kpi_scores_compute(period=month, card_ids=[card.pk])
    login(page, live_server, org.sales_head.email, PASSWORD)
    page.goto(f"{live_server.url}{reverse('strategy:kpi_card_detail', args=[card.pk])}?period={month}")
    expect(page.locator("#kpi-scores tbody tr")).to_have_count(5)  # Sales and Sales East, with East Field
    expect(page.locator("#kpi-confirm-all")).to_be_visible()
    screenshot("strategy-kpi-card", full_page=False)
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
