"""Template helpers of the control pages (the dashboard, touch control, the control-time heartbeat)."""

from django import template

register = template.Library()

SIGNAL_ICONS = {
    "red": "bi-exclamation-octagon-fill text-danger",
    "amber": "bi-exclamation-triangle-fill text-warning",
}


@register.simple_tag(takes_context=True)
def may_control(context) -> bool:
    """Whether the signed-in person has control pages (and so the control-time heartbeat)."""
    from reports.selectors import can_control

    request = context.get("request")
    return can_control(getattr(request, "user", None))


@register.filter
def signal_icon(signal) -> str:
    """The Bootstrap icon classes of a red or amber cell (colour is never the only sign)."""
    return SIGNAL_ICONS.get(str(signal), "")


@register.filter
def minutes(seconds) -> int:
    """Whole minutes of a number of seconds (rounded)."""
    try:
        return round(int(seconds or 0) / 60)
    except (TypeError, ValueError):
        return 0


@register.filter
def percent_of(value, total) -> int:
    """`value` as a whole percentage of `total`, capped at 100 (for progress bars)."""
    try:
        value, total = float(value or 0), float(total or 0)
    except (TypeError, ValueError):
        return 0
    if total <= 0:
        return 100 if value > 0 else 0
    return min(100, round(value * 100 / total))
