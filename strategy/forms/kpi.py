"""Forms of KPI cards: the card (who it is for, its period) and its lines (indicator, weight, cap, own target)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from ..models import Indicator, KpiCard
from ..models.indicators import PeriodKind
from ..models.kpi import HolderKind
from .indicators import bootstrap


class KpiCardForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    holder_kind = forms.ChoiceField(label=_("For"), choices=HolderKind.choices)
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, required=False)
    include_subdepartments = forms.BooleanField(label=_("With sub-departments"), required=False)
    period = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)

    def __init__(self, *args, user, card: KpiCard | None = None, **kwargs):
        from portal.people.models import Department

        if card is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": card.name,
                "holder_kind": card.holder_kind,
                "person": card.person_id,
                "position": card.position,
                "department": card.department_id,
                "include_subdepartments": card.include_subdepartments,
                "period": card.period,
            }
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = get_user_model().objects.filter(is_active=True)
        self.fields["department"].queryset = Department.objects.visible_to(user).order_by("path")
        bind_pickers(self, user)
        bootstrap(self)
        self.fields["include_subdepartments"].widget.attrs["class"] = "form-check-input"


class KpiLineForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=None, required=False)
    weight = forms.DecimalField(label=_("Weight"), initial=1, max_digits=7, decimal_places=2, required=False)
    cap = forms.DecimalField(label=_("Cap, %"), initial=100, max_digits=7, decimal_places=2, required=False)
    target = forms.DecimalField(label=_("Own target"), max_digits=18, decimal_places=4, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.visible_to(user).order_by("name")
        bootstrap(self)


KpiLineFormSet = forms.formset_factory(KpiLineForm, extra=3, max_num=30)


def line_formset(data=None, *, user, card: KpiCard | None = None):
    initial = None
    # On a POST the lines are what was posted: compared with the card's, an unchanged line would count as empty.
    if card is not None and data is None:
        initial = [
            {"indicator": ln.indicator_id, "weight": ln.weight, "cap": ln.cap, "target": ln.target}
            for ln in card.lines.order_by("position", "id")
        ]
    return KpiLineFormSet(data, initial=initial, prefix="lines", form_kwargs={"user": user})


def lines_of(formset) -> list[dict]:
    """The filled lines of a valid formset, for the services."""
    return [
        {
            "indicator": form.cleaned_data["indicator"],
            "weight": form.cleaned_data.get("weight") or 1,
            "cap": form.cleaned_data.get("cap") or 100,
            "target": form.cleaned_data.get("target"),
        }
        for form in formset.forms
        if form.cleaned_data.get("indicator")
    ]
