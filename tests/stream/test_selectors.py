"""Reads of the stream: who sees what (per audience kind), the keyset feed, pinned posts, counters."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from portal.core.errors import NotFound
from portal.stream import selectors, services
from portal.stream.audience import entry_audience_users
from portal.stream.models import Entry
from tests.people.factories import UserFactory
from tests.stream.factories import post

EVERYBODY = [
    "ceo",
    "sales_head",
    "sales_rep",
    "east_head",
    "east_rep",
    "field_rep",
    "it_head",
    "developer",
    "admin",
]


def _who_sees(org, entry) -> set[str]:
    return {
        name
        for name in EVERYBODY
        if Entry.objects.visible_to(getattr(org, name)).filter(pk=entry.pk).exists()
    }


@pytest.mark.parametrize(
    "audience, expected",
    [
        ({"everyone": True}, set(EVERYBODY)),
        # A department reaches its whole sub-tree, not the departments above or beside it.
        ({"departments": ["east"]}, {"east_head", "east_rep", "field_rep"}),
        ({"departments": ["sales"]}, {"sales_head", "sales_rep", "east_head", "east_rep", "field_rep"}),
        ({"groups": ["team"]}, {"sales_head"}),
        ({"users": ["developer"]}, {"developer"}),
        ({"departments": ["it"], "users": ["field_rep"]}, {"it_head", "developer", "field_rep"}),
    ],
)
def test_visibility_per_audience_kind(org, groups, audience, expected):
    resolved = {
        "everyone": audience.get("everyone", False),
        "departments": [getattr(org, d) for d in audience.get("departments", [])],
        "groups": [getattr(groups, g) for g in audience.get("groups", [])],
        "users": [getattr(org, u) for u in audience.get("users", [])],
    }
    entry = post(org.east_rep, "Audience test", **resolved)
    # The author and admins always see it.
    assert _who_sees(org, entry) == expected | {"east_rep", "admin"}
    # The reverse question (who may see it) gives the same people.
    reverse = set(entry_audience_users(entry).values_list("email", flat=True))
    assert reverse == {getattr(org, n).email for n in expected | {"east_rep", "admin"}}


def test_outsider_gets_404_for_a_hidden_entry_and_missing_alike(org):
    entry = post(org.east_rep, "Sales only", departments=[org.sales])
    assert selectors.entry_get(user=org.sales_head, pk=entry.pk).pk == entry.pk
    with pytest.raises(NotFound):
        selectors.entry_get(user=org.developer, pk=entry.pk)
    with pytest.raises(NotFound):
        selectors.entry_get(user=org.developer, pk=999_999)


def test_inactive_and_anonymous_see_nothing(org):
    from django.contrib.auth.models import AnonymousUser

    post(org.east_rep, "Hi")
    gone = UserFactory(is_active=False)
    assert not Entry.objects.visible_to(gone).exists()
    assert not Entry.objects.visible_to(AnonymousUser()).exists()


def test_moving_a_person_changes_what_they_see_at_once(org):
    entry = post(org.ceo, "IT only", departments=[org.it])
    assert not Entry.objects.visible_to(org.sales_rep).filter(pk=entry.pk).exists()
    org.sales_rep.department = org.it
    org.sales_rep.save(update_fields=["department"])
    org.sales_rep.refresh_from_db()
    assert Entry.objects.visible_to(org.sales_rep).filter(pk=entry.pk).exists()


def test_feed_pages_follow_each_other_without_gaps_or_repeats(org):
    for i in range(7):
        post(org.east_rep, f"Post {i}")
    Entry.objects.update(created_at=timezone.now())  # equal timestamps: the id breaks the tie
    seen, before = [], None
    while True:
        page = selectors.feed_page(user=org.sales_rep, filters={}, before=before, limit=3)
        if not page:
            break
        seen += [e.pk for e in page]
        before = selectors.cursor_for(page[-1])
    assert seen == list(Entry.objects.order_by("-created_at", "-id").values_list("pk", flat=True))


def test_feed_filters_mine_important_and_group(org, groups):
    mine = post(org.east_rep, "Mine")
    important = post(org.ceo, "Important", is_important=True)
    team = post(org.sales_head, "To the team", groups=[groups.team])
    user = org.east_rep
    ids = lambda filters: [e.pk for e in selectors.feed_page(user=user, filters=filters)]  # noqa: E731
    assert ids({"show": "mine"}) == [mine.pk]
    assert ids({"show": "important"}) == [important.pk]
    assert ids({"group": groups.team.pk}) == [team.pk]
    assert ids({}) == [team.pk, important.pk, mine.pk]


def test_invalid_cursor_is_a_validation_error(org):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        selectors.feed_page(user=org.east_rep, filters={}, before="yesterday")


def test_unread_important_posts_are_pinned_until_read(org):
    entry = post(org.ceo, "Read me", is_important=True)
    post(org.ceo, "Later news")
    assert selectors.pinned_ids(user=org.east_rep) == [entry.pk]
    services.announcement_read(actor=org.east_rep, entry=entry)
    assert selectors.pinned_ids(user=org.east_rep) == []


def test_readers_report_lists_read_and_unread(org):
    entry = post(org.ceo, "Read me", departments=[org.east], is_important=True)
    services.announcement_read(actor=org.east_rep, entry=entry)
    report = selectors.announcement_readers(user=org.ceo, entry=entry)
    assert [p.pk for p in report.read] == [org.east_rep.pk]
    assert {p.pk for p in report.unread} == {org.east_head.pk, org.field_rep.pk, org.admin.pk}


def test_important_unread_counter_matches_visibility_for_everyone(org, groups):
    post(org.ceo, "All", is_important=True)
    post(org.ceo, "Sales", departments=[org.sales], is_important=True)
    east = post(org.ceo, "East", departments=[org.east], is_important=True)
    post(org.east_rep, "Team", groups=[groups.team], is_important=True)
    post(org.it_head, "Secret", groups=[groups.secret], is_important=True)
    post(org.ceo, "Named", users=[org.developer], is_important=True)
    post(org.ceo, "Not important", departments=[org.sales])
    services.announcement_read(actor=org.field_rep, entry=east)
    people = [getattr(org, n) for n in EVERYBODY]
    counts = selectors.important_unread_counts([p.pk for p in people])
    for person in people:
        expected = (
            Entry.objects.visible_to(person).filter(is_important=True).exclude(reads__user=person).count()
        )
        assert counts[person.pk] == expected, person.email
    assert counts[org.field_rep.pk] == 2  # "All" and "Sales" (the sub-tree); "East" is read
    assert counts[org.developer.pk] == 2


def test_important_unread_counter_is_registered(org):
    from portal.notifications.counters import counter_definitions

    definition = next(d for d in counter_definitions() if d.key == "stream.important_unread")
    assert definition.area == "stream"


def test_celebrations_lists_birthdays_and_anniversaries(org):
    today = timezone.localdate()
    org.developer.birthday = today.replace(year=1992)  # a leap year: 29 February exists
    org.developer.save(update_fields=["birthday"])
    org.it_head.date_joined = timezone.now().replace(year=today.year - 4) + datetime.timedelta(days=2)
    org.it_head.save(update_fields=["date_joined"])
    org.sales_rep.date_joined = timezone.now()  # joined today: no anniversary yet
    org.sales_rep.save(update_fields=["date_joined"])
    result = selectors.celebrations(user=org.east_rep)
    assert [p.pk for p in result["birthdays_today"]] == [org.developer.pk]
    [anniversary] = result["anniversaries_week"]
    assert anniversary.pk == org.it_head.pk and anniversary.years == 4
    assert result["anniversaries_today"] == []
