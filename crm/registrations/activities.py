"""The CRM's registrations for activities: a to-do becomes a task in one click (a task origin), and the
notification kind of CRM activities given to someone."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ORIGIN_KEY = "crm_activity"
NOTIFICATION_KIND = "crm_activity"


def _model():
    from ..models import Activity

    return Activity


def _get(*, user, pk):
    from ..selectors.activities import activity_get

    return activity_get(user=user, pk=pk)


def _url(pk) -> str:
    from ..selectors.activities import activity_record_url

    return activity_record_url(pk)


def _initial(activity) -> dict:
    """The new task: the to-do's subject, its description with a link back to the record, its deadline and
    responsible person."""
    from django.conf import settings

    from ..selectors.activities import activity_record_url

    url = activity_record_url(activity.pk)
    if url.startswith("/"):
        url = settings.LUMEN_BASE_URL.rstrip("/") + url
    records = ", ".join(str(record) for record in activity.records)
    label = gettext("CRM: %(records)s") % {"records": records} if records else gettext("CRM")
    parts = [activity.body.strip()] if activity.body.strip() else []
    if url:
        parts.append(f"[{label}]({url})")
    initial = {"title": activity.subject[:250], "description": "\n\n".join(parts)}
    if activity.deadline:
        initial["deadline"] = activity.deadline
    if activity.responsible_id:
        initial["responsible"] = activity.responsible_id
    return initial


def _made(activity, task_id) -> None:
    from ..services.activities import activity_task_made

    activity_task_made(activity_id=activity.pk, task_id=int(task_id))


def register() -> None:
    from portal.core.registry import TaskOrigin, registry
    from portal.notifications.services import register_notification_kind

    registry.task_origins.register(
        TaskOrigin(
            ORIGIN_KEY,
            _model,
            _get,
            _url,
            order=50,
            initial=_initial,
            made=_made,
            label=_("Made from a CRM to-do."),
        )
    )
    register_notification_kind(NOTIFICATION_KIND, _("CRM: activities and to-dos given to me"))
