"""Reports: jobs (filled by the Reports issue)."""

from celery import shared_task


@shared_task(name="reports.jobs.workdays_close_open_job")
def workdays_close_open_job() -> int:
    """Beat sweep (every 15 minutes): close working days left open past the local midnight of their date
    and ask their people to confirm them. A cache lock keeps two beats from sweeping at once; the service
    skips days already closed anyway."""
    from django.core.cache import cache

    from reports.services import workdays_close_open

    if not cache.add("reports:workdays_close_open:lock", "1", timeout=600):
        return 0
    try:
        return workdays_close_open()
    finally:
        cache.delete("reports:workdays_close_open:lock")


@shared_task(name="reports.jobs.reports_unsent_recount_job")
def reports_unsent_recount_job() -> int:
    """Beat sweep (every 15 minutes): recount "reports.my_unsent" of the people whose report just became
    due or whose new report period just began. A cache lock keeps two beats from sweeping at once; the
    recount itself only stores what changed, so a repeat is harmless."""
    from django.core.cache import cache

    from reports.services import reports_unsent_recount_due

    if not cache.add("reports:reports_unsent_recount:lock", "1", timeout=600):
        return 0
    try:
        return reports_unsent_recount_due()
    finally:
        cache.delete("reports:reports_unsent_recount:lock")


@shared_task(name="reports.jobs.digests_run_due_job")
def digests_run_due_job() -> int:
    """Beat sweep (every 5 minutes): build the control and personal digests whose local time has come and
    mail each new one after commit. A cache lock keeps two beats from sweeping at once; the unique digest
    per person, kind and day (and the sent_at check of the mail job) make a repeat send nothing twice."""
    from django.core.cache import cache

    from reports.services import digests_run_due

    if not cache.add("reports:digests_run_due:lock", "1", timeout=600):
        return 0
    try:
        return digests_run_due()
    finally:
        cache.delete("reports:digests_run_due:lock")


@shared_task(
    name="reports.jobs.digest_send_job",
    autoretry_for=(OSError,),  # smtplib.SMTPException is an OSError: a mail server hiccup retries
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def digest_send_job(digest_id: int) -> bool:
    """E-mail one digest (HTML and plain text). Sends once: a digest already sent is skipped."""
    from reports.services import digest_send

    return digest_send(digest_id=digest_id)
