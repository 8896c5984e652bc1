"""The CRM's registrations: intake. A CRM administrator's start page warns of mailboxes that cannot be read
(the card shows only when one fails, and only to those who may fix it)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _failing_mailboxes_card(request) -> dict | None:
    from portal.core.links import url_for_pk
    from portal.core.registry import HOME_CARD_ROWS, HomeRow

    from .. import rights
    from ..selectors.mailboxes import mailboxes_failing, mailboxes_failing_any

    # Nothing failing (the usual case, cached): no query, whoever the person is.
    if not mailboxes_failing_any() or not rights.is_crm_admin(request.user):
        return None
    failing = list(mailboxes_failing().only("pk", "name", "last_error")[: HOME_CARD_ROWS + 1])
    if not failing:
        return None
    rows = [
        HomeRow(
            text=mailbox.name,
            url=url_for_pk("crm:mailbox_edit", mailbox.pk),
            meta=mailbox.last_error[:80],
            tone="danger",
        )
        for mailbox in failing[:HOME_CARD_ROWS]
    ]
    return {"count": len(failing), "rows": rows, "level": "danger"}


def register() -> None:
    from portal.core.registry import HOME_DAY, HomeCard, registry

    registry.home_cards.register(
        HomeCard(
            "crm.mailboxes_failing",
            "",
            _failing_mailboxes_card,
            order=90,
            section=HOME_DAY,
            title=_("Mailboxes that cannot be read"),
            icon="bi-envelope-exclamation",
            url="crm:mailbox_list",
            empty=_("Every mailbox is read."),
        )
    )
