"""Reports: control digests. Building a digest once per person, kind and local date; the beat's sweep that
builds the due ones and mails them after commit; sending one (once); and a person's digest preference.

Nothing is ever sent twice: a digest is unique per (recipient, kind, date) in the database, the sweep only
builds digests that do not exist yet, and sending locks the row and skips a digest whose `sent_at` is set.
"""

from __future__ import annotations

import datetime
import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import NotAllowed

from ..choices import DigestKind
from ..models import Digest, DigestPreference
from ..selectors import digest_display
from ..selectors import digests as selectors
from ..selectors.workday import calendar_scope

__all__ = [
    "digest_build",
    "digest_preference_save",
    "digest_send",
    "digests_run_due",
]

log = logging.getLogger(__name__)


def _existing(*, recipient, kind: str, date: datetime.date) -> Digest | None:
    return Digest.objects.filter(recipient_id=recipient.pk, kind=kind, date=date).first()


def _build(
    *, recipient, kind: str, date: datetime.date, now=None, switched_on: bool = False
) -> tuple[Digest | None, bool]:
    """Get or build the digest; (digest, created). Call it inside a transaction: a concurrent build of the
    same digest makes the insert fail with IntegrityError (the unique constraint), which the caller settles.
    `switched_on`: the caller already knows the personal digest is switched on (the sweep)."""
    if kind not in DigestKind.values:
        raise ValidationError({"kind": [_("Unknown digest kind: %(kind)s.") % {"kind": kind}]})
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise ValidationError({"date": [_("Give a date.")]})
    existing = _existing(recipient=recipient, kind=kind, date=date)
    if existing is not None:
        return existing, False
    if not recipient.is_active:
        return None, False
    if kind == DigestKind.SUPERVISOR:
        data = selectors.digest_supervisor_data(recipient=recipient, date=date, now=now)
    elif switched_on or DigestPreference.objects.filter(user_id=recipient.pk, personal_digest=True).exists():
        data = selectors.digest_personal_data(recipient=recipient, date=date, now=now)
    else:
        data = None
    if data is None:
        return None, False
    digest = Digest.objects.create(
        recipient=recipient, kind=kind, date=date, data=data, signals=data["signals"]
    )
    audit_record(
        actor=None,
        action="digest.build",
        target=digest,
        changes={"kind": kind, "date": date.isoformat(), "signals": digest.signals},
    )
    return digest, True


def digest_build(*, recipient, kind: str, date: datetime.date, now=None) -> Digest | None:
    """Get or build `recipient`'s digest of `kind` for their local `date` (unique per recipient, kind and
    date: building again returns the stored one and creates nothing).

    None when there is nothing to build: a control digest for someone who heads no department (or whose
    sub-tree holds nobody else), a personal digest for someone who did not switch it on, or an inactive
    person. The content costs a constant number of queries whatever the number of people. Atomic; when a
    concurrent build wins the race, its digest is returned.
    """
    try:
        with transaction.atomic():
            digest, _created = _build(recipient=recipient, kind=kind, date=date, now=now)
    except IntegrityError:
        return _existing(recipient=recipient, kind=kind, date=date)
    return digest


def _should_mail(digest: Digest) -> bool:
    """Control digests always go out ("all is fine" is news too); a personal one only when it says something."""
    return digest.kind == DigestKind.SUPERVISOR or digest.signals > 0


@calendar_scope()  # one read of the company calendar for the whole sweep
def digests_run_due(*, now=None) -> int:
    """The beat's sweep: build every digest whose time has come (see `selectors.digests_due`), each in its
    own transaction, and e-mail each new one after its commit. Returns the number of digests built.

    Safe to repeat and to run twice at once: a digest that exists is never built again (the unique
    constraint settles a race), and sending skips digests already sent.
    """
    from ..jobs import digest_send_job

    now = now or timezone.now()
    built = 0
    for item in selectors.digests_due(now=now):
        try:
            with transaction.atomic():
                digest, created = _build(
                    recipient=item.recipient, kind=item.kind, date=item.date, now=now, switched_on=True
                )
                if created and _should_mail(digest):
                    transaction.on_commit(lambda pk=digest.pk: digest_send_job.delay(pk))
        except IntegrityError:  # another sweep built this one at the same moment: it sends it too
            continue
        except Exception:  # one person's broken data must not stop everybody else's digest
            log.exception("digest %s for user %s on %s failed", item.kind, item.recipient.pk, item.date)
            continue
        if created:
            built += 1
    return built


def digest_send(*, digest_id: int) -> bool:
    """E-mail a digest to its recipient (HTML and plain text), once: the row is locked while sending and a
    digest whose `sent_at` is set is skipped; `sent_at` is set only after the mail went out, so a failed
    send can be retried. Returns whether a mail was sent."""
    from django.conf import settings

    from portal.core.mail import mail_send

    with transaction.atomic():
        digest = Digest.objects.select_for_update().filter(pk=digest_id).first()
        if digest is None or digest.sent_at is not None:
            return False
        recipient = get_user_model().objects.filter(pk=digest.recipient_id, is_active=True).first()
        if recipient is None or not recipient.email:
            return False
        language = recipient.language or settings.LANGUAGE_CODE
        with translation.override(language):
            subject = digest_display.digest_subject(digest)
            sections = digest_display.digest_sections(digest)
        mail_send(
            to=[recipient.email],
            subject=subject,
            template="reports/digests/email",
            context={
                "digest": digest,
                "data": digest.data,
                "recipient": recipient,
                "subject": subject,
                "sections": sections,
            },
            language=language,
            time_zone=recipient.time_zone or None,
        )
        digest.sent_at = timezone.now()
        digest.save(update_fields=["sent_at"])
    return True


@transaction.atomic
def digest_preference_save(
    *, actor, digest_time: datetime.time | None, personal_digest: bool
) -> DigestPreference:
    """Set when the actor's digests arrive (their local time) and whether they get the personal digest."""
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in to change your digest settings."))
    if not isinstance(digest_time, datetime.time):
        raise ValidationError({"digest_time": [_("Give the time of day your digest should arrive.")]})
    digest_time = digest_time.replace(second=0, microsecond=0, tzinfo=None)
    preference = DigestPreference.objects.select_for_update().filter(user_id=actor.pk).first()
    fields = ["digest_time", "personal_digest"]
    if preference is None:
        preference = DigestPreference.objects.create(
            user=actor, digest_time=digest_time, personal_digest=bool(personal_digest)
        )
        audit_record(
            actor=actor,
            action="digest_preference.create",
            target=preference,
            changes=snapshot(preference, fields),
        )
        return preference
    before = snapshot(preference, fields)
    preference.digest_time = digest_time
    preference.personal_digest = bool(personal_digest)
    changes = diff(before, snapshot(preference, fields))
    if changes:
        preference.save(update_fields=fields)
        audit_record(actor=actor, action="digest_preference.update", target=preference, changes=changes)
    return preference
