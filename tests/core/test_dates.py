"""Dates in the reader's language: month names inside sentences, a day and its month."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from portal.core.dates import month_year_in_text

NOVEMBER_7 = datetime.date(2026, 11, 7)


@pytest.mark.parametrize(
    "language, expected",
    [("en", "November 2026"), ("ru", "ноябрь 2026 г."), ("de", "November 2026")],
)
def test_month_and_year_inside_a_sentence(language, expected):
    with translation.override(language):
        assert month_year_in_text(NOVEMBER_7) == expected
        # A title keeps the locale's own capitalised form.
        assert formats.date_format(NOVEMBER_7, "YEAR_MONTH_FORMAT").startswith(expected[:1].upper())


def test_a_day_and_its_month_take_the_genitive_in_russian():
    with translation.override("ru"):
        assert formats.date_format(NOVEMBER_7, "MONTH_DAY_FORMAT") == "7 ноября"
        assert Template('{{ d|date:"MONTH_DAY_FORMAT" }}').render(Context({"d": NOVEMBER_7})) == "7 ноября"
    with translation.override("en"):
        assert formats.date_format(NOVEMBER_7, "MONTH_DAY_FORMAT") == "November 7"


@pytest.mark.parametrize(
    "template, path",
    [
        ("core/home.html", "today"),
        ("people/profile.html", "person.birthday"),
        ("people/email/invitation.txt", "invitation.expires_at"),
        ("people/email/invitation.html", "invitation.expires_at"),
    ],
)
def test_no_template_puts_a_nominative_month_after_a_day(template, path):
    """ "j F" reads "7 Ноябрь" in Russian; a day of a month is "j E" ("7 ноября", "7 November" in English)."""
    from django.template.loader import get_template

    source = get_template(template).template.source
    assert f'{path}|date:"j F' not in source and f'{path}|date:"l, j F' not in source
