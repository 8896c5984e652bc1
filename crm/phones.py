"""Phone numbers in one shape: E.164 for storing and comparing, a tail for numbers written without a code.

Only ``phonenumbers`` here: models import ``normalize_phone`` to normalise on save.
"""

from __future__ import annotations

import phonenumbers

# A national number is at most ten digits in most numbering plans that matter here (NANP, Russia, most of
# Europe); comparing the last ten matches "+7 495 123-45-67" with "495 123 45 67".
TAIL_DIGITS = 10
_MAX_INPUT = 64


def normalize_phone(raw: str, region: str) -> str:
    """``raw`` as E.164 (``+74951234567``), read in ``region`` (ISO 3166 code) when it has no ``+``.

    An empty string when it cannot be a phone number (letters, too short or too long for the country, no
    country to read it in). Extensions are dropped.
    """
    text = (raw or "").strip()
    if not text or len(text) > _MAX_INPUT:
        return ""
    try:
        number = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_tail(e164: str) -> str:
    """The last ten digits of a number (all of them when it has fewer), for matching without a country code."""
    digits = "".join(ch for ch in e164 or "" if "0" <= ch <= "9")
    return digits[-TAIL_DIGITS:]
