import random

import pytest
from django.core.cache import cache

from portal.notifications import counters, services
from portal.notifications.models import Notification, UserCounter

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_counter():
    """A colleague's counter, registered for the test and removed after."""
    from django.db.models import Count

    def compute(user_ids):
        rows = (
            Notification.objects.filter(recipient_id__in=user_ids, kind="mention")
            .values("recipient_id")
            .annotate(n=Count("id"))
            .values_list("recipient_id", "n")
        )
        return dict(rows)

    counters.register_counter("test.mentions", label="Mentions", area="stream", compute=compute, order=50)
    yield "test.mentions"
    counters.registry.counters.unregister("test.mentions")


def test_registry_lists_definitions_in_order(extra_counter):
    keys = [d.key for d in counters.counter_definitions()]
    assert keys.index("notifications.unread") < keys.index(extra_counter)
    unread = next(d for d in counters.counter_definitions() if d.key == "notifications.unread")
    assert unread.area == "notifications"
    with pytest.raises(ValueError):
        counters.counters_recount([1], ["no.such.counter"])


def test_counters_get_is_one_query(org, django_assert_num_queries, extra_counter):
    UserCounter.objects.create(user=org.east_rep, key="notifications.unread", value=3)
    UserCounter.objects.create(user=org.east_rep, key="retired.key", value=9)
    with django_assert_num_queries(1):
        values = counters.counters_get(org.east_rep)
    assert values["notifications.unread"] == 3 and values[extra_counter] == 0
    assert "retired.key" not in values


def test_recount_stores_values_and_only_changed_rows(org, commit, extra_counter):
    Notification.objects.create(recipient=org.east_rep, kind="mention", title="a")
    Notification.objects.create(recipient=org.east_rep, kind="like", title="b")
    with commit():
        counters.counters_recount([org.east_rep.pk, org.developer.pk])
    values = counters.counters_get(org.east_rep)
    assert (values["notifications.unread"], values[extra_counter]) == (2, 1)
    assert counters.counters_store([org.east_rep.pk, org.developer.pk]) == 0  # nothing changed
    with commit():
        counters.counters_recount([org.east_rep], [extra_counter])  # users or ids alike
    assert (
        UserCounter.objects.filter(user=org.east_rep, key__in=["notifications.unread", extra_counter]).count()
        == 2
    )


def test_recount_waits_for_commit(org, django_capture_on_commit_callbacks):
    Notification.objects.create(recipient=org.east_rep, kind="like", title="a")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        counters.counters_recount([org.east_rep.pk])
    assert len(callbacks) == 1 and not UserCounter.objects.exists()


def test_recount_skips_inactive_and_missing_people(org, commit):
    org.developer.is_active = False
    org.developer.save(update_fields=["is_active"])
    Notification.objects.create(recipient=org.developer, kind="like", title="a")
    with commit():
        counters.counters_recount([org.developer.pk, 987654])
    assert not UserCounter.objects.exists()


def test_rebuild_job_takes_a_lock(org, commit):
    from portal.notifications.jobs import REBUILD_LOCK_KEY, counters_rebuild_job

    Notification.objects.create(recipient=org.east_rep, kind="like", title="a")
    cache.add(REBUILD_LOCK_KEY, "another beat", timeout=60)
    try:
        assert counters_rebuild_job() is None
        assert not UserCounter.objects.exists()
    finally:
        cache.delete(REBUILD_LOCK_KEY)
    with commit():
        assert counters_rebuild_job() == 9  # the active people of `org`
    assert counters.counters_get(org.east_rep)["notifications.unread"] == 1
    assert cache.get(REBUILD_LOCK_KEY) is None


def _snapshot(people, keys=None):
    """Each person's stored counters (only `keys` when given)."""
    snapshot = {p.pk: counters.counters_get(p) for p in people}
    if keys is None:
        return snapshot
    return {pk: {key: values.get(key, 0) for key in keys} for pk, values in snapshot.items()}


def test_incremental_and_rebuild_give_identical_numbers(org, commit, extra_counter):
    """THE test: a random sequence of actions, counted incrementally, equals a rebuild from scratch."""
    from django.contrib.auth import get_user_model

    rng = random.Random(20240611)
    people = list(get_user_model().objects.filter(is_active=True).order_by("pk"))
    kinds = [k.key for k in services.notification_kinds()]
    for step in range(80):
        action = rng.choice(["notify", "notify", "notify", "read", "read", "read_all"])
        person = rng.choice(people)
        with commit():
            if action == "notify":
                rows = services.notify(
                    recipients=rng.sample(people, rng.randint(1, 4)),
                    kind=rng.choice(kinds),
                    title=f"step {step}",
                    actor=rng.choice([*people, None]),
                )
                # The app owning the extra counter recounts it, as a colleague's service would.
                counters.counters_recount([r.recipient_id for r in rows], [extra_counter])
            elif action == "read":
                unread = list(Notification.objects.filter(recipient=person, read_at__isnull=True)[:3])
                if unread:
                    services.notification_mark_read(user=person, notification=rng.choice(unread))
            else:
                services.notifications_mark_all_read(user=person)
    # Only the counters these actions drive: other apps' counters also follow the clock (a report falls due at
    # 19:00, a deadline comes within 24 hours), which their beat jobs recount; each app tests its own.
    keys = ["notifications.unread", extra_counter]
    incremental = _snapshot(people, keys)
    # The incremental numbers are right...
    for p in people:
        unread = Notification.objects.filter(recipient=p, read_at__isnull=True).count()
        mentions = Notification.objects.filter(recipient=p, kind="mention").count()
        mine = incremental[p.pk]
        assert (mine["notifications.unread"], mine[extra_counter]) == (unread, mentions)
    assert any(v["notifications.unread"] for v in incremental.values())
    # ...a rebuild over them changes nothing, and a rebuild from nothing gives the same numbers.
    with commit():
        counters.counters_rebuild_all()
    assert _snapshot(people, keys) == incremental
    UserCounter.objects.all().delete()
    with commit():
        assert counters.counters_rebuild_all() == len(people)
    assert _snapshot(people, keys) == incremental


def test_rebuild_drops_rows_of_unregistered_counters(org, commit):
    UserCounter.objects.create(user=org.east_rep, key="retired.key", value=9)
    with commit():
        counters.counters_rebuild_all()
    assert not UserCounter.objects.filter(key="retired.key").exists()


def test_counters_by_area_sums_the_keys(extra_counter):
    areas = counters.counters_by_area({"notifications.unread": 2, extra_counter: 3})
    assert areas["notifications"] == {"total": 2, "keys": ["notifications.unread"]}
    assert areas["stream"]["total"] == 3 and extra_counter in areas["stream"]["keys"]
