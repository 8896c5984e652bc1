"""Reads behind the workflows app's parts of the control pages and the start page: the approvals waiting on a
person (the control dashboard's cell and the fragment it opens), the digests' lines (what waits on a
supervisor's people for more than a day, what waits for the supervisor), and the "Approvals waiting for me"
card of the start page.

"Waiting" is what the stored counter `workflows_waiting` counts: a person's assignments without a decision,
still active, on the active step of a running process. Every read here costs a constant number of queries,
whatever the number of people or processes.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from portal.core.links import url_for_pk

from ..choices import ProcessStatus, StepStatus
from ..models import Process, StepAssignment

# Rows of the dashboard's fragment, of a digest section, of the start page's card.
DETAIL_ROWS = 20
DIGEST_ROWS = 10
PEOPLE_LISTED = 25
# A digest lists what has waited on a supervisor's people for longer than this.
DIGEST_WAITING_AFTER = datetime.timedelta(days=1)


def waiting_assignments() -> QuerySet[StepAssignment]:
    """Every assignment that waits for its person's decision (what `workflows_waiting` counts)."""
    return StepAssignment.objects.filter(
        decision="",
        active=True,
        step__status=StepStatus.ACTIVE,
        step__process__status=ProcessStatus.RUNNING,
    )


def process_url(pk: int) -> str:
    """The page of a process ("" while it is not routed)."""
    try:
        return url_for_pk("workflows:process_detail", pk)
    except NoReverseMatch:
        return ""


def process_list_url(scope: str = "waiting") -> str:
    """The list of processes of a scope ("mine", "waiting", "all"), "" while it is not routed."""
    try:
        return f"{reverse('workflows:process_list')}?scope={scope}"
    except NoReverseMatch:
        return ""


def _name(first: str | None, last: str | None, email: str | None = "") -> str:
    return f"{first or ''} {last or ''}".strip() or (email or "")


def _person_of(user) -> str:
    return (user.full_name or user.email) if user is not None else ""


# --- the dashboard's fragment (views/control.py) -----------------------------------------------------------


def control_person_get(*, viewer, person_id: int):
    """The active person with this id whom `viewer` controls (their sub-tree; portal admins everyone but
    themselves); NotFound for a missing person and one they do not control alike. The reports app keeps an
    equal rule of its own: the apps do not import each other."""
    from portal.core.errors import NotFound
    from portal.core.permissions import is_portal_admin
    from portal.core.visibility import is_active_person
    from portal.people.models import User
    from portal.people.selectors import supervises

    person = User.objects.filter(pk=person_id, is_active=True).first() if is_active_person(viewer) else None
    if person is None or person.pk == viewer.pk:
        raise NotFound()
    if not (is_portal_admin(viewer) or supervises(viewer, person)):
        raise NotFound()
    return person


def reminder_key(person_id: int) -> str:
    return f"workflows.control.waiting:{person_id}"


def control_detail(*, viewer, person) -> dict:
    """The approvals waiting on `person`, as `viewer` may see them: {"rows": [...] (the longest waiting
    first), "total": n (all of them, seen or not), "hidden": how many `viewer` may not open, "reminded":
    whether someone reminded the person of them today}. A constant number of queries."""
    from portal.notifications.services import reminder_sent

    now = timezone.now()
    everything = Process.objects.waiting_for(person)
    seen = Process.objects.visible_to(viewer).filter(pk__in=everything.values("pk"))
    items = list(
        seen.select_related("requester", "current_step", "template").order_by(
            "current_step__started_at", "pk"
        )[:DETAIL_ROWS]
    )
    rows = [
        {
            "pk": process.pk,
            "title": process.title,
            "url": process_url(process.pk),
            "template": process.template.name,
            "requester": _person_of(process.requester),
            "step": process.current_step.name if process.current_step else "",
            "since": process.current_step.started_at if process.current_step else process.submitted_at,
            "overdue": bool(
                process.current_step and process.current_step.due_at and process.current_step.due_at < now
            ),
        }
        for process in items
    ]
    total = everything.count()
    shown = seen.count()
    return {
        "rows": rows,
        "total": total,
        "hidden": max(total - shown, 0),
        "reminded": reminder_sent(recipient=person, key=reminder_key(person.pk), date=timezone.localdate()),
    }


# --- the digests ----------------------------------------------------------------------------------------


def _local(moment: datetime.datetime | None, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _person(people: dict[int, dict], user_id: int) -> dict:
    row = people.get(user_id) or {}
    name = _name(row.get("first_name"), row.get("last_name"), row.get("email"))
    return {"id": user_id, "name": name or "?"}


def digest_people_compute(*, recipient, user_ids, people, zone, now, kind) -> dict:
    """Approvals waiting on the recipient's people for more than a day: how many per person (one query), and
    the longest waiting of those the recipient may open (one query). JSON-ready."""
    since = now - DIGEST_WAITING_AFTER
    late = waiting_assignments().filter(user_id__in=list(user_ids), step__started_at__lt=since)
    by_person = dict(late.order_by().values("user_id").annotate(n=Count("id")).values_list("user_id", "n"))
    rows = (
        late.filter(step__process__in=Process.objects.visible_to(recipient).values("pk"))
        .order_by("step__started_at", "pk")
        .values("user_id", "step__started_at", "step__process_id", "step__process__title")[:DIGEST_ROWS]
    )
    items = [
        {
            "id": row["step__process_id"],
            "title": row["step__process__title"],
            "url": process_url(row["step__process_id"]),
            "person": _person(people, row["user_id"]),
            "since": _local(row["step__started_at"], zone),
            "days": max(0, (now - row["step__started_at"]).days),
        }
        for row in rows
    ]
    ranking = sorted(by_person.items(), key=lambda pair: (-pair[1], _person(people, pair[0])["name"].lower()))
    return {
        "total": sum(by_person.values()),
        "items": items,
        "by_person": [
            {"person": _person(people, user_id), "count": n, "url": _control_url(user_id)}
            for user_id, n in ranking[:PEOPLE_LISTED]
        ],
        "url": "",
    }


def _control_url(user_id: int) -> str:
    try:
        return url_for_pk("workflows:control_waiting", user_id)
    except NoReverseMatch:
        return ""


def digest_mine_compute(*, recipient, user_ids, people, zone, now, kind) -> dict:
    """The approvals waiting for the recipient's own decision: how many (one query) and the longest waiting
    (one query). JSON-ready."""
    mine = Process.objects.waiting_for(recipient)
    rows = mine.order_by("current_step__started_at", "pk").values(
        "pk",
        "title",
        "current_step__started_at",
        "requester__first_name",
        "requester__last_name",
        "requester__email",
    )[:DIGEST_ROWS]
    items = [
        {
            "id": row["pk"],
            "title": row["title"],
            "url": process_url(row["pk"]),
            "requester": _name(
                row["requester__first_name"], row["requester__last_name"], row["requester__email"]
            ),
            "since": _local(row["current_step__started_at"], zone),
        }
        for row in rows
    ]
    return {"total": mine.count(), "items": items, "url": process_list_url("waiting")}


# --- the start page's card --------------------------------------------------------------------------------


def waiting_for_me(*, user, limit: int) -> tuple[list[Process], int]:
    """The processes waiting for `user`'s decision, the longest waiting first (at most `limit`), and how many
    there are. Two queries."""
    mine = Process.objects.waiting_for(user)
    rows = list(
        mine.select_related("requester", "current_step").order_by("current_step__started_at", "pk")[:limit]
    )
    total = len(rows) if len(rows) < limit else mine.count()
    return rows, total
