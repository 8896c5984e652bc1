"""Person pickers: form widgets that choose people out of thousands without listing them all.

A <select> over everyone the user may see is 5,000 <option>s in a large company, and nobody scrolls it.
These widgets render only the people already chosen, as checked radios (`PersonPicker`, one person) or
checkboxes (`PeoplePicker`, several) carrying the field's name, next to a search box that asks
`people:pick` (htmx) for matches to add; static/lumen/people_picker.js moves a picked match into the
chosen list. The search box has no name, so it is never submitted.

Validation stays the field's own: a ModelChoiceField or ModelMultipleChoiceField checks the posted pks
against its queryset, so a forged pk of someone the user may not see is refused as before. The chosen
people are looked up inside that queryset too (one query), so a pk in an address does not reveal a name.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelectMixin:
    """A select whose options are built in Python, with the markup of Django's select.html and
    select_option.html: a department select lists every department (a hundred and more), and a template
    include per option was a visible share of the pages that show one (the feed's composer, the
    directory's filter)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{escape(group_name)}">')
            parts.extend(
                f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{escape(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value is escaped


class QuickSelect(QuickSelectMixin, forms.Select):
    pass


class QuickSelectMultiple(QuickSelectMixin, forms.SelectMultiple):
    pass


DEFAULT_EMPTY_LABEL = "---------"  # Django's own empty_label: shown as a dash instead


class PersonPicker(forms.Widget):
    """One person: the chosen one as a checked radio, a search box for another one.

    `blank_label` names the "nobody" choice of a field that is not required (the field's `empty_label`
    by default, else "—"); `clearable=False` leaves that choice out (the field still decides whether an
    empty value is valid). `placeholder` is the search box's hint.
    """

    template_name = "people/partials/pick_widget.html"
    allow_multiple_selected = False
    input_type = "radio"

    def __init__(self, attrs=None, *, blank_label=None, clearable: bool = True, placeholder=None):
        super().__init__(attrs)
        self.blank_label = blank_label
        self.clearable = clearable
        self.placeholder = placeholder
        # A ModelChoiceField puts its ModelChoiceIterator here; it is read for its queryset, never iterated.
        self.choices = ()

    def use_required_attribute(self, initial) -> bool:
        # The inputs the browser would check are the chosen radios, which the person never types into.
        return False

    def format_value(self, value) -> list[str]:
        if value is None or value == "":
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        return [str(getattr(v, "pk", v)) for v in value if v is not None and v != ""]

    def value_from_datadict(self, data, files, name):
        if self.allow_multiple_selected:
            getter = getattr(data, "getlist", None)
            return getter(name) if getter else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data, files, name) -> bool:
        # Unticked checkboxes send nothing at all: for several people "absent" means "nobody".
        return False if self.allow_multiple_selected else name not in data

    def chosen_people(self, values: list[str]) -> list:
        """The people behind `values` (pks), in that order, as far as the field's queryset allows."""
        pks: list[int] = []
        for value in values:
            try:
                pks.append(int(value))
            except (TypeError, ValueError):
                continue
        pks = list(dict.fromkeys(pks))
        allowed = getattr(self.choices, "queryset", None)
        if not pks or allowed is None:
            return []
        model = allowed.model
        found = (
            model._default_manager.filter(pk__in=allowed.filter(pk__in=pks).values("pk"))
            .select_related("department")
            .only("id", "first_name", "last_name", "email", "is_active", "department__name")
        )
        by_pk = {person.pk: person for person in found}
        return [by_pk[pk] for pk in pks if pk in by_pk]

    def _blank_label(self):
        if self.blank_label is not None:
            return self.blank_label
        field = getattr(self.choices, "field", None)
        label = getattr(field, "empty_label", None)
        return label if label and label != DEFAULT_EMPTY_LABEL else "—"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        multiple = self.allow_multiple_selected
        search_id = widget["attrs"].get("id") or f"pick-{name}"
        widget["attrs"]["id"] = search_id
        widget.update(
            chosen=self.chosen_people(widget["value"]),
            multiple=multiple,
            input_type=self.input_type,
            show_blank=not multiple and self.clearable and not self.is_required,
            blank_label=self._blank_label(),
            results_id=f"{search_id}-results",
            search_url=reverse("people:pick") + "?" + urlencode({"name": name, "multiple": int(multiple)}),
            placeholder=self.placeholder or _("Find a colleague…"),
        )
        return context


class PeoplePicker(PersonPicker):
    """Several people: the chosen ones as checked checkboxes, a search box to add more."""

    allow_multiple_selected = True
    input_type = "checkbox"
