"""Day corrections on the control dashboard in a real browser: the cell opens the corrections waiting for a
decision under the person's row, Confirm decides one in place, and the dashboard's counts follow."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reports.choices import CorrectionStatus
from reports.models import DayCorrection
from tests.reports.test_control_corrections import pending

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


def test_confirm_a_correction_from_the_dashboard(page, live_server, login, screenshot, org):
    correction = pending(org.sales_rep, reason="The badge reader was down")
    login(page, live_server, org.sales_head.email, PASSWORD)
    page.goto(live_server.url + reverse("reports:home"))

    expect(page.locator("#control-corrections-count")).to_have_text("1")
    detail_url = reverse("reports:control_corrections", args=[org.sales_rep.pk])
    cell = page.locator(f'#control-table a.control-detail-link[data-detail-url="{detail_url}"]')
    expect(cell).to_have_text("1")
    cell.click()

    detail = page.locator(f"#control-detail-corrections-{org.sales_rep.pk}")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("The badge reader was down")
    expect(detail).to_contain_text("08:30–17:00")
    screenshot("control-corrections-detail")

    detail.get_by_role("button", name="Confirm").click()
    expect(detail.get_by_role("status")).to_contain_text("The correction is confirmed.")
    expect(detail).to_contain_text("Nothing waits for your decision.")
    # the dashboard took the news: no badge on the button, the cell counts nothing
    expect(page.locator("#control-corrections-count")).to_have_count(0)
    assert DayCorrection.objects.get(pk=correction.pk).status == CorrectionStatus.APPROVED
