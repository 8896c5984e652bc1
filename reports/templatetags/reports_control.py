"""Template helpers of the control pages (the dashboard, touch control, the control-time heartbeat)."""

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

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


@register.filter
def control_cells(cells) -> str:
    """The `<td>`s of one dashboard row, built in Python: a page has hundreds of cells, and a template loop
    of a dozen nodes per cell was most of the page's rendering time. The same markup as the loop it replaced:
    signal class and data attribute, the hint as a title and for screen readers, an icon for red and amber
    (colour is never the only sign), the link when the cell has one."""
    parts = []
    for cell in cells:
        signal = str(cell.signal)
        icon = SIGNAL_ICONS.get(signal, "")
        inner = format_html('<i class="bi {}" aria-hidden="true"></i> ', icon) if icon else ""
        inner += conditional_escape(localize(cell.display))
        if cell.hint:
            inner += format_html('<span class="visually-hidden"> ({})</span>', cell.hint)
        if cell.url:
            inner = format_html('<a href="{}">{}</a>', cell.url, inner)
        title = format_html(' title="{}"', cell.hint) if cell.hint else ""
        parts.append(
            format_html(
                '<td class="control-cell control-cell-{}" data-signal="{}"{}>{}</td>',
                signal,
                signal,
                title,
                inner,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every part built by format_html
