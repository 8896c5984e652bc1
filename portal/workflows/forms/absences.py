"""Forms of the absence chart: an absence (HR), an absence type (admins), an allowance (HR), and the chart's
filters."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers
from portal.people.models import User

from ..models import Absence, AbsenceType

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def bootstrap(form: forms.BaseForm) -> None:
    """Bootstrap's classes on the form's inputs (the chip picker styles itself)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, ChipPicker):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(widget, forms.Select):
            css = "form-select"
        elif isinstance(widget, forms.TextInput) and widget.input_type == "color":
            css = "form-control form-control-color"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def person_field(label, *, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=User.objects.filter(is_active=True),
        required=required,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )


class AbsenceForm(forms.Form):
    """An absence entered by HR: who, what, from, to, a comment."""

    user = person_field(_("Person"))
    type = forms.ModelChoiceField(label=_("Type"), queryset=AbsenceType.objects.none(), empty_label=None)
    start = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    end = forms.DateField(label=_("To"), widget=DATE_WIDGET)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Seen by the person, their supervisors, HR and administrators."),
    )

    def __init__(self, *args, user, absence: Absence | None = None, **kwargs):
        self.absence = absence
        if absence is not None:
            kwargs.setdefault(
                "initial",
                {
                    "user": absence.user_id,
                    "type": absence.type_id,
                    "start": absence.start,
                    "end": absence.end,
                    "comment": absence.comment,
                },
            )
        super().__init__(*args, **kwargs)
        types = AbsenceType.objects.filter(is_active=True)
        if absence is not None:
            types = AbsenceType.objects.filter(pk=absence.type_id) | types
            self.fields.pop("user")  # the person of an absence stays; delete it and enter another instead
        self.fields["type"].queryset = types.order_by("order", "name")
        if "user" in self.fields:
            bind_pickers(self, user)
        bootstrap(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
            self.add_error("end", _("The last day cannot be before the first."))
        return data


class AbsenceTypeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    color = forms.CharField(
        label=_("Colour"), max_length=7, initial="#0d6efd", widget=forms.TextInput(attrs={"type": "color"})
    )
    counts_allowance = forms.BooleanField(label=_("Counts against the vacation allowance"), required=False)
    private = forms.BooleanField(
        label=_("Private"),
        required=False,
        help_text=_('Colleagues see only "Absent", not the type nor the comment.'),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100)

    def __init__(self, *args, absence_type: AbsenceType | None = None, **kwargs):
        if absence_type is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": absence_type.name,
                    "color": absence_type.color,
                    "counts_allowance": absence_type.counts_allowance,
                    "private": absence_type.private,
                    "is_active": absence_type.is_active,
                    "order": absence_type.order,
                },
            )
        super().__init__(*args, **kwargs)
        bootstrap(self)


class AllowanceForm(forms.Form):
    user = person_field(_("Person"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    days = forms.DecimalField(label=_("Days"), min_value=0, max_value=366, decimal_places=1, max_digits=4)
    carried_over = forms.DecimalField(
        label=_("Carried over"),
        required=False,
        min_value=0,
        max_value=366,
        decimal_places=1,
        max_digits=4,
        help_text=_("Empty: keep what the carry-over set."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)
        bootstrap(self)


VIEW_CHOICES = (("month", _("Month")), ("quarter", _("Quarter")))


class ChartFilterForm(forms.Form):
    """The chart's filters: the period (a month or a quarter from a month), a department (with its
    sub-departments), types, only people away."""

    view = forms.ChoiceField(label=_("View"), choices=VIEW_CHOICES, required=False)
    month = forms.CharField(
        label=_("Month"), required=False, widget=forms.DateInput(attrs={"type": "month"}), max_length=7
    )
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)
    type = forms.TypedMultipleChoiceField(
        label=_("Types"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    absent = forms.BooleanField(label=_("Only people away"), required=False)

    def __init__(self, *args, departments: list[tuple[int, str]], types: list[AbsenceType], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("Everyone")), *departments]
        self.fields["type"].choices = [(t.pk, t.name) for t in types]
        self.fields["view"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["department"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["month"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["absent"].widget.attrs["class"] = "form-check-input"

    def period(self, today: datetime.date) -> tuple[str, datetime.date]:
        """(view, the first day of the first month) of a valid form; this month by default."""
        data = self.cleaned_data if self.is_valid() else {}
        view = data.get("view") or "month"
        first = today.replace(day=1)
        text = (data.get("month") or "").strip()
        try:
            year, month = (int(part) for part in text.split("-"))
            if 2000 <= year <= 2100:
                first = datetime.date(year, month, 1)
        except ValueError:
            pass
        if view == "quarter":
            first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
        return view, first
