"""Reads of the activity stream; everything starts from `Entry.objects.visible_to(user)`.

The feed is keyset-paginated on (created_at, id): a page is one indexed query for the ids (the cost does
not grow with depth), then one load of those entries with a fixed set of prefetches (authors, audience,
polls, albums, latest comments), whatever the number of entries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Length, Substr
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from portal.core.permissions import get_visible, is_portal_admin

from .extensions import entries_extend
from .models import (
    Album,
    Comment,
    Entry,
    EntryAudience,
    EntryRead,
    Like,
    Photo,
    PollBallot,
    PollVote,
)

PAGE_SIZE = 20
FEED_COMMENTS = 3
FEED_PHOTOS = 6
PINNED_MAX = 10


# --- cursors ---------------------------------------------------------------------------------------


def cursor_for(entry: Entry) -> str:
    """The keyset position after `entry`, as a URL-safe string."""
    return f"{entry.created_at.isoformat()}_{entry.pk}"


def cursor_parse(value: str | None) -> tuple[datetime.datetime, int] | None:
    if not value:
        return None
    stamp, _sep, pk = str(value).replace(" ", "+").rpartition("_")
    moment = parse_datetime(stamp) if stamp else None
    if moment is None or not pk.isdecimal():
        raise ValidationError({"before": [_("The position in the feed is not valid.")]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment, int(pk)


# --- entries ---------------------------------------------------------------------------------------


def entry_list(*, user, filters=None) -> QuerySet[Entry]:
    """Entries the user may see, newest first, filtered by the one FilterSet of the page and the API."""
    from .filters import EntryFilterSet

    qs = Entry.objects.visible_to(user)
    if filters is not None:
        filterset = EntryFilterSet(filters, queryset=qs, user=user)
        if not filterset.is_valid():
            raise ValidationError({k: list(v) for k, v in filterset.errors.items()})
        qs = filterset.qs
    return qs.order_by("-created_at", "-id")


def entries_decorate(qs: QuerySet[Entry], *, user) -> QuerySet[Entry]:
    """Everything a feed card needs, in a fixed number of queries whatever the number of entries (the latest
    comments come with `entries_load` and `entry_get`)."""
    uid = getattr(user, "pk", None)
    return (
        qs.select_related("author", "author__department", "poll", "album")
        .annotate(
            liked_by_me=Exists(Like.objects.filter(entry=OuterRef("pk"), photo__isnull=True, user_id=uid)),
            read_by_me=Exists(EntryRead.objects.filter(entry=OuterRef("pk"), user_id=uid)),
            voted_by_me=Exists(PollBallot.objects.filter(poll__entry=OuterRef("pk"), user_id=uid)),
        )
        .prefetch_related(
            Prefetch(
                "audience", queryset=EntryAudience.objects.select_related("department", "group", "user")
            ),
            "poll__options",
            Prefetch(
                "album__photos", queryset=Photo.objects.order_by("id")[:FEED_PHOTOS], to_attr="first_photos"
            ),
        )
    )


def _attach_latest_comments(entries: list[Entry]) -> None:
    """`latest_comments` of each entry, oldest first: one query for the entries that have comments (their
    stored count says so), none when no entry of the page has any."""
    commented = []
    for entry in entries:
        if entry.comments_count:
            # (No attribute yet: the prefetch skips an instance that has its `to_attr` already.)
            entry.__dict__.pop("latest_comments", None)
            commented.append(entry)
        else:
            entry.latest_comments = []
    if commented:
        prefetch_related_objects(
            commented,
            Prefetch(
                "comments",
                queryset=Comment.objects.filter(photo__isnull=True)
                .select_related("author")
                .order_by("-created_at", "-id")[:FEED_COMMENTS],
                to_attr="latest_comments",
            ),
        )
        for entry in commented:
            entry.latest_comments.reverse()


def _attach_my_choices(entries: list[Entry], *, user) -> None:
    polls = {e.poll.pk: e.poll for e in entries if poll_of(e) is not None}
    chosen: dict[int, set[int]] = {pk: set() for pk in polls}
    if polls and getattr(user, "pk", None):
        votes = PollVote.objects.filter(ballot__user_id=user.pk, ballot__poll_id__in=list(polls)).values_list(
            "ballot__poll_id", "option_id"
        )
        for poll_id, option_id in votes:
            chosen[poll_id].add(option_id)
    for pk, poll in polls.items():
        poll.my_option_ids = chosen[pk]


def poll_of(entry: Entry):
    try:
        return entry.poll
    except Entry.poll.RelatedObjectDoesNotExist:
        return None


def _album_of(entry: Entry):
    try:
        return entry.album
    except Entry.album.RelatedObjectDoesNotExist:
        return None


def entries_load(*, user, ids: list[int]) -> list[Entry]:
    """The decorated entries of `ids`, in the order given."""
    if not ids:
        return []
    by_id = {e.pk: e for e in entries_decorate(Entry.objects.filter(pk__in=ids), user=user)}
    entries = [by_id[i] for i in ids if i in by_id]
    _attach_latest_comments(entries)
    for entry in entries:
        entry.poll_or_none = poll_of(entry)
        entry.album_or_none = _album_of(entry)
    _attach_my_choices(entries, user=user)
    entries_extend(user, entries)
    return entries


def pinned_ids(*, user) -> list[int]:
    """Important entries the user has not confirmed yet: pinned at the top of their feed."""
    if not getattr(user, "pk", None):
        return []
    qs = (
        Entry.objects.visible_to(user)
        .filter(is_important=True)
        .exclude(Exists(EntryRead.objects.filter(entry=OuterRef("pk"), user_id=user.pk)))
        .order_by("-created_at", "-id")
    )
    return list(qs.values_list("id", flat=True)[:PINNED_MAX])


def feed_page(
    *,
    user,
    filters=None,
    before: str | None = None,
    limit: int = PAGE_SIZE,
    exclude_ids: list[int] | None = None,
) -> list[Entry]:
    """One page of the feed, newest first, after the keyset position `before` (a `cursor_for` string).

    One indexed query for the ids, then `entries_load`. Pass `limit=PAGE_SIZE + 1` to learn whether
    another page follows.
    """
    qs = entry_list(user=user, filters=filters)
    position = cursor_parse(before)
    if position is not None:
        moment, pk = position
        # `created_at <= moment` is the index condition; the OR only breaks ties on the same instant.
        qs = qs.filter(created_at__lte=moment).filter(Q(created_at__lt=moment) | Q(id__lt=pk))
    if exclude_ids:
        qs = qs.exclude(pk__in=exclude_ids)
    ids = list(qs.values_list("id", flat=True)[:limit])
    return entries_load(user=user, ids=ids)


def entry_get(*, user, pk) -> Entry:
    """One entry with everything its page needs; hidden and missing alike answer 404."""
    entry = get_visible(entries_decorate(Entry.objects.visible_to(user), user=user), pk=pk)
    _attach_latest_comments([entry])
    entry.poll_or_none = poll_of(entry)
    entry.album_or_none = _album_of(entry)
    _attach_my_choices([entry], user=user)
    entries_extend(user, [entry])
    return entry


def entry_get_plain(*, user, pk) -> Entry:
    """One visible entry without decoration (for writes)."""
    return get_visible(Entry.objects.visible_to(user).select_related("author"), pk=pk)


def comment_threads(*, user, entry: Entry, photo: Photo | None = None) -> list[Comment]:
    """Top-level comments of an entry (or of one photo), oldest first, each with `.thread` of replies."""
    comments = list(
        Comment.objects.visible_to(user)
        .filter(entry=entry, photo=photo)
        .select_related("author")
        .order_by("created_at", "id")
    )
    by_id = {c.pk: c for c in comments}
    top = []
    for comment in comments:
        comment.thread = []
    for comment in comments:
        parent = by_id.get(comment.parent_id)
        if parent is None:
            top.append(comment)
        else:
            parent.thread.append(comment)
    return top


def comment_list(*, user, entry: Entry, photo: Photo | None = None) -> QuerySet[Comment]:
    return (
        Comment.objects.visible_to(user)
        .filter(entry=entry, photo=photo)
        .select_related("author")
        .order_by("created_at", "id")
    )


def comment_get(*, user, pk) -> Comment:
    return get_visible(Comment.objects.visible_to(user).select_related("entry", "author", "photo"), pk=pk)


def like_list(*, user, entry: Entry, photo: Photo | None = None) -> QuerySet[Like]:
    """Who liked the entry (or photo), newest first."""
    return (
        Like.objects.filter(entry__in=Entry.objects.visible_to(user))
        .filter(entry=entry, photo=photo)
        .select_related("user", "user__department")
        .order_by("-created_at", "-id")
    )


def can_see_readers(user, entry: Entry) -> bool:
    return bool(user and user.is_authenticated and (entry.author_id == user.pk or is_portal_admin(user)))


@dataclass
class ReadReport:
    read: list
    unread: list


def announcement_readers(*, user, entry: Entry) -> ReadReport:
    """Who has and has not confirmed an important entry (its author and admins ask)."""
    from .audience import entry_audience_users

    reads = {r.user_id: r.read_at for r in EntryRead.objects.filter(entry=entry).only("user_id", "read_at")}
    people = list(
        entry_audience_users(entry)
        .exclude(pk=entry.author_id)
        .select_related("department")
        .order_by("last_name", "first_name", "id")
    )
    read, unread = [], []
    for person in people:
        if person.pk in reads:
            person.read_at = reads[person.pk]
            read.append(person)
        else:
            unread.append(person)
    read.sort(key=lambda p: p.read_at, reverse=True)
    return ReadReport(read=read, unread=unread)


# --- albums and photos -----------------------------------------------------------------------------


def album_get(*, user, pk) -> Album:
    qs = Album.objects.filter(entry__in=Entry.objects.visible_to(user)).select_related(
        "entry", "entry__author"
    )
    return get_visible(qs, pk=pk)


def album_photos(*, user, album: Album) -> QuerySet[Photo]:
    return Photo.objects.visible_to(user).filter(album=album).order_by("id")


def photo_get(*, user, pk) -> Photo:
    uid = getattr(user, "pk", None)
    qs = (
        Photo.objects.visible_to(user)
        .select_related("album", "album__entry", "album__entry__author", "uploaded_by")
        .annotate(liked_by_me=Exists(Like.objects.filter(photo=OuterRef("pk"), user_id=uid)))
    )
    return get_visible(qs, pk=pk)


def photo_neighbours(*, photo: Photo) -> tuple[int | None, int | None]:
    ids = list(Photo.objects.filter(album_id=photo.album_id).order_by("id").values_list("id", flat=True))
    i = ids.index(photo.pk)
    return (ids[i - 1] if i > 0 else None, ids[i + 1] if i + 1 < len(ids) else None)


# --- sidebar ---------------------------------------------------------------------------------------


def _upcoming(today: datetime.date, days: int) -> list[datetime.date]:
    return [today + datetime.timedelta(days=i) for i in range(days)]


def celebrations(*, user, days: int = 7) -> dict[str, list]:
    """Birthdays and work anniversaries (by the day someone joined) today and in the coming week.

    The same for every employee, so computed once a day (people's per-day cache, recomputed when a person
    changes)."""
    from portal.people.selectors import people_daily

    if not (user and user.is_authenticated and user.is_active):
        return {key: [] for key in CELEBRATION_KEYS}
    return people_daily(f"celebrations:{days}", lambda: _celebrations(user=user, days=days))


CELEBRATION_KEYS = ("birthdays_today", "birthdays_week", "anniversaries_today", "anniversaries_week")


def _celebrations(*, user, days: int) -> dict[str, list]:
    from portal.people.models import User
    from portal.people.selectors import birthdays_upcoming

    today = timezone.localdate()
    birthdays = birthdays_upcoming(user=user, days=days)
    dates = _upcoming(today, days)
    condition = Q()
    for d in dates:
        condition |= Q(date_joined__month=d.month, date_joined__day=d.day)
    joined_before = today.replace(day=1) - datetime.timedelta(days=300)
    people = list(
        User.objects.filter(is_active=True, date_joined__date__lt=joined_before)
        .filter(condition)
        .order_by("last_name", "first_name", "id")[:50]
    )
    order = {(d.month, d.day): i for i, d in enumerate(dates)}
    anniversaries = []
    for person in people:
        joined = timezone.localtime(person.date_joined).date()
        key = (joined.month, joined.day)
        if key not in order:
            continue
        when = dates[order[key]]
        person.years = when.year - joined.year
        person.anniversary = when
        if person.years >= 1:
            anniversaries.append(person)
    anniversaries.sort(key=lambda p: (p.anniversary, p.last_name))
    for person in birthdays:
        person.celebration_day = person.birthday.replace(year=today.year) if person.birthday else None
    return {
        "birthdays_today": [
            p for p in birthdays if (p.birthday.month, p.birthday.day) == (today.month, today.day)
        ],
        "birthdays_week": [
            p for p in birthdays if (p.birthday.month, p.birthday.day) != (today.month, today.day)
        ],
        "anniversaries_today": [p for p in anniversaries if p.anniversary == today],
        "anniversaries_week": [p for p in anniversaries if p.anniversary != today],
    }


def groups_addressable(*, user):
    """Workgroups the user may post to: their own (all for admins), not archived."""
    from portal.groups.models import Workgroup

    return Workgroup.objects.member_of(user).filter(is_archived=False).order_by("name", "id")


def mention_candidates(*, user, query: str, limit: int = 8):
    """Colleagues for the mention and audience pickers, by name or e-mail."""
    from portal.people.selectors import people_pick

    return people_pick(user=user, query=query, limit=limit)


# --- counters --------------------------------------------------------------------------------------


def important_unread_counts(user_ids: list[int]) -> dict[int, int]:
    """`stream.important_unread` for many people in one query: important entries each may see and has
    not confirmed. Mirrors `Entry.objects.visible_to` (checked against it in the tests)."""
    from portal.groups.models import Membership
    from portal.people.models import User

    if not user_ids:
        return {}
    unread = Entry.objects.filter(is_important=True).exclude(
        Exists(EntryRead.objects.filter(entry=OuterRef("pk"), user_id=OuterRef(OuterRef("pk"))))
    )
    reach = (
        Q(user_id=OuterRef(OuterRef("pk")))
        | Q(
            group_id__in=Membership.objects.filter(user_id=OuterRef(OuterRef(OuterRef("pk")))).values(
                "group_id"
            )
        )
        | Q(department__path=Substr(OuterRef(OuterRef("department__path")), 1, Length("department__path")))
    )
    audience = EntryAudience.objects.filter(entry=OuterRef("pk")).filter(reach)
    visible = unread.filter(Q(audience_everyone=True) | Q(author_id=OuterRef("pk")) | Exists(audience))

    def counted(qs):
        rows = qs.order_by().values("is_important").annotate(n=Count("id")).values("n")
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    people = (
        User.objects.filter(pk__in=user_ids)
        .annotate(as_admin=counted(unread), as_person=counted(visible))
        .values_list("pk", "is_staff", "is_superuser", "as_admin", "as_person")
    )
    return {
        pk: (admin_n if (staff or superuser) else person_n)
        for pk, staff, superuser, admin_n, person_n in people
    }


# --- the start page ----------------------------------------------------------------------------------------


def important_unread_first(*, user, limit: int) -> tuple[list[dict], int]:
    """Important entries `user` may see and has not confirmed ("I have read it"), newest first:
    ([{"id", "body", "created_at", "author__first_name", "author__last_name"}, ...] up to `limit`, how many in
    all). One query for the lines and the total (a window count), after the departments above the reader's."""
    if not getattr(user, "pk", None):
        return [], 0
    qs = (
        Entry.objects.visible_to(user)
        .filter(is_important=True)
        .exclude(Exists(EntryRead.objects.filter(entry=OuterRef("pk"), user_id=user.pk)))
        .order_by("-created_at", "-id")
        .annotate(home_total=Window(Count("id")))
    )
    fields = ("id", "body", "created_at", "author__first_name", "author__last_name", "home_total")
    rows = list(qs.values(*fields)[: max(limit, 1)])
    return rows[:limit], (rows[0]["home_total"] if rows else 0)
