"""Mailboxes: their settings (CRM administrators), the connection check, and the e-mail intake.

The intake reads each active mailbox on its own (`mailboxes_fetch`, run by a beat job): a mailbox that fails
records its error and the others go on. Every message is taken in its own transaction (`message_take`):

- a message already taken from this mailbox (same Message-ID, or the same sender, date and subject when it
  has none) is skipped, so a run repeated or interrupted never makes anything twice;
- a sender known by the e-mail of a contact (or a lead, or a company) gets an incoming e-mail activity, done,
  on that record (a contact's latest open deal and the lead holding the address too);
- an unknown sender becomes a new lead (source "e-mail") with the activity on it.

The lead and the activity are made by their features' services as the portal itself (`actor=None`): the same
validation, timeline entries, audit rows, counters and the responsible person's notification as by hand (an
arriving e-mail does not take a lead in work, though: it still waits for someone).

Attachments are kept as CRM files of the activity and its records. The folder's UIDVALIDITY and the last UID
taken are stored after the run, so that the next one starts where this one stopped.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.attachments import attachment_store
from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid

from .. import rights
from ..choices import ActivityKind, CommunicationKind, Direction, LeadSource, MailSecurity
from ..connectors.imap import FetchedMessage, MailboxAddress, MailboxError, fetch_new, test_connection
from ..crypto import SecretUnreadable, decrypt_secret, encrypt_secret
from ..models import Activity, Communication, Company, Contact, CrmFile, Deal, Lead, Mailbox
from ..selectors.mailboxes import FAILING_CACHE_KEY
from .activities import activity_create

log = logging.getLogger(__name__)

SETTINGS_FIELDS = ("name", "host", "port", "security", "login", "folder", "responsible", "is_active")
# Changing where the mail is read from makes the stored UIDs meaningless: reading starts again (the
# Message-ID check keeps what was already taken from being taken twice).
LOCATION_FIELDS = ("host", "port", "login", "folder")
MAX_ERROR_CHARS = 2000


def _failing_changed() -> None:
    """A mailbox's error (or whether it counts) may have changed: the start pages ask again."""
    transaction.on_commit(lambda: cache.delete(FAILING_CACHE_KEY))


# The settings pages of this channel are for CRM administrators (404 for anyone else).
require_crm_admin = rights.require_crm_admin


# --- settings ------------------------------------------------------------------------------------------------


def _clean(values: dict) -> dict:
    errors: dict = {}
    for name in ("name", "host", "login", "folder"):
        if name in values:
            values[name] = (values[name] or "").strip()
            if not values[name]:
                errors[name] = [_("This field is required.")]
    if "port" in values and not (isinstance(values["port"], int) and 0 < values["port"] < 65536):
        errors["port"] = [_("Enter a port between 1 and 65535.")]
    if "security" in values and values["security"] not in MailSecurity.values:
        errors["security"] = [_("Choose how the connection is secured.")]
    person = values.get("responsible")
    if person is not None and not get_user_model().objects.filter(pk=person.pk, is_active=True).exists():
        errors["responsible"] = [_("Choose an active person.")]
    if errors:
        raise Invalid(fields=errors)
    return values


@transaction.atomic
def mailbox_create(
    *,
    actor,
    name: str,
    host: str,
    login: str,
    password: str,
    port: int = 993,
    security: str = MailSecurity.SSL,
    folder: str = "INBOX",
    responsible=None,
    is_active: bool = True,
) -> Mailbox:
    """Connect a mailbox; the password is kept encrypted and never shown again."""
    require_crm_admin(actor)
    values = _clean(
        {
            "name": name,
            "host": host,
            "port": port,
            "security": security,
            "login": login,
            "folder": folder,
            "responsible": responsible,
            "is_active": is_active,
        }
    )
    if not password:
        raise Invalid(fields={"password": [_("Enter the mailbox's password.")]})
    mailbox = Mailbox.objects.create(**values, password_encrypted=encrypt_secret(password))
    audit_record(
        actor=actor,
        action="crm.mailbox.create",
        target=mailbox,
        changes=snapshot(mailbox, ["name", "host", "login"]),
    )
    return mailbox


@transaction.atomic
def mailbox_update(*, actor, mailbox: Mailbox, password: str = "", **changes) -> Mailbox:
    """Change a mailbox's settings (`SETTINGS_FIELDS`); an empty `password` keeps the stored one."""
    require_crm_admin(actor)
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise Invalid(fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    values = _clean(dict(changes))
    before = snapshot(mailbox, list(SETTINGS_FIELDS))
    for name, value in values.items():
        setattr(mailbox, name, value)
    after = snapshot(mailbox, list(SETTINGS_FIELDS))
    changed = diff(before, after)
    update = [name for name in values if name in changed]
    if any(name in changed for name in LOCATION_FIELDS):
        mailbox.uidvalidity, mailbox.last_uid = None, 0
        update += ["uidvalidity", "last_uid"]
    if password:
        mailbox.password_encrypted = encrypt_secret(password)
        update.append("password_encrypted")
        changed["password"] = ["…", "…"]
    if update:
        mailbox.save(update_fields=[*update, "updated_at"])
        audit_record(actor=actor, action="crm.mailbox.update", target=mailbox, changes=changed)
        _failing_changed()
    return mailbox


@transaction.atomic
def mailbox_delete(*, actor, mailbox: Mailbox) -> None:
    """Disconnect a mailbox; the activities and leads it made stay."""
    require_crm_admin(actor)
    audit_record(actor=actor, action="crm.mailbox.delete", target=mailbox)
    mailbox.delete()
    _failing_changed()


def mailbox_address(mailbox: Mailbox) -> MailboxAddress:
    """Where and how to read the mailbox (the password decrypted); `MailboxError` when it cannot be read."""
    try:
        password = decrypt_secret(mailbox.password_encrypted)
    except SecretUnreadable as exc:
        raise MailboxError(exc.message, code="auth") from exc
    return MailboxAddress(
        host=mailbox.host,
        port=mailbox.port,
        security=mailbox.security,
        login=mailbox.login,
        password=password,
        folder=mailbox.folder or "INBOX",
    )


def _record_error(mailbox: Mailbox, message: str) -> None:
    now = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_error=message[:MAX_ERROR_CHARS], last_error_at=now, last_checked_at=now
    )
    mailbox.last_error, mailbox.last_error_at, mailbox.last_checked_at = message[:MAX_ERROR_CHARS], now, now
    _failing_changed()


def mailbox_check(*, actor, mailbox: Mailbox, ssl_context: ssl.SSLContext | None = None) -> str:
    """Connect, sign in and open the folder now. Returns "" when it works, else the reason (also kept as the
    mailbox's last error, so the page shows it until a check or a fetch succeeds)."""
    require_crm_admin(actor)
    try:
        test_connection(mailbox_address(mailbox), ssl_context=ssl_context)
    except MailboxError as exc:
        _record_error(mailbox, exc.message)
        return exc.message
    now = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(last_error="", last_error_at=None, last_checked_at=now)
    mailbox.last_error, mailbox.last_error_at, mailbox.last_checked_at = "", None, now
    _failing_changed()
    return ""


# --- the intake ----------------------------------------------------------------------------------------------


@dataclass
class FetchSummary:
    """What one mailbox's run did: messages read, activities made, leads made, or the error."""

    mailbox_id: int
    read: int = 0
    taken: int = 0
    leads: int = 0
    error: str = ""
    skipped_files: list[str] = field(default_factory=list)


def message_key(message: FetchedMessage) -> str:
    """What identifies a message within a mailbox: its Message-ID, else a digest of sender, date and subject."""
    if message.message_id:
        return message.message_id[:300]
    stamp = message.sent_at.isoformat() if message.sent_at else ""
    raw = "\n".join((message.from_email, stamp, message.subject))
    return "sha256:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _sender_records(email: str) -> tuple[Contact | None, Lead | None, Company | None]:
    """The contact, lead and company whose e-mail is `email` (the latest of each), in one query."""
    if not email:
        return None, None, None
    rows = (
        Communication.objects.filter(kind=CommunicationKind.EMAIL, normalized=email.strip().lower())
        .select_related("contact", "lead", "company")
        .order_by("-id")
    )
    contact = lead = company = None
    for row in rows:
        contact = contact or row.contact
        lead = lead or row.lead
        company = company or row.company
    return contact, lead, company


def _split_name(display: str) -> tuple[str, str]:
    parts = (display or "").replace('"', "").split()
    if not parts:
        return "", ""
    if len(parts) == 1:
        return parts[0][:100], ""
    return " ".join(parts[:-1])[:100], parts[-1][:100]


def _active(person):
    return person if person is not None and person.is_active else None


def _new_lead(mailbox: Mailbox, message: FetchedMessage) -> Lead:
    from .leads import lead_create

    first_name, last_name = _split_name(message.from_name)
    communications = [{"kind": CommunicationKind.EMAIL, "type": "work", "value": message.from_email}]
    return lead_create(
        actor=None,
        title=(message.subject or message.from_name or message.from_email or _("E-mail"))[:300],
        source=LeadSource.EMAIL,
        source_detail=mailbox.name[:300],
        first_name=first_name,
        last_name=last_name,
        communications=communications if "@" in message.from_email else [],
        responsible=_active(mailbox.responsible),
    )


def _sender_label(message: FetchedMessage) -> str:
    if message.from_name and message.from_email:
        return f"{message.from_name} <{message.from_email}>"[:300]
    return (message.from_email or message.from_name)[:300]


@transaction.atomic
def message_take(*, mailbox: Mailbox, message: FetchedMessage) -> Activity | None:
    """Turn one fetched message into an e-mail activity (and a lead for an unknown sender); None when this
    mailbox took it already. One transaction: a failure leaves nothing half made."""
    key = message_key(message)
    if Activity.objects.filter(mailbox=mailbox, message_id=key).exists():
        return None
    contact, lead, company = _sender_records(message.from_email)
    deal = None
    if contact is not None:
        deal = Deal.objects.filter(contact=contact, stage_kind="open").order_by("-created_at", "-id").first()
    made_lead = contact is None and lead is None and company is None
    body = message.text
    if message.skipped:
        body += "\n\n" + _("Left out for their size: %(files)s") % {"files": ", ".join(message.skipped)}
    try:
        # The lead too: a message another run took a moment ago must not leave a lead behind.
        with transaction.atomic():
            if made_lead:
                lead = _new_lead(mailbox, message)
            owner = contact or lead or company
            links = {"contact": contact, "lead": lead, "company": company if contact is None else None}
            links = {name: record for name, record in {**links, "deal": deal}.items() if record is not None}
            activity = activity_create(
                actor=None,
                kind=ActivityKind.EMAIL,
                records=list(links.values()),
                direction=Direction.INCOMING,
                subject=(message.subject or _("(no subject)"))[:300],
                body=body,
                responsible=_active(owner.responsible) or _active(mailbox.responsible),
                is_done=True,
                email_from=_sender_label(message),
                email_to=", ".join([*message.to, *message.cc])[:1000],
                mailbox=mailbox,
                message_id=key,
            )
    except IntegrityError:
        if Activity.objects.filter(mailbox=mailbox, message_id=key).exists():
            return None  # another run took the same message: the unique (mailbox, message id) said so
        raise
    for attachment in message.attachments:
        try:
            attachment_store(
                model=CrmFile,
                actor=None,
                upload=ContentFile(attachment.content, name=attachment.filename),
                activity=activity,
                **links,
            )
        except Invalid as exc:
            log.info("mailbox %s: attachment %r not kept: %s", mailbox.pk, attachment.filename, exc.message)
    activity.made_lead = made_lead
    return activity


def mailbox_fetch(
    *, mailbox: Mailbox, ssl_context: ssl.SSLContext | None = None, limit: int = 200
) -> FetchSummary:
    """Read one mailbox's new messages and take each of them. A failure to read is recorded on the mailbox
    (`last_error`) and returned, never raised; a success clears the error."""
    summary = FetchSummary(mailbox_id=mailbox.pk)
    try:
        result = fetch_new(
            mailbox_address(mailbox),
            uidvalidity=mailbox.uidvalidity,
            last_uid=mailbox.last_uid,
            limit=limit,
            ssl_context=ssl_context,
        )
    except MailboxError as exc:
        log.warning("mailbox %s cannot be read: %s", mailbox.pk, exc.message)
        _record_error(mailbox, exc.message)
        summary.error = exc.message
        return summary
    done_uid = result.last_uid
    for message in result.messages:
        try:
            activity = message_take(mailbox=mailbox, message=message)
        except Exception as exc:
            # Keep the place before this message, so that the next run tries it again, and say why.
            log.exception("mailbox %s: message UID %s could not be taken", mailbox.pk, message.uid)
            done_uid = message.uid - 1
            summary.error = _("The message “%(subject)s” could not be taken: %(reason)s") % {
                "subject": message.subject[:100],
                "reason": exc.__class__.__name__,
            }
            break
        summary.read += 1
        if activity is not None:
            summary.taken += 1
            summary.leads += int(getattr(activity, "made_lead", False))
    now = timezone.now()
    values = {
        "uidvalidity": result.uidvalidity,
        "last_uid": max(done_uid, 0),
        "last_checked_at": now,
        "messages_read": F("messages_read") + summary.read,
        "last_error": summary.error[:MAX_ERROR_CHARS],
        "last_error_at": now if summary.error else None,
    }
    Mailbox.objects.filter(pk=mailbox.pk).update(**values)
    if summary.error or mailbox.last_error:
        _failing_changed()
    mailbox.refresh_from_db()
    return summary


def mailboxes_fetch(
    *, mailbox_ids: list[int] | None = None, ssl_context: ssl.SSLContext | None = None
) -> list[FetchSummary]:
    """Fetch every active mailbox (or the ones named), each on its own: one failing does not stop the rest."""
    mailboxes = Mailbox.objects.select_related("responsible").order_by("id")
    mailboxes = (
        mailboxes.filter(pk__in=mailbox_ids) if mailbox_ids is not None else mailboxes.filter(is_active=True)
    )
    summaries = []
    for mailbox in mailboxes:
        try:
            summaries.append(mailbox_fetch(mailbox=mailbox, ssl_context=ssl_context))
        except Exception as exc:  # a bug or the database: recorded, and the next mailbox still runs
            log.exception("mailbox %s: the intake failed", mailbox.pk)
            _record_error(mailbox, _("The intake failed: %(reason)s") % {"reason": exc.__class__.__name__})
            summaries.append(FetchSummary(mailbox_id=mailbox.pk, error=exc.__class__.__name__))
    return summaries
