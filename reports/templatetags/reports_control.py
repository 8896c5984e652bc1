"""Template helpers of the control pages (the dashboard, touch control, the control-time heartbeat)."""

import html

from django import template
from django.utils.formats import localize
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


def _escaped(value) -> str:
    """`conditional_escape` as a plain str (what format_html gives each of its arguments)."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


@register.filter
def control_cells(cells) -> str:
    """The `<td>`s of one dashboard row, built in Python: a page has hundreds of cells, and a template loop
    of a dozen nodes per cell was most of the page's rendering time. The same markup as the loop it replaced:
    signal class and data attribute, the hint as a title and for screen readers, an icon for red and amber
    (colour is never the only sign), the link when the cell has one.

    Plain f-strings, each value escaped as `format_html` would (which cost a third of the page)."""
    parts = []
    for cell in cells:
        signal = _escaped(str(cell.signal))
        icon = SIGNAL_ICONS.get(str(cell.signal), "")
        # Every piece is escaped as it is added, so the inner markup is HTML whatever the cell has (the hint's
        # hidden span of a green cell once came out as text).
        inner = f'<i class="bi {_escaped(icon)}" aria-hidden="true"></i> ' if icon else ""
        inner += _escaped(localize(cell.display))
        hint = cell.hint
        if hint:
            inner += f'<span class="visually-hidden"> ({_escaped(hint)})</span>'
        detail = getattr(cell, "detail", "")
        href = cell.url or detail
        if detail:
            # The cell opens its cause in place (static/reports/control-board.js); without JavaScript, or with a
            # modifier key, the link still leads to the list behind it (or to the detail as a page).
            inner = (
                f'<a href="{_escaped(href)}" class="control-detail-link" data-detail-url="{_escaped(detail)}"'
                f' aria-expanded="false">{inner}</a>'
            )
        elif cell.url:
            inner = f'<a href="{_escaped(cell.url)}">{inner}</a>'
        title = f' title="{_escaped(hint)}"' if hint else ""
        parts.append(
            f'<td class="control-cell control-cell-{signal}" data-signal="{signal}"{title}>{inner}</td>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every part escaped above
