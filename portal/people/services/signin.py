"""Signing in: passwords, sessions, API tokens.

A session and an API token both carry the session auth hash their person had when they were made (an HMAC
of the password hash and of the sign-out generation, see User._get_session_auth_hash). Changing the password
or signing out everywhere changes that hash, so every session and token made before stops working at once,
whatever stores it (database, cache, cached_db). The services below also delete the tokens, so that lists
show what works, and write the audit row.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin

from ..models import ApiToken, PasswordResetRequest, User
from .permissions import _require_admin

API_TOKEN_PREFIX_LENGTH = 8


# Past this many working tokens, making one more revokes the oldest: scripts that ask for a token on every run
# keep working, and nobody collects thousands.
API_TOKENS_PER_PERSON = 50


# last_used_at is written at most this often per token (one UPDATE a minute, not one per request).
API_TOKEN_TOUCH_INTERVAL = datetime.timedelta(minutes=1)


PASSWORD_RESET_DIGEST_SALT = "lumen.people.password_reset_request"


class TooManyRequests(NotAllowed):
    """Something was asked too often; `retry_after` says in how many seconds it may be asked again."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _require_self_or_admin(actor, person: User) -> None:
    if not (actor and actor.is_authenticated and (actor.pk == person.pk or is_portal_admin(actor))):
        raise NotAllowed(_("You may not do this for another person."))


def _api_tokens_delete(*, actor, person: User, reason: str) -> int:
    """Delete all of `person`'s API tokens, with one audit row naming how many and why."""
    count, _details = ApiToken.objects.filter(user=person).delete()
    if count:
        audit_record(
            actor=actor,
            action="person.api_tokens_revoke",
            target=person,
            changes={"count": count, "reason": reason},
        )
    return count


@transaction.atomic
def person_api_tokens_revoke(*, actor, person: User, reason: str = "revoke") -> int:
    """Revoke every API token of `person` (the person themself, or an admin). Returns how many."""
    _require_self_or_admin(actor, person)
    return _api_tokens_delete(actor=actor, person=person, reason=reason)


@transaction.atomic
def person_sign_in_unlock(*, actor, person: User) -> int:
    """Lift the pause on signing in to `person`'s account (admins): the failed attempts made for it are
    forgotten. A paused client address is lifted in Django admin, Axes → access attempts."""
    from axes.handlers.proxy import AxesProxyHandler

    _require_admin(actor)
    count = AxesProxyHandler.reset_attempts(username=person.email)
    audit_record(actor=actor, action="person.sign_in_unlock", target=person, changes={"attempts": count})
    return count


@transaction.atomic
def api_token_create(*, actor, person: User, label: str = "") -> tuple[ApiToken, str]:
    """Make an API token for `person` (people make their own only) and return it with its key.

    The key is not stored, so it cannot be shown again. The token expires after LUMEN_API_TOKEN_TTL_DAYS.
    The person's tokens that stopped working are cleared away; past API_TOKENS_PER_PERSON working ones, the
    oldest are revoked.
    """
    if not (actor and actor.is_authenticated and actor.pk == person.pk and person.is_active):
        raise NotAllowed(_("People make their own API tokens."))
    label = (label or "").strip()
    if len(label) > 100:
        raise Invalid({"label": [_("At most 100 characters.")]})
    now = timezone.now()
    auth_hash = person.get_session_auth_hash()
    mine = ApiToken.objects.filter(user=person)
    mine.filter(expires_at__lte=now).delete()
    # Made before a password change or a sign-out everywhere (the portal's fallback keys still count).
    from ..selectors import auth_hashes

    mine.exclude(auth_hash__in=auth_hashes(person)).delete()
    surplus = list(
        mine.order_by("-created_at", "-id").values_list("pk", flat=True)[API_TOKENS_PER_PERSON - 1 :]
    )
    if surplus:
        ApiToken.objects.filter(pk__in=surplus).delete()
        audit_record(
            actor=actor,
            action="person.api_tokens_revoke",
            target=person,
            changes={"count": len(surplus), "reason": "limit"},
        )
    key = secrets.token_urlsafe(32)
    ttl = datetime.timedelta(days=max(1, settings.LUMEN_API_TOKEN_TTL_DAYS))
    token = ApiToken.objects.create(
        user=person,
        label=label,
        prefix=key[:API_TOKEN_PREFIX_LENGTH],
        key_hash=ApiToken.digest(key),
        auth_hash=auth_hash,
        created_at=now,
        expires_at=now + ttl,
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        target=token,
        changes={"label": label, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> None:
    """Revoke one API token: it stops working at once. Only its owner revokes it (admins sign people out
    everywhere instead)."""
    if not (actor and actor.is_authenticated and actor.pk == token.user_id):
        raise NotAllowed(_("Only the owner revokes an API token."))
    audit_record(actor=actor, action="api_token.revoke", target=token, changes={"prefix": token.prefix})
    ApiToken.objects.filter(pk=token.pk).delete()


def api_token_touch(*, token: ApiToken) -> None:
    """Note that `token` was just used (for its owner's list). Bookkeeping, not a change anybody made: no
    audit row, and at most one write per API_TOKEN_TOUCH_INTERVAL."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def _password_store(person: User, password: str) -> None:
    try:
        validate_password(password, person)
    except ValidationError as exc:
        raise Invalid({"password": exc.messages}) from exc
    person.set_password(password)
    person.save(update_fields=["password"])


@transaction.atomic
def person_password_change(*, actor, person: User, password: str) -> User:
    """Set a new password (the person themself, who proved the old one, or an admin).

    Every session and API token of the person stops working; the caller keeps the current session with
    Django's update_session_auth_hash when the person changed their own password.
    """
    _require_self_or_admin(actor, person)
    _password_store(person, password)
    audit_record(actor=actor, action="person.password_change", target=person)
    _api_tokens_delete(actor=actor, person=person, reason="password_change")
    return person


@transaction.atomic
def person_password_reset(*, person: User, password: str) -> User:
    """Set a new password through a reset link (the caller checked the link; nobody is signed in).

    Every session and API token of the person stops working.
    """
    _password_store(person, password)
    audit_record(actor=None, action="person.password_reset", target=person)
    _api_tokens_delete(actor=None, person=person, reason="password_reset")
    return person


@transaction.atomic
def person_sign_out_everywhere(*, actor, person: User) -> User:
    """End every session of `person` in every browser and app, and revoke their API tokens (the person
    themself, or an admin). The caller keeps its own session with update_session_auth_hash when the person
    signs out their other sessions."""
    _require_self_or_admin(actor, person)
    User.objects.filter(pk=person.pk).update(auth_generation=F("auth_generation") + 1)
    person.refresh_from_db(fields=["auth_generation"])
    audit_record(
        actor=actor,
        action="person.sign_out_everywhere",
        target=person,
        changes={"auth_generation": person.auth_generation},
    )
    _api_tokens_delete(actor=actor, person=person, reason="sign_out_everywhere")
    return person


def password_reset_email_digest(email: str) -> str:
    return salted_hmac(
        PASSWORD_RESET_DIGEST_SALT, (email or "").strip().lower(), algorithm="sha256"
    ).hexdigest()


@transaction.atomic
def password_reset_request(*, email: str, address: str | None) -> None:
    """Someone asks for a password reset link for `email` from the client address `address`.

    Limited per e-mail address (LUMEN_PASSWORD_RESET_EMAIL_LIMIT) and per client address
    (LUMEN_PASSWORD_RESET_ADDRESS_LIMIT) within LUMEN_PASSWORD_RESET_WINDOW_MINUTES, whether or not anybody
    uses the address, so that the limit tells nothing and reset cannot flood a mailbox. Over a limit:
    TooManyRequests. The mail goes from a job after commit, so the answer takes as long whether or not the
    address belongs to somebody.
    """
    now = timezone.now()
    window = datetime.timedelta(minutes=settings.LUMEN_PASSWORD_RESET_WINDOW_MINUTES)
    since = now - window
    PasswordResetRequest.objects.filter(created_at__lt=since).delete()
    digest = password_reset_email_digest(email)
    recent = PasswordResetRequest.objects.filter(created_at__gte=since)
    by_email = recent.filter(email_digest=digest)
    by_address = recent.filter(address=address)
    limited = [
        qs
        for qs, limit in (
            (by_email, settings.LUMEN_PASSWORD_RESET_EMAIL_LIMIT),
            (by_address, settings.LUMEN_PASSWORD_RESET_ADDRESS_LIMIT),
        )
        if qs.count() >= limit
    ]
    if limited:
        firsts = [qs.order_by("created_at").values_list("created_at", flat=True).first() for qs in limited]
        oldest = min((first for first in firsts if first is not None), default=now)
        retry_after = max(1, int((oldest + window - now).total_seconds()))
        raise TooManyRequests(
            _("Too many requests for a password reset. Try again later."), retry_after=retry_after
        )
    PasswordResetRequest.objects.create(email_digest=digest, address=address, created_at=now)
    from .. import jobs

    email = (email or "").strip()
    for person in User.objects.filter(email__iexact=email, is_active=True):
        if not person.has_usable_password():
            continue
        audit_record(
            actor=None, action="person.password_reset_request", target=person, changes={"address": address}
        )
        person_id = person.pk
        transaction.on_commit(lambda person_id=person_id: jobs.password_reset_mail_send.delay(person_id))
