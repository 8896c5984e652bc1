"""Forms of the group pages: they validate input and call services; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from . import services
from .choices import MemberRole
from .models import Workgroup


class ServiceFormMixin:
    """Runs a service and turns its ValidationError into field-by-field form errors."""

    def run(self, service, **kwargs):
        try:
            return service(**kwargs)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, exc)
            return None


class WorkgroupForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = Workgroup
        fields = ["name", "description", "kind", "visibility", "start_date", "end_date", "department"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control", "autofocus": True}),
            "description": forms.Textarea(attrs={"class": "form-control", "rows": 4}),
            "kind": forms.Select(attrs={"class": "form-select"}),
            "visibility": forms.Select(attrs={"class": "form-select"}),
            "start_date": forms.DateInput(attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d"),
            "department": forms.Select(attrs={"class": "form-select"}),
        }
        help_texts = {"start_date": _("Projects need a start and an end date.")}

    def _post_clean(self):
        # The services validate and save; the model's own full_clean would only repeat them.
        pass

    def save(self, *, actor):
        data = {field: self.cleaned_data.get(field) for field in self.Meta.fields}
        data["description"] = data["description"] or ""
        if self.instance.pk:
            return self.run(services.group_update, actor=actor, group=self.instance, **data)
        return self.run(services.group_create, actor=actor, **data)


class MemberAddForm(ServiceFormMixin, forms.Form):
    user = forms.ModelChoiceField(
        label=_("Person"), queryset=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=MemberRole.choices,
        initial=MemberRole.MEMBER,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, candidates, can_set_roles: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.full_name} ({u.department})" if u.department_id else u.full_name or u.email
        )
        if not can_set_roles:
            self.fields["role"].choices = [(MemberRole.MEMBER, MemberRole.MEMBER.label)]

    def save(self, *, actor, group):
        return self.run(
            services.group_member_add,
            actor=actor,
            group=group,
            user=self.cleaned_data["user"],
            role=self.cleaned_data["role"],
        )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=MemberRole.choices)


class JoinRequestForm(ServiceFormMixin, forms.Form):
    message = forms.CharField(
        label=_("Message to the moderators"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )


class GroupFileForm(ServiceFormMixin, forms.Form):
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"class": "form-control"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Up to %(limit)s.") % {
            "limit": filesizeformat(settings.LUMEN_GROUP_FILE_MAX_BYTES)
        }

    def save(self, *, actor, group):
        return self.run(
            services.group_file_upload, actor=actor, group=group, uploaded_file=self.cleaned_data["file"]
        )
