"""Reads behind the CRM's parts of the control pages: the activities a person completed in a period (the work
report's pre-fill), who may see them, and where each leads."""

from __future__ import annotations

import datetime

from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from portal.core.links import url_for_pk

from ..choices import ActivityKind
from ..models import Activity

# The record an activity is shown under, first found: (link field, route of its page, its name).
RECORD_LINKS = (
    ("deal", "crm:deal", lambda r: r.title),
    ("lead", "crm:lead", lambda r: r.title),
    ("contact", "crm:contact", lambda r: r.full_name or f"#{r.pk}"),
    ("company", "crm:company", lambda r: r.name),
)


def _record(activity: Activity) -> tuple[str, str]:
    """(the name, the page) of the record the activity belongs to ("", "" without one)."""
    for field, route, name in RECORD_LINKS:
        if getattr(activity, f"{field}_id"):
            record = getattr(activity, field)
            try:
                url = url_for_pk(route, record.pk)
            except NoReverseMatch:  # a record page not routed: the line stays without a link
                url = ""
            return name(record), url
    return "", ""


def activities_done(*, user, start_at: datetime.datetime, end_at: datetime.datetime) -> list[dict]:
    """The CRM activities `user` completed (as responsible) within [start_at, end_at): calls, meetings,
    e-mails and to-dos, each with the record it concerns. One query. JSON-ready."""
    rows = (
        Activity.objects.filter(responsible=user, is_done=True, done_at__gte=start_at, done_at__lt=end_at)
        .select_related("deal", "lead", "contact", "company")
        .only(
            "id",
            "kind",
            "subject",
            "done_at",
            "deal__title",
            "lead__title",
            "contact__first_name",
            "contact__middle_name",
            "contact__last_name",
            "company__name",
        )
        .order_by("done_at", "id")
    )
    items = []
    for activity in rows:
        record, url = _record(activity)
        kind = (
            str(ActivityKind(activity.kind).label) if activity.kind in ActivityKind.values else activity.kind
        )
        title = f"{kind}: {activity.subject}"
        if record:
            title = _("%(activity)s · %(record)s") % {"activity": title, "record": record}
        items.append(
            {
                "id": activity.pk,
                "title": title,
                "url": url,
                "kind": activity.kind,
                "record": record,
                "done_at": activity.done_at.isoformat(),
            }
        )
    return items


def activities_visible(reader, ids) -> list[int]:
    """The ids among `ids` of the activities `reader` may see (those of records they see, and their own)."""
    return list(Activity.objects.visible_to(reader).filter(pk__in=list(ids)).values_list("pk", flat=True))


def activity_url(pk) -> str:
    """The page of the record an activity belongs to (one query)."""
    activity = (
        Activity.objects.filter(pk=pk)
        .select_related("deal", "lead", "contact", "company")
        .only("id", "deal__title", "lead__title", "contact__first_name", "company__name")
        .first()
    )
    return _record(activity)[1] if activity is not None else ""


# --- the dashboard's fragments (crm/views/control.py) -------------------------------------------------------

DETAIL_ROWS = 20


def control_person_get(*, viewer, person_id: int):
    """The person `viewer` controls with this id (their sub-tree; portal admins everyone but themselves);
    NotFound for a missing person and one they do not control alike. The reports and tasks apps keep an equal
    rule of their own: the apps do not import each other."""
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


def reminder_key(kind: str, person_id: int) -> str:
    return f"crm.control.{kind}:{person_id}"


def control_detail(*, viewer, person, kind: str) -> dict:
    """What a CRM cell of `person` stands for, as `viewer` may see it: {"rows": [...], "total": n (all of them,
    seen or not), "hidden": how many the viewer's CRM roles do not show, "reminded": bool}. A constant number of
    queries."""
    from django.utils import timezone

    from portal.notifications.services import reminder_sent

    from .. import counters
    from ..models import Activity, Deal, Lead
    from ..services.activities import activity_may_change

    now = timezone.now()
    if kind == "activities":
        everything = Activity.objects.filter(responsible=person, is_done=False, deadline__lt=now)
        seen = Activity.objects.visible_to(viewer).filter(pk__in=everything.values("pk"))
        items = list(
            seen.select_related("lead", "contact", "company", "deal", "responsible").order_by("deadline")[
                :DETAIL_ROWS
            ]
        )
        rows = [
            {
                "pk": a.pk,
                "title": a.subject,
                "kind": a.get_kind_display(),
                "record": _record(a),
                "when": a.deadline,
                "can_done": activity_may_change(viewer, a),
            }
            for a in items
        ]
    elif kind == "deals":
        everything = counters.idle_deals(now).filter(responsible=person)
        seen = Deal.objects.visible_to(viewer).filter(pk__in=everything.values("pk"))
        items = list(
            seen.select_related("stage", "company", "contact").order_by("last_activity_at", "created_at")[
                :DETAIL_ROWS
            ]
        )
        rows = [
            {
                "pk": d.pk,
                "title": d.title,
                "url": d.get_absolute_url(),
                "stage": d.stage.name,
                "amount": d.amount,
                "when": d.last_activity_at or d.created_at,
            }
            for d in items
        ]
    else:
        everything = counters.untaken_leads(now).filter(responsible=person)
        seen = Lead.objects.visible_to(viewer).filter(pk__in=everything.values("pk"))
        items = list(seen.order_by("created_at")[:DETAIL_ROWS])
        rows = [
            {
                "pk": lead.pk,
                "title": lead.title,
                "url": lead.get_absolute_url(),
                "source": lead.get_source_display(),
                "when": lead.created_at,
            }
            for lead in items
        ]
    total = everything.count()
    shown = seen.count()
    return {
        "rows": rows,
        "total": total,
        "hidden": max(total - shown, 0),
        "reminded": reminder_sent(
            recipient=person, key=reminder_key(kind, person.pk), date=timezone.localdate()
        ),
    }
