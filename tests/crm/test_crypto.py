"""Stored secrets: encrypted under a key derived from the settings, readable again, refused under another key."""

from __future__ import annotations

import pytest
from django.test import override_settings

from crm.crypto import SecretUnreadable, decrypt_secret, encrypt_secret, rotate_secret

KEY_A = "crm-key-a-0123456789abcdefghijklmnopqrstuvwxyz"
KEY_B = "crm-key-b-0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize("text", ["hunter2", "пароль-Ёжик-№1", "x" * 5000, " spaces kept "])
def test_a_secret_comes_back_as_it_went_in(text):
    token = encrypt_secret(text)
    assert text not in token
    assert decrypt_secret(token) == text


def test_each_encryption_is_different():
    assert encrypt_secret("same") != encrypt_secret("same")


def test_empty_stays_empty():
    assert encrypt_secret("") == ""
    assert decrypt_secret("") == ""


@override_settings(LUMEN_CRM_SECRET_KEY=KEY_A)
def test_the_dedicated_key_is_used_when_set():
    token = encrypt_secret("mailbox-password")
    with override_settings(LUMEN_CRM_SECRET_KEY="", SECRET_KEY=KEY_B, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(SecretUnreadable):
            decrypt_secret(token)
    assert decrypt_secret(token) == "mailbox-password"


def test_a_wrong_key_is_a_clear_error():
    with override_settings(LUMEN_CRM_SECRET_KEY=KEY_A):
        token = encrypt_secret("webhook-secret")
    with override_settings(LUMEN_CRM_SECRET_KEY=KEY_B):
        with pytest.raises(SecretUnreadable) as caught:
            decrypt_secret(token)
    assert caught.value.code == "secret_unreadable"
    assert "LUMEN_CRM_SECRET_KEY" in caught.value.message


@pytest.mark.parametrize("token", ["not-a-token", "gAAAAAB" + "A" * 80, "токен"])
def test_garbage_is_unreadable(token):
    with pytest.raises(SecretUnreadable):
        decrypt_secret(token)


def test_a_tampered_token_is_unreadable():
    token = encrypt_secret("hunter2")
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(SecretUnreadable):
        decrypt_secret(tampered)


def test_setting_a_dedicated_key_keeps_older_secrets_readable_and_rotation_moves_them():
    with override_settings(LUMEN_CRM_SECRET_KEY="", SECRET_KEY=KEY_A, SECRET_KEY_FALLBACKS=[]):
        old = encrypt_secret("imap-password")
    with override_settings(LUMEN_CRM_SECRET_KEY=KEY_B, SECRET_KEY=KEY_A, SECRET_KEY_FALLBACKS=[]):
        assert decrypt_secret(old) == "imap-password"
        rotated = rotate_secret(old)
    with override_settings(
        LUMEN_CRM_SECRET_KEY=KEY_B, SECRET_KEY="another-secret-key", SECRET_KEY_FALLBACKS=[]
    ):
        assert decrypt_secret(rotated) == "imap-password"
        with pytest.raises(SecretUnreadable):
            decrypt_secret(old)


def test_secret_key_fallbacks_still_read():
    with override_settings(LUMEN_CRM_SECRET_KEY="", SECRET_KEY=KEY_A):
        token = encrypt_secret("s3cret")
    with override_settings(LUMEN_CRM_SECRET_KEY="", SECRET_KEY=KEY_B, SECRET_KEY_FALLBACKS=[KEY_A]):
        assert decrypt_secret(token) == "s3cret"
