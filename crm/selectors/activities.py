"""Reading activities: one by id (404 when hidden), the "my activities" list, and links around them."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from portal.core.errors import NotFound
from portal.core.links import url_for_pk

from ..models import Activity
from ..models.links import LINK_FIELDS

# The task app's pages a to-do links to (its new-task form takes ?from_crm_activity=<pk>). Only URL names:
# the CRM does not import the task app; without it the links are simply not shown.
TASK_CREATE_URL = "tasks:create"
TASK_URL = "tasks:detail"
RECORD_URLS = {"lead": "crm:lead", "contact": "crm:contact", "company": "crm:company", "deal": "crm:deal"}


def activity_get(*, user, pk) -> Activity:
    """The activity with id `pk` if the person sees it (a linked record, or they are responsible)."""
    try:
        return Activity.objects.visible_to(user).select_related("responsible", *LINK_FIELDS).get(pk=int(pk))
    except (Activity.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def activity_filterset(*, user, filters=None, request=None, mine_by_default: bool = True):
    """The bound `ActivityFilterSet` over the activities the person sees; without a `responsible` filter (and
    with `mine_by_default`) it keeps to the person's own."""
    from ..filters.activities import ActivityFilterSet

    # A copy (a request's QueryDict is immutable; a copy of one keeps its repeated keys).
    data = filters.copy() if filters is not None else {}
    if mine_by_default and not data.get("responsible"):
        data["responsible"] = str(user.pk)
    return ActivityFilterSet(data, Activity.objects.visible_to(user), request=request)


def activity_list(*, user, filters=None, request=None, mine_by_default: bool = True) -> QuerySet[Activity]:
    """The activities the person sees, filtered by `ActivityFilterSet` (without a `responsible` filter: the
    person's own), open ones first by deadline (overdue on top), then done ones, latest first."""
    filterset = activity_filterset(
        user=user, filters=filters, request=request, mine_by_default=mine_by_default
    )
    queryset = filterset.qs if filterset.is_valid() else Activity.objects.none()
    return queryset.select_related("responsible", *LINK_FIELDS).order_by(
        "is_done", F("deadline").asc(nulls_last=True), F("done_at").desc(nulls_last=True), "-id"
    )


def activities_overdue_q(now=None) -> Q:
    """Open activities past their deadline."""
    return Q(is_done=False, deadline__lt=now or timezone.now())


def record_url(entity: str, pk) -> str:
    """The record's page, or "" while the record pages are not installed."""
    try:
        return url_for_pk(RECORD_URLS[entity], pk)
    except (KeyError, NoReverseMatch, ValueError, TypeError):
        return ""


def activity_record_url(pk) -> str:
    """The page of the first record an activity is on (a deal before its contact, company, lead)."""
    row = Activity.objects.filter(pk=pk).values(*(f"{name}_id" for name in LINK_FIELDS)).first() or {}
    for name in ("deal", "contact", "company", "lead"):
        if row.get(f"{name}_id"):
            return record_url(name, row[f"{name}_id"])
    return ""


def task_create_url(activity_pk) -> str:
    try:
        return f"{reverse(TASK_CREATE_URL)}?from_crm_activity={int(activity_pk)}"
    except NoReverseMatch:
        return ""


def task_url(task_id) -> str:
    if not task_id:
        return ""
    try:
        return url_for_pk(TASK_URL, task_id)
    except (NoReverseMatch, ValueError):
        return ""
