"""Template helpers of the timesheet pages."""

from django import template

register = template.Library()


@register.filter
def timesheet_hours(seconds) -> str:
    """Seconds as H:MM (7:45); empty for nothing, so that empty cells stay quiet."""
    try:
        total = max(0, int(seconds or 0))
    except (TypeError, ValueError):
        return ""
    if not total:
        return ""
    minutes = total // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


@register.filter
def timesheet_signal_class(signal) -> str:
    """The Bootstrap class of a red / amber row or cell."""
    return {"red": "table-danger", "amber": "table-warning"}.get(str(signal or ""), "")
