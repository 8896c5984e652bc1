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
import functools
import html

from django import template
from django.utils import formats, translation
from django.utils.dates import MONTHS, MONTHS_3, MONTHS_ALT, WEEKDAYS, WEEKDAYS_ABBR
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


@functools.lru_cache(maxsize=2048)
def _short_date(day: datetime.date, language: str | None) -> str:
    """A bar's date as the locale writes it, escaped: formatting a date costs more than the rest of its bar, and
    a department's month shows the same few dozen dates on every request."""
    return _esc(formats.date_format(day, "SHORT_DATE_FORMAT"))


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


@register.filter
def chart_head(chart: selectors.AbsenceChart, view: str) -> SafeString:
    """The header after its corner: a cell per month (its name, short when the month shows only a few days) and
    a cell per day (the weekday in the month view, the day's number; the date and the holiday as its title).
    The same text as the `date` filter's "F"/"M", "l, j E" and "D" formats, each name translated once."""
    months: list[list] = []
    for day in chart.days:
        if months and months[-1][0].month == day.date.month:
            months[-1][1] += 1
        else:
            months.append([day.date, 1])
    parts = []
    for first, span in months:
        name = MONTHS[first.month] if span > 6 else str(MONTHS_3[first.month]).title()
        parts.append(f'<div class="wf-month wf-w{span}"><span>{_esc(name)}</span></div>')
    weekdays = [_esc(WEEKDAYS[n]) for n in range(7)]
    letters = [_esc(str(WEEKDAYS_ABBR[n])[:2]) for n in range(7)] if view == "month" else None
    month_names = {}
    for day in chart.days:
        date = day.date
        month = month_names.get(date.month)
        if month is None:
            month = month_names[date.month] = _esc(MONTHS_ALT[date.month])
        title = f"{weekdays[date.weekday()]}, {date.day} {month}"
        if day.holiday or day.workday:
            title += f": {_esc(day.holiday or day.workday)}"
        current = ' aria-current="date"' if day.today else ""
        weekday = f'<span class="wf-weekday">{letters[date.weekday()]}</span>' if letters else ""
        parts.append(
            f'<div class="{day_css(day)}" title="{title}"{current}>{weekday}'
            f'<span class="wf-daynum">{date.day}</span></div>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


def _chosen(field) -> set[str]:
    """The values a bound field shows as chosen, as strings (as Django's choice widgets compare them)."""
    value = field.value()
    values = value if isinstance(value, list | tuple) else [value]
    return {"" if item is None else str(item) for item in values}


def _attrs(attrs: dict) -> str:
    """HTML attributes as Django's widgets write them: True as the bare name, None and False left out."""
    parts = []
    for key, value in attrs.items():
        if value is True:
            parts.append(f" {_esc(key)}")
        elif value is not None and value is not False:
            parts.append(f' {_esc(key)}="{_esc(value)}"')
    return "".join(parts)


@register.filter
def select_box(field) -> SafeString:
    """A bound choice field's `<select>`, as its Select widget renders it, built in Python: the widget renders a
    template per option, and the department filter has an option per department (a hundred in a company of a
    few thousand people took 3 ms)."""
    chosen = _chosen(field)
    attrs = _attrs({"name": field.html_name, **field.field.widget.attrs, "id": field.auto_id})
    options = "".join(
        f'<option value="{_esc(value)}"{" selected" if str(value) in chosen else ""}>{_esc(label)}</option>'
        for value, label in field.field.choices
    )
    return mark_safe(f"<select{attrs}>{options}</select>")  # noqa: S308 - every value escaped above


@register.filter
def check_boxes(field, css: str = "form-check") -> SafeString:
    """A bound multiple choice field's check boxes with their labels, each in a `<div class="form-check">`, as
    the CheckboxSelectMultiple widget names and ids them (`id_<name>_<n>`)."""
    chosen = _chosen(field)
    parts = []
    for number, (value, label) in enumerate(field.field.choices):
        box_id = f"{field.auto_id}_{number}"
        checked = " checked" if str(value) in chosen else ""
        parts.append(
            f'<div class="{_esc(css)}"><input type="checkbox" name="{_esc(field.html_name)}" value="{_esc(value)}"'
            f' id="{_esc(box_id)}"{checked}><label class="form-check-label" for="{_esc(box_id)}">{_esc(label)}'
            "</label></div>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


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
    language = translation.get_language()
    looks: dict[tuple[int, str], str] = {}

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
            dates = f"{_short_date(absence.start, language)} – {_short_date(absence.end, language)}"
            parts.append(
                f'<a class="{css}" href="{detail(absence.pk)}" data-absence="{absence.pk}"'
                f' title="{label}: {dates}">{label}</a>'
            )
        parts.append("</li>")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
