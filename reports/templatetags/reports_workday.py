"""Template helpers of the working-day pages."""

from django import template

register = template.Library()


@register.filter
def hours_minutes(seconds) -> str:
    """Seconds as H:MM (7:45); empty for nothing."""
    try:
        total = int(seconds or 0)
    except (TypeError, ValueError):
        return ""
    minutes = max(0, total) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"
