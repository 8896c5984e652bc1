"""The store connection forms: the connection's settings and its order status -> stage map."""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ..choices import StoreAdapter
from ..models import Pipeline, StoreConnection
from ..selectors.stores import store_stages
from ..services.stores import statuses_of

FIELDS = ("name", "pipeline", "responsible", "is_active")
EXTRA_ROWS = 2


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class StoreForm(forms.Form):
    """Create: the settings and the kind of store. Edit: the settings and one stage select per status (the
    store's usual statuses, those already mapped, and empty rows for other words)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    adapter = forms.ChoiceField(label=_("Kind of store"), choices=StoreAdapter.choices)
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.none())
    responsible = forms.ModelChoiceField(
        label=_("Responsible for new deals"), queryset=get_user_model().objects.none(), required=False
    )
    is_active = forms.BooleanField(label=_("Take orders"), required=False, initial=True)

    def __init__(self, *args, connection: StoreConnection | None = None, **kwargs):
        self.connection = connection
        if connection is not None:
            kwargs.setdefault("initial", {name: getattr(connection, name) for name in FIELDS})
        super().__init__(*args, **kwargs)
        self.fields["pipeline"].queryset = Pipeline.objects.filter(is_active=True).order_by("sort", "name")
        self.fields["responsible"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "id")
        )
        self.status_rows: list[tuple[str, str]] = []  # (status, field name)
        self.extra_rows: list[tuple[str, str]] = []  # (status field, stage field)
        if connection is not None:
            del self.fields["adapter"]
            self._add_status_fields(connection)
        _styled(self)

    def _stage_choices(self) -> list:
        choices: list = [("", "—")]
        for pipeline, stages in groupby(store_stages(), key=lambda stage: stage.pipeline):
            choices.append((pipeline.name, [(str(stage.pk), stage.name) for stage in stages]))
        return choices

    def _add_status_fields(self, connection: StoreConnection) -> None:
        choices = self._stage_choices()
        for index, status in enumerate(statuses_of(connection)):
            name = f"status_{index}"
            self.fields[name] = forms.ChoiceField(label=status, choices=choices, required=False)
            self.initial.setdefault(name, str(connection.status_map.get(status, "")))
            self.status_rows.append((status, name))
        for index in range(EXTRA_ROWS):
            word, stage = f"extra_status_{index}", f"extra_stage_{index}"
            self.fields[word] = forms.CharField(label=_("Other status"), max_length=50, required=False)
            self.fields[stage] = forms.ChoiceField(label=_("Stage"), choices=choices, required=False)
            self.extra_rows.append((word, stage))

    def status_fields(self):
        return [(status, self[name]) for status, name in self.status_rows]

    def extra_fields(self):
        return [(self[word], self[stage]) for word, stage in self.extra_rows]

    def clean(self):
        data = super().clean()
        pipeline = data.get("pipeline")
        if self.connection is None or pipeline is None:
            return data
        stages = {str(pk) for pk in pipeline.stages.values_list("pk", flat=True)}
        rows = [(status, name) for status, name in self.status_rows]
        rows += [((data.get(word) or "").strip(), stage) for word, stage in self.extra_rows]
        for status, name in rows:
            stage = data.get(name)
            if stage and status and stage not in stages:
                self.add_error(
                    name, _("Choose a stage of the pipeline “%(name)s”.") % {"name": pipeline.name}
                )
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in FIELDS}

    def status_map(self) -> dict[str, str]:
        result = {}
        for status, name in self.status_rows:
            if self.cleaned_data.get(name):
                result[status] = self.cleaned_data[name]
        for word, stage in self.extra_rows:
            status = (self.cleaned_data.get(word) or "").strip()
            if status and self.cleaned_data.get(stage):
                result[status] = self.cleaned_data[stage]
        return result
