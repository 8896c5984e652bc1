"""Phone normalisation: E.164 or nothing, and the tail that matches numbers written without a code."""

from __future__ import annotations

import pytest

from crm.phones import normalize_phone, phone_tail


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+7 (495) 123-45-67", "RU", "+74951234567"),
        ("8 (495) 123-45-67", "RU", "+74951234567"),
        ("8-916-555-12-34", "ru", "+79165551234"),
        ("495 123 45 67", "RU", "+74951234567"),
        ("+49 30 901820", "RU", "+4930901820"),
        ("030 901820", "DE", "+4930901820"),
        ("(202) 555-0143", "US", "+12025550143"),
        ("00 44 20 7946 0958", "DE", "+442079460958"),
        ("+7 495 123-45-67 доб. 123", "RU", "+74951234567"),
        ("  +74951234567  ", "", "+74951234567"),
    ],
)
def test_numbers_become_e164(raw, region, expected):
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("", "RU"),
        ("   ", "RU"),
        ("не номер", "RU"),
        ("12", "RU"),
        ("+7 495 123", "RU"),
        ("4951234567", ""),  # no "+" and no region to read it in
        ("4951234567", "XX"),
        ("+7" + "9" * 30, "RU"),
        ("1" * 100, "RU"),
    ],
)
def test_impossible_numbers_become_empty(raw, region):
    assert normalize_phone(raw, region) == ""


def test_none_is_taken_as_empty():
    assert normalize_phone(None, "RU") == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("e164", "tail"),
    [
        ("+74951234567", "4951234567"),
        ("+12025550143", "2025550143"),
        ("+4930901820", "4930901820"),
        ("+442079460958", "2079460958"),
        ("+3726123456", "3726123456"),
        ("+372612345", "372612345"),
        ("", ""),
    ],
)
def test_tail_is_the_last_ten_digits(e164, tail):
    assert phone_tail(e164) == tail


def test_a_number_written_with_and_without_a_code_share_a_tail():
    assert phone_tail(normalize_phone("+7 495 123-45-67", "RU")) == phone_tail(
        normalize_phone("(495) 1234567", "KZ")
    )
