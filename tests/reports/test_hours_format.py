"""Hours on the control dashboard follow the reader's number format."""

from django.utils import translation

from reports.selectors.control_columns import _hours


def test_hours_use_the_languages_decimal_separator():
    with translation.override("en"):
        assert _hours(27000) == "7.5"
    with translation.override("ru"):
        assert _hours(27000) == "7,5"
        assert _hours(0) == "0,0"
