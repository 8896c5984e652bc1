"""Digest pages: my list, one digest with its sections and links, the htmx partial, the dashboard panel
and the settings form."""

from __future__ import annotations

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from reports import services
from reports.choices import DigestKind
from reports.models import Digest, DigestPreference
from tests.reports.factories import DigestFactory, DigestPreferenceFactory
from tests.tasks.factories import TaskFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TODAY = datetime.date(2026, 1, 14)
NOW = datetime.datetime(2026, 1, 14, 10, 0, tzinfo=UTC)


@pytest.fixture
def built(org):
    TaskFactory(title="Call the client back", creator=org.sales_head, responsible=org.east_rep,
                deadline=datetime.datetime(2026, 1, 13, 12, tzinfo=UTC))  # fmt: skip
    return services.digest_build(recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)


def test_list_shows_only_my_digests(org, built):
    DigestFactory(recipient=org.east_head, date=TODAY)

    response = client_as(org.sales_head).get(reverse("reports:digest_list"))

    assert response.status_code == 200
    assert list(response.context["digests"]) == [built]
    assert reverse("reports:digest_detail", args=[built.pk]) in response.content.decode()


def test_an_empty_list_says_how_digests_come(org):
    response = client_as(org.developer).get(reverse("reports:digest_list"))
    assert 'id="digest-list-empty"' in response.content.decode()


def test_detail_shows_every_section_with_links(org, built):
    response = client_as(org.sales_head).get(reverse("reports:digest_detail", args=[built.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Call the client back" in html
    assert 'href="/tasks/' in html
    assert 'id="digest-overdue_tasks"' in html
    assert "Overdue tasks" in html
    assert f"{built.signals} signal" in html
    assert 'id="digest-overview"' in html


def test_detail_for_htmx_is_the_sections_partial(org, built):
    response = client_as(org.sales_head).get(
        reverse("reports:digest_detail", args=[built.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="digest-sections"')
    assert "<html" not in html


def test_an_admin_sees_whose_digest_it_is(org, built):
    response = client_as(org.admin).get(reverse("reports:digest_detail", args=[built.pk]))
    assert str(org.sales_head) in response.content.decode()


def test_all_fine_digest_says_so(org):
    digest = DigestFactory(recipient=org.sales_head, date=TODAY)
    html = client_as(org.sales_head).get(reverse("reports:digest_detail", args=[digest.pk])).content.decode()
    assert 'id="digest-all-fine"' in html


def test_panel_partial_with_and_without_a_digest(org, built):
    html = render_to_string("reports/digests/partials/panel.html", {"digest": built})
    assert 'id="digest-panel"' in html
    assert "Overdue tasks" in html
    assert reverse("reports:digest_detail", args=[built.pk]) in html

    empty = render_to_string("reports/digests/partials/panel.html", {"digest": None})
    assert "No digest yet" in empty
    assert reverse("reports:digest_settings") in empty


def test_settings_show_the_defaults_then_save(org):
    client = client_as(org.east_rep)
    page = client.get(reverse("reports:digest_settings"))
    assert page.context["form"].initial == {"digest_time": datetime.time(9, 0), "personal_digest": False}
    assert 'value="09:00"' in page.content.decode()

    response = client.post(
        reverse("reports:digest_settings"),
        {"digest_time": "07:45", "personal_digest": "on"},
        format="multipart",
    )

    assert response.status_code == 302
    preference = DigestPreference.objects.get(user=org.east_rep)
    assert (preference.digest_time, preference.personal_digest) == (datetime.time(7, 45), True)
    again = client.get(reverse("reports:digest_settings"))
    assert 'value="07:45"' in again.content.decode()


def test_settings_with_a_bad_time_change_nothing(org):
    DigestPreferenceFactory(user=org.east_rep, digest_time=datetime.time(8, 0))

    response = client_as(org.east_rep).post(
        reverse("reports:digest_settings"), {"digest_time": "25:99"}, format="multipart"
    )

    assert response.status_code == 200
    assert response.context["form"].errors["digest_time"]
    assert DigestPreference.objects.get(user=org.east_rep).digest_time == datetime.time(8, 0)
    assert not Digest.objects.exists()
