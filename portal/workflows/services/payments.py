"""The payment register's one write: an approved payment (or expense report) marked paid by the accountant.

Who: the holders of the process role "accountant" and the portal admins. What: approved processes of kind
payment or expense that are not paid yet; a second "mark paid" is refused ("already paid") and changes nothing.
The history gets a "marked paid" action, the audit log a row, the requester a notification.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.i18n import message
from portal.core.permissions import is_portal_admin

from ..choices import ActionKind, ProcessStatus, TemplateKind
from ..models import Process, ProcessAction, ProcessRole

ACCOUNTANT = "accountant"
PAYABLE_KINDS = (TemplateKind.PAYMENT, TemplateKind.EXPENSE)
RESULT_KIND = "workflows_result"


def is_accountant(user) -> bool:
    """A holder of the "accountant" process role, or a portal admin: who keeps the payment register."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_portal_admin(user):
        return True
    return ProcessRole.objects.filter(key=ACCOUNTANT, members=user.pk).exists()


@transaction.atomic
def payment_mark_paid(*, actor, process: Process) -> Process:
    """Mark an approved payment paid (now, by `actor`). Refuses others than the accountants and admins
    (NotAllowed), what is not an approved payment (Invalid), and a payment already paid (Invalid "already_paid",
    saying by whom and when)."""
    if not is_accountant(actor):
        raise NotAllowed(_("Only the accountants mark payments paid."))
    locked = Process.objects.select_for_update().filter(pk=process.pk).first()
    if locked is None:
        raise NotFound()
    if locked.kind not in PAYABLE_KINDS or locked.status != ProcessStatus.APPROVED:
        raise Invalid(_("Only an approved payment can be marked paid."), code="not_payable")
    if locked.paid_at is not None:
        who = locked.paid_by or _("someone")
        raise Invalid(
            _("Already paid: %(who)s marked it paid on %(when)s.")
            % {"who": who, "when": date_format(timezone.localtime(locked.paid_at), "SHORT_DATETIME_FORMAT")},
            code="already_paid",
        )
    locked.paid_at = timezone.now()
    locked.paid_by = actor
    locked.save(update_fields=["paid_at", "paid_by", "updated_at"])
    ProcessAction.objects.create(process=locked, actor=actor, kind=ActionKind.PAID)
    audit_record(
        actor=actor,
        action="workflows.payment_paid",
        target=locked,
        changes={"paid_at": [None, locked.paid_at]},
    )
    _tell_requester(actor=actor, process=locked)
    return locked


def _tell_requester(*, actor, process: Process) -> None:
    from portal.core.registry import registry

    if RESULT_KIND not in registry.notification_kinds:
        return
    from portal.notifications.services import notify

    notify(
        recipients=[process.requester_id],
        kind=RESULT_KIND,
        actor=actor,
        title=message(gettext_lazy("Paid: %(title)s"), title=process.title),
        url=process.get_absolute_url(),
        target=process,
    )
