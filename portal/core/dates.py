"""Dates inside sentences, in the reader's language.

Django's locale formats are made for dates standing alone (a column, a page title). Some languages write a
month name differently inside a running sentence: Russian capitalises the nominative month only at the start
("Ноябрь 2026 г." as a title) and writes it lower-case inside a sentence ("Ваш табель за ноябрь 2026 г.").
"""

from __future__ import annotations

import datetime

from django.utils.formats import date_format

__all__ = ["month_year_in_text"]


def _months_lower_case_in_text(value: datetime.date) -> bool:
    """Whether the active language writes month names lower-case inside a sentence.

    Read from the language's own data rather than from a list of codes: a language that writes months
    lower-case has a lower-case "alternative" (genitive) month form too ("ноября"), while one that
    capitalises them keeps the capital there ("November", "November" in German).
    """
    alternative = date_format(value, "E")
    return alternative[:1].islower()


def month_year_in_text(value: datetime.date) -> str:
    """The month and year of `value` to put inside a sentence ("for November 2026", "за ноябрь 2026 г.").

    Titles and column heads keep `YEAR_MONTH_FORMAT` (or `|date:"F Y"`), whose month is capitalised.
    """
    text = date_format(value, "YEAR_MONTH_FORMAT")
    if _months_lower_case_in_text(value):
        month = date_format(value, "F")
        text = text.replace(month, month[:1].lower() + month[1:], 1)
    return text
