"""The sales funnel in a real browser: Chart.js draws it from the page's data (no inline script, no error), and
the chart is drawn again after the filters swap the report with htmx."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.crm.test_reports import activities, head, leads, sales  # noqa: F401 (fixtures)
from tests.plugins.browser import PHONE, htmx_settled

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"
FUNNEL_BARS = (
    "() => { const c = Chart.getChart(document.getElementById('crm-report-chart'));"
    " return c ? c.data.datasets[0].data.map((bar) => bar[1] - bar[0]) : null; }"
)


@pytest.mark.usefixtures("head")
def test_the_funnel_chart_is_drawn(page, live_server, login, screenshot, org, request):
    laid = request.getfixturevalue("sales")
    login(page, live_server, org.sales_head.email, PASSWORD)
    url = f"{live_server.url}{reverse('crm:report_funnel')}?date_from=2025-03-01&date_to=2025-03-31"
    page.goto(f"{url}&pipeline={laid['pipeline'].pk}")
    page.wait_for_function("() => Boolean(Chart.getChart(document.getElementById('crm-report-chart')))")
    # Reached: Talk 6, Offer 4, Won 2 (the head sees both reps' deals).
    assert page.evaluate(FUNNEL_BARS) == [6, 4, 2]
    box = page.locator("#crm-report-chart").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 80
    screenshot("crm-report-funnel")

    # A manager chosen through the department select re-renders the report in place, the chart with it.
    page.select_option("#id_department", str(org.east.pk))
    htmx_settled(page)
    page.wait_for_function(
        "() => { const c = Chart.getChart(document.getElementById('crm-report-chart'));"
        " return c && c.data.datasets[0].data[0][1] - c.data.datasets[0].data[0][0] === 5; }"
    )
    assert "department=" in page.url

    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_function("() => Boolean(Chart.getChart(document.getElementById('crm-report-chart')))")
    screenshot("crm-report-funnel-phone")


@pytest.mark.parametrize("name", ["report_deals", "report_leads", "report_activities", "report_stages"])
@pytest.mark.usefixtures("head", "leads", "activities")
def test_every_other_report_draws_its_chart(page, live_server, login, screenshot, org, request, name):
    laid = request.getfixturevalue("sales")
    login(page, live_server, org.sales_head.email, PASSWORD)
    query = f"date_from=2025-03-01&date_to=2025-03-31&pipeline={laid['pipeline'].pk}&group=week"
    page.goto(f"{live_server.url}{reverse(f'crm:{name}')}?{query}")
    page.wait_for_function("() => Boolean(Chart.getChart(document.getElementById('crm-report-chart')))")
    screenshot(f"crm-{name.replace('_', '-')}")
