"""What other apps add to stream posts: menu items ("Create a task") and notes under a post."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.stream import selectors
from portal.stream.extensions import (
    entries_extend,
    register_entry_action,
    register_entry_annotation,
    unregister_entry_action,
    unregister_entry_annotation,
)
from tests.stream.factories import post
from tests.utils import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    seen: list[list[int]] = []

    def provider(user, entries):
        seen.append(sorted(e.pk for e in entries))
        return {e.pk: [("Linked thing", f"/things/{e.pk}/")] for e in entries if "thing" in e.body}

    register_entry_annotation("test.things", provider)
    register_entry_action(
        "test.act",
        label="Do something",
        icon="bi-star",
        url=lambda entry: f"/act/{entry.pk}/",
        available=lambda user, entry: user.pk != entry.author_id,
    )
    yield seen
    unregister_entry_annotation("test.things")
    unregister_entry_action("test.act")


def test_feed_notes_pinned_and_page_in_one_call(org, calls):
    pinned = post(org.sales_head, "An important thing", is_important=True)
    plain = post(org.sales_head, "Just words")
    html = client_as(org.east_rep).get(reverse("stream:feed")).content.decode()
    assert calls == [sorted([pinned.pk, plain.pk])]
    assert f'href="/things/{pinned.pk}/" data-annotation="test.things"' in html
    assert f"/things/{plain.pk}/" not in html
    # The menu item shows for readers who are not the author, even where the author's menu does not.
    assert f'href="/act/{plain.pk}/" data-action="test.act"' in html
    own = client_as(org.sales_head).get(reverse("stream:feed")).content.decode()
    assert "/act/" not in own


def test_the_post_page_shows_the_notes(org, calls):
    entry = post(org.sales_head, "A thing")
    html = client_as(org.east_rep).get(entry.get_absolute_url()).content.decode()
    assert f"/things/{entry.pk}/" in html


def test_the_api_does_not_compute_notes(org, calls):
    post(org.sales_head, "A thing")
    assert client_as(org.east_rep).get("/api/v1/stream/entries/").status_code == 200
    assert calls == []


def test_notes_for_anonymous_are_empty(org, calls):
    from django.contrib.auth.models import AnonymousUser

    entry = post(org.sales_head, "A thing")
    entries = selectors.entries_load(user=org.east_rep, ids=[entry.pk])
    entries_extend(AnonymousUser(), entries)
    assert list(entries[0].annotations) == [] and calls == []


def test_keys_are_needed():
    with pytest.raises(ValueError):
        register_entry_annotation("", lambda user, entries: {})
    with pytest.raises(ValueError):
        register_entry_action("", label="x", icon="x", url=str, available=lambda u, e: True)
