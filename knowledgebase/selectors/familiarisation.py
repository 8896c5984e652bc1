"""Reads of familiarisation, already permission-filtered: campaigns, the progress of one campaign per person,
a person's reading list, what the confirm button at the end of a page asks, and the stored counters' compute."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from portal.core.errors import NotFound
from portal.core.permissions import get_visible

from ..models.familiarisation import Campaign, CampaignStatus, ReadingAssignment, ReadingState
from ..models.pages import Page


def _today() -> datetime.date:
    return timezone.localdate()


# --- counters (compute for the counters registry: one query each) ---------------------------------------------


def to_read_counts(user_ids: list[int]) -> dict[int, int]:
    """Pages each person is asked to read and has not confirmed (running campaigns)."""
    rows = (
        ReadingAssignment.objects.open()
        .filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(n=Count("page_id", distinct=True))
        .values_list("user_id", "n")
    )
    return dict(rows)


def overdue_counts(user_ids: list[int], today: datetime.date | None = None) -> dict[int, int]:
    """Of those, the pages past their deadline."""
    rows = (
        ReadingAssignment.objects.overdue(today or _today())
        .filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(n=Count("page_id", distinct=True))
        .values_list("user_id", "n")
    )
    return dict(rows)


# --- who may read a space (the reverse of `Space.objects.visible_to`) ------------------------------------------


def space_reader_ids(space, user_ids) -> list[int]:
    """The active people among `user_ids` who may read `space`'s published pages, in one query: everyone when
    every employee reads it; else admins, its responsible editor and owner, and the grantees of its grants
    (people, departments with or without their sub-departments, workgroups' members). Mirrors
    `Space.objects.visible_to`."""
    from portal.groups.models import Membership
    from portal.people.models import Department

    from ..choices import EveryoneAccess
    from ..models import SpaceGrant, SpaceUserObjectPermission

    people = get_user_model().objects.filter(pk__in=sorted(set(user_ids)), is_active=True)
    if space.everyone_access != EveryoneAccess.NONE:
        return list(people.order_by("pk").values_list("pk", flat=True))
    grants = list(
        SpaceGrant.objects.filter(content_object=space).values_list(
            "user_id", "department_id", "include_subdepartments", "workgroup_id"
        )
    )
    named = {space.responsible_id, space.owner_id} | {user for user, *_rest in grants}
    condition = (
        Q(is_staff=True)
        | Q(is_superuser=True)
        | Q(pk__in=[pk for pk in named if pk])
        | Q(pk__in=SpaceUserObjectPermission.objects.filter(content_object=space).values("user_id"))
        | Q(department_id__in=[d for _u, d, sub, _w in grants if d and not sub])
    )
    groups = [w for *_rest, w in grants if w]
    if groups:
        condition |= Q(pk__in=Membership.objects.filter(group_id__in=groups).values("user_id"))
    with_sub = [d for _u, d, sub, _w in grants if d and sub]
    for path in Department.objects.filter(pk__in=with_sub).values_list("path", flat=True):
        condition |= Q(department__path__startswith=path)
    return list(people.filter(condition).order_by("pk").values_list("pk", flat=True))


# --- campaigns -------------------------------------------------------------------------------------------------


def campaign_list(*, user, queryset: QuerySet | None = None) -> QuerySet[Campaign]:
    """Campaigns the user may see (a FilterSet's queryset when given), newest first, with their counts."""
    qs = queryset if queryset is not None else Campaign.objects.visible_to(user)
    return (
        qs.select_related("space", "created_by")
        .annotate(
            asked=Count("assignments", distinct=True),
            confirmed=Count("assignments", filter=Q(assignments__confirmed_at__isnull=False), distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def campaign_get(*, user, pk) -> Campaign:
    """One campaign the user may see; 404 for hidden and missing alike."""
    return get_visible(Campaign.objects.visible_to(user).select_related("space", "created_by"), pk=pk)


@dataclass
class PersonProgress:
    """One person's line of a campaign's progress: each page's state, and the person's overall state."""

    person: object
    rows: list = field(default_factory=list)
    read: int = 0
    total: int = 0
    overdue: bool = False
    confirmed_at: datetime.datetime | None = None

    @property
    def state(self) -> str:
        if self.total and self.read == self.total:
            return ReadingState.READ
        return ReadingState.OVERDUE if self.overdue else ReadingState.PENDING


def campaign_progress(*, user, campaign: Campaign, state: str = "") -> list[PersonProgress]:
    """Per person, what the viewer may see of the campaign: everyone for its author and the space's editors,
    their own people for a supervisor, themselves for anyone else. One query."""
    today = _today()
    rows = (
        ReadingAssignment.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("user", "page")
        .order_by("user__last_name", "user__first_name", "user_id", "page__title", "page_id")
    )
    people: dict[int, PersonProgress] = {}
    for row in rows:
        line = people.get(row.user_id)
        if line is None:
            line = people[row.user_id] = PersonProgress(person=row.user)
        row.reading_state = row.state(today)
        line.rows.append(row)
        line.total += 1
        if row.confirmed_at:
            line.read += 1
            line.confirmed_at = max(filter(None, [line.confirmed_at, row.confirmed_at]))
        elif row.due_on < today:
            line.overdue = True
    lines = list(people.values())
    if state:
        lines = [line for line in lines if line.state == state]
    return lines


def progress_summary(lines: list[PersonProgress]) -> dict[str, int]:
    summary = {ReadingState.READ: 0, ReadingState.PENDING: 0, ReadingState.OVERDUE: 0}
    for line in lines:
        summary[line.state] += 1
    return {str(k): v for k, v in summary.items()} | {"total": len(lines)}


# --- a person's reading --------------------------------------------------------------------------------------


def reading_list(*, user, queryset: QuerySet | None = None) -> QuerySet[ReadingAssignment]:
    """What the user is asked to read and has not confirmed yet, the nearest deadline first (one row per
    campaign and page)."""
    qs = queryset if queryset is not None else ReadingAssignment.objects.visible_to(user)
    return (
        qs.open()
        .filter(user=user)
        .select_related("page", "page__space", "campaign")
        .order_by("due_on", "page__title", "id")
    )


def reading_person(*, user, person_id: int, queryset: QuerySet | None = None) -> tuple[object, QuerySet]:
    """The open requests of one person as the viewer may see them (themselves, their supervisor, the
    campaigns' editors): the list behind the dashboard's cell. 404 for a person the viewer may not follow."""
    person = get_user_model().objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    qs = queryset if queryset is not None else ReadingAssignment.objects.visible_to(user)
    rows = (
        qs.open()
        .filter(user_id=person_id)
        .select_related("page", "page__space", "campaign")
        .order_by("due_on", "page__title", "id")
    )
    if not _may_follow(user, person):
        raise NotFound()
    return person, rows


def _may_follow(user, person) -> bool:
    """Whose reading the viewer may follow: their own, their people's (the sub-tree they head), anyone's as an
    admin, and the people asked by a campaign the viewer sees everyone of."""
    from portal.core.permissions import is_portal_admin
    from portal.people.selectors import subordinates_of

    if person.pk == user.pk or is_portal_admin(user):
        return True
    if subordinates_of(user, recursive=True).filter(pk=person.pk).exists():
        return True
    return ReadingAssignment.objects.visible_to(user).filter(user_id=person.pk).exists()


def page_reading(*, user, page: Page) -> dict | None:
    """What the end of a page shows the reader: their open requests to read it (with the questions to
    answer), or the date they confirmed it; None when nobody asked them. One query."""
    rows = list(
        ReadingAssignment.objects.filter(
            page=page, user_id=getattr(user, "pk", None), campaign__status=CampaignStatus.RUNNING
        ).select_related("campaign")
    )
    if not rows:
        return None
    open_rows = [r for r in rows if r.confirmed_at is None]
    questions = [
        {"campaign": r.campaign, "options": list(enumerate(r.campaign.options))}
        for r in open_rows
        if r.campaign.question
    ]
    confirmed = max((r.confirmed_at for r in rows if r.confirmed_at), default=None)
    return {
        "open": open_rows,
        "due_on": min((r.due_on for r in open_rows), default=None),
        "questions": questions,
        "confirmed_at": confirmed,
        "overdue": any(r.due_on < _today() for r in open_rows),
    }
