"""Form widgets shared by every app: the chip picker and the date-time input with quick dates.

`ChipPicker` is the one picker for people, departments, groups, "everyone", tasks and tags. It renders the
chosen things as chips, each carrying a hidden input with the value the form field expects, next to a
search box (a combobox) that asks the lookup endpoint (portal/core/pickers.py) for matches;
static/lumen/chip_picker.js does the typing, the keyboard (arrows, Enter, Escape, Backspace) and the chips.
The search box has no name: only the chips are posted.

Validation stays the form field's own: a ModelChoiceField checks the posted pks against its queryset, a
forged value is refused as before. The chips of a bound or initial form are labelled through the sources'
`resolve`, which only answers what the form's user may see (the form gives the widget its user with
`bind_pickers(form, user)`); a value nobody resolves is shown as its number, so a pk in an address reveals no
name.

One picker may post into several fields: `names={"departments": "departments", "groups": "groups"}` sends a
chip of each source under its own field name (the post audience), so the form keeps its fields and checks.
"""

from __future__ import annotations

import calendar
import datetime
import json

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.pickers import lookup_resolve
from portal.core.registry import registry

PICKER_MEDIA = forms.Media(js=["lumen/chip_picker.js"], css={"all": ["lumen/chip_picker.css"]})


class ChipPicker(forms.Widget):
    """Chips for the chosen values of `sources` (lookup source keys) and a search box to add more.

    `multiple=False`: one value, a new pick replaces it. `names`: source -> posted field name (default: the
    field's own name for every source). `create`: what is typed may become a chip of its own (tag names).
    """

    template_name = "core/widgets/chip_picker.html"
    media = PICKER_MEDIA

    def __init__(
        self,
        attrs=None,
        *,
        sources: list[str] | tuple[str, ...],
        multiple: bool = True,
        names: dict[str, str] | None = None,
        create: bool = False,
        placeholder=None,
    ):
        super().__init__(attrs)
        self.sources = list(sources)
        self.multiple = multiple
        self.names = dict(names or {})
        self.create = create
        self.placeholder = placeholder
        self.user = None
        self.form_labels = None  # set by bind_pickers: the labels shared by the form's pickers
        # A ModelChoiceField puts its ModelChoiceIterator here; the widget never iterates it.
        self.choices = ()

    @property
    def is_hidden(self) -> bool:
        return False

    def use_required_attribute(self, initial) -> bool:
        return False  # the browser would ask for the search box, which is never posted

    # --- data -------------------------------------------------------------------------------------------

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        if self.names:
            pairs = []
            for source, field_name in self.names.items():
                values = getter(field_name) if getter else data.get(field_name, [])
                if not isinstance(values, list | tuple):
                    values = [values]
                pairs += [(source, str(value)) for value in values if value not in (None, "")]
            return pairs
        if self.multiple:
            return getter(name) if getter else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data, files, name) -> bool:
        # Several chips removed send nothing at all: for a multiple picker "absent" means "none".
        if self.names or self.multiple:
            return False
        return name not in data

    def format_value(self, value) -> list[tuple[str, str]]:
        """(source, value) pairs of the chosen things."""
        if value is None or value == "":
            return []
        if isinstance(value, str) or not isinstance(value, list | tuple):
            value = [value]
        pairs = []
        for item in value:
            if isinstance(item, tuple) and len(item) == 2:
                pairs.append((str(item[0]), str(item[1])))
            elif item is not None and item != "":
                pairs.append((self.sources[0], str(getattr(item, "pk", item))))
        return pairs

    # --- rendering --------------------------------------------------------------------------------------

    def chips(self, pairs: list[tuple[str, str]], name: str) -> list[dict]:
        """The chips of `pairs`, labelled by their sources (one query per source and form), in the given order."""
        shared = self.form_labels
        labels = shared.get(pairs) if shared is not None else _resolve_pairs(self.user, pairs)
        chips = []
        for source, value in dict.fromkeys(pairs):
            item = labels.get((source, value))
            if item is None and not self.create:
                label, hint = f"#{value}", ""
            else:
                label, hint = (item.label, item.hint) if item else (value, "")
            registered = registry.lookup_sources.get(source)
            chips.append(
                {
                    "source": source,
                    "icon": registered.icon if registered else "bi-tag",
                    "value": value,
                    "label": label,
                    "hint": hint,
                    "name": self.names.get(source, name),
                }
            )
        return chips if self.multiple else chips[-1:]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        input_id = widget["attrs"].get("id") or f"id_{name}"
        widget["attrs"]["id"] = input_id
        widget.update(
            chips=self.chips(widget["value"], name),
            sources=",".join(self.sources),
            names_json=json.dumps({s: self.names.get(s, name) for s in self.sources}),
            multiple=self.multiple,
            create=self.create,
            lookup_url=reverse("lookup"),
            describedby=widget["attrs"].get("aria-describedby", ""),
            listbox_id=f"{input_id}-listbox",
            status_id=f"{input_id}-status",
            placeholder=self.placeholder or _("Type to search…"),
        )
        return context


class _FormLabels:
    """The chip labels of all the pickers of one form, resolved together on the first render: one query per
    source for the whole form (a task's responsible person, participants and observers are one query)."""

    def __init__(self, form: forms.BaseForm, user, names: list[str]) -> None:
        self.form, self.user, self.names = form, user, names
        self.labels: dict[tuple[str, str], object] | None = None

    def get(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], object]:
        if self.labels is None:
            wanted = list(pairs)
            for name in self.names:
                widget = self.form.fields[name].widget
                wanted += widget.format_value(self.form[name].value())
            self.labels = _resolve_pairs(self.user, wanted)
        missing = [pair for pair in pairs if pair not in self.labels]
        if missing:  # a value the form did not hold when it was first drawn
            self.labels.update(_resolve_pairs(self.user, missing))
        return self.labels


def _resolve_pairs(user, pairs) -> dict[tuple[str, str], object]:
    by_source: dict[str, list[str]] = {}
    for source, value in pairs:
        by_source.setdefault(source, []).append(value)
    labels = {}
    for source, values in by_source.items():
        for item in lookup_resolve(user=user, source=source, values=values):
            labels[(source, item.value)] = item
    return labels


def bind_pickers(form: forms.BaseForm, user) -> None:
    """Give every picker of `form` the user whose view of the data labels the chips, and let them label
    their chips together."""
    names = [name for name, field in form.fields.items() if isinstance(field.widget, ChipPicker)]
    shared = _FormLabels(form, user, names)
    for name in names:
        widget = form.fields[name].widget
        widget.user = user
        widget.form_labels = shared


# --- quick dates ------------------------------------------------------------------------------------------

QUICK_DATE_FORMAT = "%Y-%m-%dT%H:%M"


def quick_dates(now: datetime.datetime, at: datetime.time) -> list[tuple[str, str, datetime.datetime]]:
    """(key, label, moment) of the quick dates from `now` (local time), each at the time of day `at`:
    today, tomorrow, the end of the week (Friday; the next one on a weekend), the same day next week and
    the last day of the month."""
    today = now.date()
    friday = today + datetime.timedelta(days=(4 - today.weekday()) % 7)
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    days = [
        ("today", _("Today"), today),
        ("tomorrow", _("Tomorrow"), today + datetime.timedelta(days=1)),
        ("week_end", _("End of week"), friday),
        ("next_week", _("Next week"), today + datetime.timedelta(days=7)),
        ("month_end", _("End of month"), month_end),
    ]
    return [(key, label, datetime.datetime.combine(day, at)) for key, label, day in days]


class QuickDateTimeInput(forms.DateTimeInput):
    """A datetime-local input with quick dates beside it (buttons that fill it in, chip_picker.js), computed
    in the active time zone: the one the form reads the value in."""

    template_name = "core/widgets/quick_datetime.html"
    media = PICKER_MEDIA

    def __init__(self, attrs=None, format=QUICK_DATE_FORMAT, *, at: datetime.time = datetime.time(18, 0)):
        super().__init__({"type": "datetime-local", **(attrs or {})}, format=format)
        self.at = at

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        now = timezone.localtime()
        context["widget"]["quick"] = [
            {"key": key, "label": label, "value": moment.strftime(QUICK_DATE_FORMAT)}
            for key, label, moment in quick_dates(now, self.at)
        ]
        return context
