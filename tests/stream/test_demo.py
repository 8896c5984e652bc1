"""The demo stream: seeded through the services on top of the demo company, idempotent."""

from __future__ import annotations

import pytest

from portal.stream.models import Album, Entry, Poll


@pytest.mark.django_db
def test_seed_demo_stream_is_lively_and_idempotent():
    from portal.core.demo import seed_demo
    from portal.people.models import Company
    from portal.stream.demo import seed_demo_stream

    Company.objects.all().delete()  # the demo registers its own company
    seed_demo()
    first = seed_demo_stream()
    assert first["posts"] >= 6 and first["comments"] >= 5 and first["likes"] >= 10 and first["votes"] >= 5
    assert first["photos"] == 3
    assert (
        Entry.objects.filter(is_important=True).exists() and Poll.objects.exists() and Album.objects.exists()
    )
    assert Entry.objects.filter(audience_everyone=False).count() >= 3
    again = seed_demo_stream()
    assert set(again.values()) == {0}
