"""Polls on posts: votes, closing by the author or when their time has come."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin

from ..models import Poll, PollBallot, PollOption, PollVote
from . import notices
from .access import _require_visible
from .counts import _bump

POLL_OPTIONS_MAX = 20


@dataclass(frozen=True)
class PollSpec:
    """A poll to attach to a new post."""

    question: str
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    anonymous: bool = False
    closes_at: datetime.datetime | None = None


def _validate_poll(poll: PollSpec) -> PollSpec:
    errors: dict[str, list[str]] = {}
    question = (poll.question or "").strip()
    options = [o.strip() for o in poll.options if o and o.strip()]
    if not question:
        errors["poll_question"] = [_("A poll needs a question.")]
    elif len(question) > 300:
        errors["poll_question"] = [_("The question is too long (300 characters at most).")]
    if len(options) < 2:
        errors["poll_options"] = [_("A poll needs at least two answers.")]
    elif len(options) > POLL_OPTIONS_MAX:
        errors["poll_options"] = [_("A poll takes %(max)d answers at most.") % {"max": POLL_OPTIONS_MAX}]
    elif len({o.lower() for o in options}) != len(options):
        errors["poll_options"] = [_("Each answer must be different.")]
    elif any(len(o) > 200 for o in options):
        errors["poll_options"] = [_("An answer is too long (200 characters at most).")]
    if poll.closes_at is not None and poll.closes_at <= timezone.now():
        errors["poll_closes_at"] = [_("The closing time must be in the future.")]
    if errors:
        raise Invalid(errors)
    return PollSpec(
        question=question,
        options=options,
        multiple=bool(poll.multiple),
        anonymous=bool(poll.anonymous),
        closes_at=poll.closes_at,
    )


@transaction.atomic
def poll_vote(*, actor, poll: Poll, option_ids: Iterable[int]) -> PollBallot:
    """Cast a vote: one or (in a multiple-choice poll) several answers, once per person and poll."""
    entry = poll.entry
    _require_visible(actor, entry)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.is_closed:
        raise Invalid({"poll": [_("This poll is closed; votes are no longer taken.")]})
    try:
        ids = list(dict.fromkeys(int(i) for i in option_ids))
    except (TypeError, ValueError) as exc:
        raise Invalid({"options": [_("Choose an answer.")]}) from exc
    if not ids:
        raise Invalid({"options": [_("Choose an answer.")]})
    if len(ids) > 1 and not poll.multiple:
        raise Invalid({"options": [_("Choose one answer only.")]})
    options = list(PollOption.objects.filter(poll=poll, pk__in=ids))
    if len(options) != len(ids):
        raise Invalid({"options": [_("Choose among the poll's answers.")]})
    try:
        with transaction.atomic():
            ballot = PollBallot.objects.create(poll=poll, user=actor)
    except IntegrityError as exc:
        raise Invalid({"poll": [_("You have voted in this poll already.")]}) from exc
    PollVote.objects.bulk_create(
        [PollVote(option=option, ballot=None if poll.anonymous else ballot) for option in options]
    )
    PollOption.objects.filter(pk__in=ids).update(votes_count=F("votes_count") + 1)
    _bump(Poll, poll.pk, "voters_count", 1)
    audit_record(
        actor=actor,
        action="stream.poll_vote",
        target=poll,
        changes={} if poll.anonymous else {"options": ids},
    )
    return ballot


@transaction.atomic
def poll_close(*, poll: Poll, actor=None) -> Poll:
    """Close a poll: by its author (or an admin) now, or by the job when its closing time has come.

    Closing twice changes nothing. When the system closes it, the author is notified (`poll_closed`).
    """
    if actor is not None:
        _require_visible(actor, poll.entry)
        if not (poll.entry.author_id == actor.pk or is_portal_admin(actor)):
            raise NotAllowed(_("Only the author may close this poll."))
    elif poll.closes_at is None or poll.closes_at > timezone.now():
        return poll  # the job came early (the closing time was moved): nothing to do yet
    now = timezone.now()
    closed = Poll.objects.filter(pk=poll.pk, closed_at__isnull=True).update(closed_at=now)
    poll.refresh_from_db(fields=["closed_at"])
    if not closed:
        return poll
    audit_record(actor=actor, action="stream.poll_close", target=poll, changes={"closed_at": now.isoformat()})
    if actor is None or actor.pk != poll.entry.author_id:
        notices.notify(
            recipients=[poll.entry.author_id],
            kind="poll_closed",
            title=i18n.message(
                gettext_lazy("Your poll “%(question)s” has closed"), question=poll.question[:100]
            ),
            actor=actor,
            body=i18n.message(
                ngettext_lazy("%(count)d person voted.", "%(count)d people voted.", "count"),
                count=poll.voters_count,
            ),
            url=poll.entry.get_absolute_url(),
            target=poll.entry,
        )
    return poll


def polls_close_due(*, now: datetime.datetime | None = None) -> int:
    """Close every poll whose closing time has passed (the beat sweep). Returns how many closed."""
    now = now or timezone.now()
    done = 0
    for poll in Poll.objects.filter(closed_at__isnull=True, closes_at__lte=now).select_related("entry"):
        before = poll.closed_at
        poll_close(poll=poll)
        done += int(before is None and poll.closed_at is not None)
    return done
