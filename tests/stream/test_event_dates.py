"""Dates inside event entries are stored as moments and shown in each reader's zone and language."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from portal.stream.models import Entry
from portal.stream.templatetags.stream import stream_datetime
from tasks import services as task_services

DEADLINE = datetime.datetime(2026, 3, 4, 4, 20, tzinfo=datetime.UTC)


def _reader(user, *, language: str, zone: str):
    type(user).objects.filter(pk=user.pk).update(language=language, time_zone=zone)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def test_a_task_events_deadline_is_shown_in_the_readers_zone_and_language(org):
    # The actor publishes in UTC and English (the server's defaults).
    task_services.task_create(
        actor=org.ceo, title="Quarterly offer", responsible=org.east_rep, deadline=DEADLINE
    )
    entry = Entry.objects.get(verb="task.created")
    assert entry.context["deadline"] == DEADLINE.isoformat()
    assert "deadline_display" not in entry.context  # no text frozen in the publisher's zone

    moscow = _reader(org.east_rep, language="ru", zone="Europe/Moscow").get(reverse("stream:feed"))
    html = moscow.content.decode()
    assert moscow.status_code == 200
    assert "Quarterly offer" in html
    assert "4 марта 2026 г. 7:20" in html  # 04:20 UTC is 07:20 in Moscow, as on the task list
    assert "г. 4:20" not in html
    assert "March" not in html
    assert 'bi-flag" aria-hidden="true"></i> Новая</span>' in html  # the status in the reader's language too

    utc = _reader(org.ceo, language="en", zone="UTC").get(reverse("stream:feed")).content.decode()
    assert "March 4, 2026, 4:20 a.m." in utc


def test_entries_published_before_keep_rendering_from_their_stored_moment():
    with translation.override("ru"), timezone.override(datetime.timezone(datetime.timedelta(hours=3))):
        assert stream_datetime("2026-03-04T04:20:00+00:00") == "4 марта 2026 г. 7:20"
        assert stream_datetime(DEADLINE) == "4 марта 2026 г. 7:20"
        assert stream_datetime("") == ""
        assert stream_datetime("not a date") == "not a date"


@pytest.mark.browser
def test_the_feed_in_chromium_shows_the_deadline_in_moscow_time(page, live_server, org, login, screenshot):
    """A Russian reader in Moscow opens the feed: the task event's deadline reads 07:20 in Russian."""
    from playwright.sync_api import expect

    from tests.plugins.browser import htmx_settled

    type(org.east_rep).objects.filter(pk=org.east_rep.pk).update(
        language="ru", time_zone="Europe/Moscow", first_name="Ирина", last_name="Восточная"
    )
    task_services.task_create(actor=org.ceo, title="Квартальное предложение", responsible=org.east_rep,
                              deadline=DEADLINE)  # fmt: skip
    page.set_viewport_size({"width": 1200, "height": 800})
    login(page, live_server, org.east_rep.email, "pass-word-123")
    page.goto(live_server.url + reverse("stream:feed"))
    htmx_settled(page)
    event = page.locator("[data-task-event]").first.locator("xpath=..")
    expect(event).to_contain_text("4 марта 2026 г. 7:20")
    expect(event).not_to_contain_text("March")
    screenshot("stream-task-event-ru")
