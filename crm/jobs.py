"""Celery jobs of the CRM. Jobs take ids, re-read state and do nothing when the work is already done."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from portal.core.errors import job_edge
from portal.core.jobs import with_lock

log = logging.getLogger(__name__)

# What an outgoing e-mail activity's `message_id` holds once the job sent it (incoming letters keep their
# real Message-ID there): a second run of the job sees it and sends nothing.
SENT_MARKER = "sent:"


@shared_task(
    name="crm.jobs.activity_email_send_job", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
@job_edge
def activity_email_send_job(activity_id: int) -> bool:
    """Send an outgoing e-mail activity to its addresses, once."""
    from portal.core.mail import mail_send

    from .choices import ActivityKind, Direction
    from .models import Activity

    with transaction.atomic():
        activity = (
            Activity.objects.select_for_update(of=("self",))
            .filter(pk=activity_id, kind=ActivityKind.EMAIL, direction=Direction.OUTGOING)
            .select_related("created_by")
            .first()
        )
        if activity is None or activity.message_id:
            return False
        recipients = [a.strip() for a in activity.email_to.replace(";", ",").split(",") if a.strip()]
        if not recipients:
            log.warning("crm activity %s: an outgoing e-mail without addresses", activity_id)
            return False
        sender = activity.created_by
        mail_send(
            to=recipients,
            subject=activity.subject,
            template="crm/activities/email",
            context={"activity": activity, "sender": sender},
            language=getattr(sender, "language", None) or None,
        )
        Activity.objects.filter(pk=activity.pk).update(message_id=f"{SENT_MARKER}{activity.pk}")
    return True


COUNTERS_SWEEP_LOCK_KEY = "lumen:crm:counters-sweep-lock"


@shared_task(name="crm.jobs.counters_sweep_job")
def counters_sweep_job() -> int | None:
    """Every five minutes: recount the CRM counters the clock changes (overdue activities, idle deals, leads
    not taken in time). A cache lock keeps two beats from doubling up; a repeated sweep only recounts again."""
    from . import counters

    def work():
        with transaction.atomic():
            return counters.counters_sweep()

    return with_lock(COUNTERS_SWEEP_LOCK_KEY, 4 * 60, work)


# --- intake: mailboxes and store deliveries -------------------------------------------------------------------

MAIL_FETCH_LOCK_KEY = "lumen:crm:mail-fetch-lock"
STORE_PAYLOADS_LOCK_KEY = "lumen:crm:store-payloads-sweep-lock"


@shared_task(name="crm.jobs.mail_fetch_job")
def mail_fetch_job(mailbox_ids: list[int] | None = None) -> int | None:
    """Every two minutes: read each active mailbox's new messages into activities and leads. Each mailbox runs
    on its own (one failing records its error, the others go on); a message is never taken twice."""
    from .services import mailboxes

    def work() -> int:
        return sum(summary.taken for summary in mailboxes.mailboxes_fetch(mailbox_ids=mailbox_ids))

    # Longer than a slow run of every mailbox (network timeouts of 20 s each), shorter than a missed hour.
    return with_lock(MAIL_FETCH_LOCK_KEY, 15 * 60, work)


@shared_task(name="crm.jobs.store_payloads_sweep_job")
def store_payloads_sweep_job() -> int | None:
    """Nightly: empty the kept bodies of store deliveries older than 30 days (the rows stay)."""
    from .services import stores

    return with_lock(STORE_PAYLOADS_LOCK_KEY, 30 * 60, lambda: stores.deliveries_payloads_sweep())


@shared_task(name="crm.jobs.import_run_job")
@job_edge
def import_run_job(import_id: int) -> bool:
    """Run a big import in the background (a finished one is left alone, so a repeat does nothing)."""
    from .services.imports import import_run_by_id

    return import_run_by_id(import_id)
