"""Familiarisation in the rest of the portal:

- the counters "to read" and "reading overdue" of each person (stored, recounted by the services on commit,
  by the daily sweep for requests falling due, and rebuilt nightly by the same compute);
- the control dashboard's column "Reading overdue" (a dashboard counter, amber from one page) and the
  digests' line of the same counter, summed over a supervisor's people;
- the start page's card "To read";
- newcomers: a person who joins the company, a department or a group is enrolled in the running campaigns
  whose audience includes them now (Django's own `post_save` of the person and of a membership: the people
  and groups apps send no signal of their own for it, and need none).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

HOME_CARD = "kb.to_read"
COLUMN = "kb_reading_overdue"


def _to_read(user_ids: list[int]) -> dict[int, int]:
    from ..selectors.familiarisation import to_read_counts

    return to_read_counts(user_ids)


def _overdue(user_ids: list[int]) -> dict[int, int]:
    from ..selectors.familiarisation import overdue_counts

    return overdue_counts(user_ids)


def _overdue_url(user_id: int) -> str:
    from portal.core.links import url_for_pk

    return url_for_pk("kb:reading_person", user_id)


def dashboard_counter():
    from portal.core.registry import DashboardCounter

    from ..services.familiarisation import OVERDUE_COUNTER

    return DashboardCounter(
        OVERDUE_COUNTER,
        _("Reading overdue"),
        amber_at=1,
        red_at=3,
        url=_overdue_url,
        detail=_overdue_url,
        order=95,
        column=COLUMN,
        help_text=_(
            "Knowledge base pages the person was asked to read and has not confirmed by the deadline."
        ),
        in_digest=False,
    )


def _home_to_read(request) -> dict | None:
    """The pages I am asked to read, the nearest deadline first (red when one is overdue). Two queries."""
    from portal.core.registry import HOME_CARD_ROWS, HomeRow

    from ..selectors.familiarisation import reading_list

    user = request.user
    rows, total, late = [], 0, False
    items = list(reading_list(user=user)[: HOME_CARD_ROWS + 1])
    if not items:
        return None  # nothing asked of this person: the card does not concern them
    from django.utils import formats, timezone

    today = timezone.localdate()
    for item in items[:HOME_CARD_ROWS]:
        overdue = item.due_on < today
        late = late or overdue
        rows.append(
            HomeRow(
                item.page.title,
                item.page.get_absolute_url(),
                meta=formats.date_format(item.due_on, "MONTH_DAY_FORMAT"),
                tone="danger" if overdue else "",
            )
        )
    from portal.notifications.counters import counters_get

    from ..services.familiarisation import TO_READ_COUNTER

    total = max(counters_get(user).get(TO_READ_COUNTER, 0), len(items))
    return {"count": total, "rows": rows, "level": "danger" if late else "warning"}


def home_card():
    from portal.core.registry import HOME_DAY, HomeCard

    return HomeCard(
        HOME_CARD,
        "",
        _home_to_read,
        order=45,
        section=HOME_DAY,
        title=_("To read"),
        icon="bi-book",
        url="kb:reading_list",
        empty=_("Nothing to read and confirm."),
    )


# --- newcomers -------------------------------------------------------------------------------------------------


def _enqueue_enrolment(user_id: int, joined_company: bool) -> None:
    def enqueue() -> None:
        from ..jobs import kb_reading_enrol_person

        kb_reading_enrol_person.delay(user_id, joined_company)

    transaction.on_commit(enqueue)


def _person_saved(sender, instance, created, raw=False, update_fields=None, **kwargs) -> None:
    if raw or not instance.is_active:
        return
    if created:
        _enqueue_enrolment(instance.pk, True)
    elif update_fields is not None and "department" in update_fields:
        _enqueue_enrolment(instance.pk, False)


def _membership_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        _enqueue_enrolment(instance.user_id, False)


def register() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_save

    from portal.core.registry import DigestCounter, registry
    from portal.groups.models import Membership
    from portal.notifications.counters import register_counter
    from portal.notifications.services import register_notification_kind

    from ..services.familiarisation import KIND_READING, OVERDUE_COUNTER, TO_READ_COUNTER

    register_notification_kind(KIND_READING, _("Knowledge base pages I am asked to read"), email_default=True)
    register_counter(TO_READ_COUNTER, label=_("Pages to read"), area="kb", compute=_to_read, order=62)
    register_counter(
        OVERDUE_COUNTER, label=_("Pages to read, overdue"), area=None, compute=_overdue, order=63
    )
    registry.dashboard_counters.register(dashboard_counter())
    registry.digest_counters.register(
        DigestCounter(OVERDUE_COUNTER, label=_("Knowledge base pages not read by the deadline"), order=120)
    )
    registry.home_cards.register(home_card())
    post_save.connect(_person_saved, sender=get_user_model(), dispatch_uid="kb.familiarisation.person_saved")
    post_save.connect(
        _membership_saved, sender=Membership, dispatch_uid="kb.familiarisation.membership_saved"
    )
