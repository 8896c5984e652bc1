"""Template helpers of the control-time panel (the measured control time against its budget)."""

from django import template

register = template.Library()


@register.filter
def min_sec(seconds) -> str:
    """A number of seconds in minutes and seconds ("2 min 15 s", "45 s"); the sibling of `minutes`, which
    rounds to whole minutes."""
    from reports.selectors import duration_text

    return duration_text(seconds)
