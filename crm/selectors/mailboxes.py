"""Reading mailboxes: CRM settings, so only CRM administrators see them (anyone else: not found)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from portal.core.errors import NotFound

from .. import rights
from ..models import Mailbox


def mailbox_list(*, user) -> QuerySet[Mailbox]:
    if not rights.is_crm_admin(user):
        raise NotFound()
    return Mailbox.objects.select_related("responsible").order_by("name", "id")


def mailbox_get(*, user, pk: int) -> Mailbox:
    try:
        return mailbox_list(user=user).get(pk=pk)
    except (Mailbox.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# Whether any mailbox fails, shared by every start page: almost always "no", and then the card asks nothing.
# The services that record or clear an error (or change or delete a mailbox) forget it; the timeout bounds
# what a write made elsewhere would leave stale.
FAILING_CACHE_KEY = "crm:mailboxes:any_failing"
FAILING_CACHE_SECONDS = 300


def mailboxes_failing() -> QuerySet[Mailbox]:
    """Active mailboxes whose last check or fetch failed (for whoever may fix them)."""
    return Mailbox.objects.filter(is_active=True).exclude(last_error="").order_by("-last_error_at", "id")


def mailboxes_failing_any() -> bool:
    """Whether some active mailbox fails (cached: no query on most pages)."""
    found = cache.get(FAILING_CACHE_KEY)
    if found is None:
        found = mailboxes_failing().exists()
        cache.set(FAILING_CACHE_KEY, found, timeout=FAILING_CACHE_SECONDS)
    return found
