"""Celery jobs of the knowledge base. Jobs take ids (or nothing), re-read state and call a service; the
periodic ones take a cache lock so that two beats never double up, and the services are safe to repeat."""

from __future__ import annotations

from celery import shared_task

from portal.core.errors import job_edge
from portal.core.jobs import with_lock

GOVERNANCE_LOCK_KEY = "lumen:kb:governance-daily-lock"


@shared_task(name="knowledgebase.jobs.kb_governance_daily")
def kb_governance_daily() -> dict | None:
    """Every morning: responsible editors hear of pages whose review-by date has come (once per date), and
    the people whose reading requests fell due yesterday get their "overdue" counter recounted."""

    def work() -> dict:
        from .services.familiarisation import reading_overdue_recount
        from .services.governance import review_due_notify

        return {"review_told": review_due_notify(), "overdue_people": reading_overdue_recount()}

    return with_lock(GOVERNANCE_LOCK_KEY, 30 * 60, work)


@shared_task(name="knowledgebase.jobs.kb_page_links_check")
@job_edge
def kb_page_links_check(page_id: int) -> list[str]:
    """After a page's new revision: tell its responsible editor of broken links (once per set and day)."""
    from .services.governance import page_links_check

    return page_links_check(page_id=page_id)


@shared_task(name="knowledgebase.jobs.kb_reading_enrol_person")
@job_edge
def kb_reading_enrol_person(user_id: int, joined_company: bool = False) -> list[int]:
    """A person joined an audience (a new person, a move to a department, a new group membership): enrol
    them in the running campaigns that include them now."""
    from .services.familiarisation import reading_enrol_person

    return reading_enrol_person(user_id=user_id, joined_company=joined_company)
