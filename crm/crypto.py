"""Secrets the CRM must use again (mailbox passwords, store webhook secrets), stored encrypted.

Fernet (AES-128-CBC with an HMAC-SHA256 tag) under a key derived with HKDF-SHA256 from
``settings.LUMEN_CRM_SECRET_KEY``, or from ``settings.SECRET_KEY`` while that is empty. Reading also tries the
keys that were in use before: ``SECRET_KEY`` once a dedicated key is set, and ``SECRET_KEY_FALLBACKS``, so
that setting or rotating a key does not lose the secrets already stored. ``rotate_secret`` re-encrypts one
under the current key.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from portal.core.errors import DomainError

_SALT = b"lumen.crm.secrets"
_INFO = b"fernet-key-v1"


class SecretUnreadable(DomainError):
    """A stored secret that the configured keys cannot decrypt (the key changed, or the value was altered)."""

    code = "secret_unreadable"

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or _(
                "A stored secret cannot be read with the current key (LUMEN_CRM_SECRET_KEY or SECRET_KEY "
                "changed since it was saved). Enter it again."
            )
        )


def _fernet_key(secret: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(derived)


@functools.lru_cache(maxsize=8)
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(secret)) for secret in secrets])


def _keys() -> tuple[str, ...]:
    """The current secret first, then the older ones that may still have encrypted something."""
    dedicated = getattr(settings, "LUMEN_CRM_SECRET_KEY", "") or ""
    secrets = [dedicated] if dedicated else []
    secrets += [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    keys = tuple(dict.fromkeys(s for s in secrets if s))
    if not keys:
        raise ImproperlyConfigured("Set LUMEN_CRM_SECRET_KEY or SECRET_KEY to store CRM secrets.")
    return keys


def encrypt_secret(text: str) -> str:
    """A token to store in place of ``text``; an empty text stays empty (nothing was entered)."""
    if not text:
        return ""
    return _fernet(_keys()).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt_secret(token: str) -> str:
    """The text ``encrypt_secret`` was given; ``SecretUnreadable`` when no configured key opens it."""
    if not token:
        return ""
    try:
        return _fernet(_keys()).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretUnreadable() from exc


def rotate_secret(token: str) -> str:
    """``token`` encrypted again under the current key (after a key change); ``SecretUnreadable`` as above."""
    if not token:
        return ""
    try:
        return _fernet(_keys()).rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretUnreadable() from exc
