"""The absence chart's body, built in Python (portal/workflows/templates/workflows/absences/partials/chart.html).

A 300-person month is 300 rows and some 350 bars. The day grid (weekends, holidays, today's line, month starts) is
drawn once behind all rows (`chart_layer`), so a row carries only its name cell and its bars, placed on the CSS
grid by short classes (`wf-s<offset>`: the first day, `wf-w<span>`: the days, `wf-t<type>`: the colour, which
absence_chart.js sets once per type from the chart's `data-colors`; the Content-Security-Policy refuses style
attributes). A bar links to its absence (a click opens the details in the popover); its title says the type and
the dates. Plain f-strings with every value escaped as it is added (`format_html` per cell cost a third of the
page; see reports' `control_cells`).
"""

from __future__ import annotations

import datetime
import html

from django import template
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe

from portal.core.links import url_for_pk
from portal.core.templatetags.lumen import avatar_html

from ..selectors import absences as selectors

register = template.Library()

# The key of the colour of a bar whose type the reader may not see ("Absent", in grey).
HIDDEN_KEY = 0
_ID = 987654321  # a placeholder id: each route is reversed once per page, and the id glued in per row


def _esc(value) -> str:
    return html.escape(str(value))


def _link_maker(viewname: str):
    head, _found, tail = url_for_pk(viewname, _ID).partition(str(_ID))
    return lambda pk: f"{head}{int(pk)}{tail}"


def day_css(day: selectors.ChartDay) -> str:
    """The classes of a day column: weekend or holiday shading, a moved working day, today, a month's start."""
    css = "wf-day"
    if day.off:
        css += " wf-off"
    if day.holiday:
        css += " wf-holiday"
    if day.workday:
        css += " wf-workday"
    if day.today:
        css += " wf-today"
    if day.month_start:
        css += " wf-month-start"
    return css


register.filter("day_css", day_css)


def color_key(view: selectors.AbsenceView) -> int:
    """The colour class of a bar: its type's id, or HIDDEN_KEY when the reader may not see the type."""
    return HIDDEN_KEY if view.type is None else view.absence.type_id


@register.filter
def chart_colors(chart: selectors.AbsenceChart) -> str:
    """`<key>:<colour>` of every colour the chart's bars use (`data-colors`, read by absence_chart.js)."""
    colors: dict[int, str] = {}
    for row in chart.rows:
        for bar in row.bars:
            colors.setdefault(color_key(bar.view), bar.view.color)
    return " ".join(f"{key}:{color}" for key, color in sorted(colors.items()))


@register.filter
def chart_layer(chart: selectors.AbsenceChart) -> SafeString:
    """The day columns behind all rows, once for the whole chart."""
    return mark_safe("".join(f'<i class="{day_css(day)}"></i>' for day in chart.days))  # noqa: S308 - fixed classes


def _name_cell(person, profile) -> str:
    """The sticky name cell: a link to the profile with the avatar (a photo, or the initials drawn by CSS from
    `data-i`: the initials' markup was the largest part of a row) and the name."""
    name = _esc(person)
    if person.photo:
        return f'<a class="wf-name" href="{profile(person.pk)}">{avatar_html(person, 20, 10)}{name}</a>'
    return f'<a class="wf-name" href="{profile(person.pk)}" data-i="{_esc(person.initials)}">{name}</a>'


@register.filter
def chart_rows(chart: selectors.AbsenceChart) -> SafeString:
    """Every row of the chart: `<li>`, the name cell, the bars (see the module's docstring)."""
    profile = _link_maker("people:profile")
    detail = _link_maker("workflows:absence_detail")
    dates: dict[datetime.date, str] = {}
    looks: dict[tuple[int, str], str] = {}

    def date(day: datetime.date) -> str:
        text = dates.get(day)
        if text is None:
            text = dates[day] = _esc(formats.date_format(day, "SHORT_DATE_FORMAT"))
        return text

    parts: list[str] = []
    for row in chart.rows:
        parts.append("<li>")
        parts.append(_name_cell(row.person, profile))
        for bar in row.bars:
            view = bar.view
            absence = view.absence
            key = color_key(view)
            label = looks.get((key, view.label))
            if label is None:
                label = looks[(key, view.label)] = _esc(view.label)
            css = f"wf-bar wf-s{bar.offset} wf-w{bar.span} wf-t{key}"
            if bar.cut_before:
                css += " wf-cut-before"
            if bar.cut_after:
                css += " wf-cut-after"
            parts.append(
                f'<a class="{css}" href="{detail(absence.pk)}" data-absence="{absence.pk}"'
                f' title="{label}: {date(absence.start)} – {date(absence.end)}">{label}</a>'
            )
        parts.append("</li>")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
