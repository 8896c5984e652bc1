"""Per-user counters: a registry of definitions, stored values, incremental recounts and the nightly rebuild.

An app registers its counters in `AppConfig.ready()`:

    register_counter("chat.unread", label=_("Unread chat messages"), area="chat", compute=unread_by_user)

`compute(user_ids)` returns `{user_id: value}` (missing ids count 0) from live data in a constant number
of queries. Services call `counters_recount(ids, keys)` in their transaction; after commit a job recomputes,
stores the values in `UserCounter` and pushes the changed ones live. Reading is one query (`counters_get`).
The nightly rebuild runs the very same `counters_store` over every active person, so both paths agree.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from portal.core.registry import CounterDefinition, registry

log = logging.getLogger(__name__)

REBUILD_BATCH_SIZE = 500


def register_counter(
    key: str,
    *,
    label,
    area: str | None,
    compute: Callable[[list[int]], dict[int, int]],
    order: int = 100,
) -> CounterDefinition:
    """Declare a counter (from an `AppConfig.ready()`); it lands in core's `registry.counters`."""
    if not key or len(key) > 64:
        raise ValueError(f"Counter key must be 1-64 characters: {key!r}")
    if not callable(compute):
        raise TypeError(f"compute of counter {key!r} must be callable")
    return registry.counters.register(
        CounterDefinition(key=key, label=label, area=area, compute=compute, order=order)
    )


def counter_definitions() -> list[CounterDefinition]:
    """Every registered counter (key, label, area, ...), in display order."""
    return registry.counters.items()


def _keys_or_all(keys: Iterable[str] | None) -> list[str]:
    if keys is None:
        return [d.key for d in counter_definitions()]
    keys = list(dict.fromkeys(keys))
    unknown = [k for k in keys if k not in registry.counters]
    if unknown:
        raise ValueError(f"Unknown counter keys: {', '.join(unknown)}")
    return keys


def counters_get(user) -> dict[str, int]:
    """Every counter of `user` (0 where nothing is stored yet). One query."""
    from .models import UserCounter

    values = {d.key: 0 for d in counter_definitions()}
    if not (user and getattr(user, "is_authenticated", False)):
        return values
    for key, value in UserCounter.objects.filter(user_id=user.pk).values_list("key", "value"):
        if key in values:
            values[key] = value
    return values


def counters_by_area(counters: dict[str, int]) -> dict[str, dict]:
    """{area: {"total": n, "keys": [...]}} for the navigation badges (keys even where the total is 0)."""
    areas: dict[str, dict] = {}
    for definition in counter_definitions():
        if not definition.area:
            continue
        entry = areas.setdefault(definition.area, {"total": 0, "keys": []})
        entry["keys"].append(definition.key)
        entry["total"] += counters.get(definition.key, 0)
    return areas


def counters_recount(user_ids: Iterable[int], keys: Iterable[str] | None = None) -> None:
    """Schedule a recount of these people's counters (all, or only `keys`) once the transaction commits."""
    ids = sorted({int(getattr(u, "pk", u)) for u in user_ids if u is not None})
    if not ids:
        return
    key_list = None if keys is None else _keys_or_all(keys)

    def enqueue() -> None:
        from .jobs import counters_recount_job

        counters_recount_job.delay(ids, key_list)

    transaction.on_commit(enqueue)


def counters_store(user_ids: list[int], keys: Iterable[str] | None = None, *, push: bool = True) -> int:
    """Recompute `keys` for `user_ids` now, store what changed and push it live. Returns rows written.

    Both the incremental job and the nightly rebuild go through here, so they cannot disagree.
    """
    from .models import UserCounter
    from .realtime import push_to_users

    ids = sorted({int(i) for i in user_ids})
    key_list = _keys_or_all(keys)
    if not ids or not key_list:
        return 0
    fresh: dict[tuple[int, str], int] = {}
    for key in key_list:
        computed = registry.counters[key].compute(ids) or {}
        for user_id in ids:
            fresh[(user_id, key)] = int(computed.get(user_id, 0) or 0)
    stored = {
        (user_id, key): value
        for user_id, key, value in UserCounter.objects.filter(user_id__in=ids, key__in=key_list).values_list(
            "user_id", "key", "value"
        )
    }
    changed = {pair: value for pair, value in fresh.items() if stored.get(pair) != value}
    if not changed:
        return 0
    now = timezone.now()
    # One upsert: concurrent recounts of the same person meet on the unique (user, key) constraint.
    UserCounter.objects.bulk_create(
        [UserCounter(user_id=u, key=k, value=v, updated_at=now) for (u, k), v in changed.items()],
        update_conflicts=True,
        unique_fields=["user", "key"],
        update_fields=["value", "updated_at"],
    )
    if push:
        per_user: dict[int, dict[str, int]] = {}
        for (user_id, key), value in changed.items():
            per_user.setdefault(user_id, {})[key] = value
        for user_id, values in per_user.items():
            push_to_users([user_id], {"event": "counters", "counters": values})
    return len(changed)


def counters_recount_now(user_ids: Iterable[int], keys: Iterable[str] | None = None) -> int:
    """The job's body: recount active people among `user_ids` (deleted or deactivated ones are skipped)."""
    from django.contrib.auth import get_user_model

    ids = {int(i) for i in user_ids}
    if not ids:
        return 0
    active = list(
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return counters_store(active, keys)


def counters_rebuild_all() -> int:
    """Recompute every counter of every active person in batches. Returns the number of people."""
    from django.contrib.auth import get_user_model

    from .models import UserCounter

    keys = [d.key for d in counter_definitions()]
    # Rows of counters no longer registered would otherwise linger forever.
    UserCounter.objects.exclude(key__in=keys).delete()
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    done = 0
    last_pk = 0
    while True:
        batch = list(users.filter(pk__gt=last_pk).values_list("pk", flat=True)[:REBUILD_BATCH_SIZE])
        if not batch:
            break
        with transaction.atomic():
            counters_store(batch, keys)
        done += len(batch)
        last_pk = batch[-1]
    log.info("counters rebuilt for %s people", done)
    return done
