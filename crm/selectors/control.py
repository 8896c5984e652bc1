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
