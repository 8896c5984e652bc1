"""Tasks: the "my tags" forms (create, rename, merge)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .. import selectors, services
from ..models import Tag
from .fields import INPUT, SELECT, ServiceErrorsMixin


def tag_label(tag: Tag) -> str:
    return f"{tag.name} ({tag.group.name})" if tag.group_id else tag.name


class TagCreateForm(ServiceErrorsMixin, forms.Form):
    """A personal tag, or one shared within a group the person belongs to."""

    name = forms.CharField(
        label=pgettext_lazy("tag", "Name"),
        max_length=Tag._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={**INPUT, "placeholder": gettext_lazy("New tag")}),
    )
    group = forms.ModelChoiceField(
        label=pgettext_lazy("tag", "For"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Only me"),
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, user, **kwargs):
        from portal.groups.selectors import group_list_of_member

        super().__init__(*args, prefix="new", **kwargs)
        self.fields["group"].queryset = group_list_of_member(user=user)
        self.fields["group"].label_from_instance = lambda g: _("Everyone in %(group)s") % {"group": g.name}

    def save(self, *, actor) -> Tag | None:
        data = self.cleaned_data
        return self.run_atomic(
            lambda: services.tag_create(actor=actor, name=data["name"], group=data["group"])
        )


class TagRenameForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("New name"),
        max_length=Tag._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs=INPUT),
    )

    def __init__(self, *args, tag: Tag, **kwargs):
        self.tag = tag
        kwargs.setdefault("initial", {"name": tag.name})
        super().__init__(*args, **kwargs)

    def save(self, *, actor) -> Tag | None:
        return self.run_atomic(
            lambda: services.tag_rename(actor=actor, tag=self.tag, name=self.cleaned_data["name"])
        )


class TagMergeForm(ServiceErrorsMixin, forms.Form):
    """Merge one of my tags into another: the first one's tasks get the second, and the first goes."""

    source = forms.ModelChoiceField(
        label=gettext_lazy("Merge"), queryset=None, widget=forms.Select(attrs=SELECT)
    )
    target = forms.ModelChoiceField(
        label=gettext_lazy("into"), queryset=None, widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, prefix="merge", **kwargs)
        managed = selectors.tag_list_managed(user=user)
        for name in ("source", "target"):
            self.fields[name].queryset = managed
            self.fields[name].label_from_instance = tag_label
            self.fields[name].error_messages["invalid_choice"] = _("Choose one of your tags.")

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("target") and data["source"].pk == data["target"].pk:
            self.add_error("target", _("Choose another tag to merge into."))
        return data

    def save(self, *, actor) -> Tag | None:
        data = self.cleaned_data
        return self.run_atomic(
            lambda: services.tag_merge(actor=actor, source=data["source"], target=data["target"])
        )
