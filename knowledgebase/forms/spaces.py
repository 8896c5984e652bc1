"""The space forms: its settings (title, kind, icon, responsible editor...) and its rights (three audience
pickers: who reads, who edits, who administers)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import EveryoneAccess, PageLanguage, SpaceKind, SpaceRole
from ..models import Space, SpaceGrant
from ..services.spaces import ICONS


def style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, ChipPicker | forms.HiddenInput | forms.MultipleHiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class SpaceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SpaceKind.choices, initial=SpaceKind.COMPANY)
    icon = forms.ChoiceField(label=_("Icon"), choices=[(i, i.removeprefix("bi-")) for i in ICONS])
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsible = forms.ModelChoiceField(
        label=_("Responsible editor"),
        queryset=None,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("A colleague…")),
        help_text=_("Answers for the space: keeps it current and moderates its discussion."),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["departments"], multiple=False, placeholder=_("A department…")),
    )
    workgroup = forms.ModelChoiceField(
        label=_("Workgroup or project"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["groups"], multiple=False, placeholder=_("A workgroup…")),
    )
    everyone_access = forms.ChoiceField(
        label=_("Every employee may"), choices=EveryoneAccess.choices, initial=EveryoneAccess.READ
    )
    language = forms.ChoiceField(label=_("Language of the pages"), choices=PageLanguage.choices)
    moderated = forms.BooleanField(label=_("Moderated discussion"), required=False)

    def __init__(self, *args, user, space: Space | None = None, **kwargs):
        if space is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": space.title,
                    "kind": space.kind,
                    "icon": space.icon,
                    "description": space.description,
                    "responsible": space.responsible_id,
                    "department": space.department_id,
                    "workgroup": space.workgroup_id,
                    "everyone_access": space.everyone_access,
                    "language": space.language,
                    "moderated": space.moderated,
                },
            )
        super().__init__(*args, **kwargs)
        from portal.groups.models import Workgroup
        from portal.people.models import Department

        self.space = space
        self.fields["responsible"].queryset = get_user_model().objects.filter(is_active=True)
        self.fields["department"].queryset = Department.objects.all()
        self.fields["workgroup"].queryset = Workgroup.objects.all()
        if space is not None:
            for name in ("kind", "department", "workgroup"):
                self.fields[name].disabled = True
                self.fields[name].required = False
        if space is not None and space.icon not in dict(self.fields["icon"].choices):
            self.fields["icon"].choices = [*self.fields["icon"].choices, (space.icon, space.icon)]
        style(self)
        bind_pickers(self, user)

    def create_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "icon": data["icon"],
            "description": data["description"],
            "responsible": data["responsible"],
            "department": data.get("department"),
            "workgroup": data.get("workgroup"),
            "everyone_access": data["everyone_access"],
            "language": data["language"],
            "moderated": data["moderated"],
        }

    def update_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "icon": data["icon"],
            "description": data["description"],
            "responsible": data["responsible"],
            "everyone_access": data["everyone_access"],
            "language": data["language"],
            "moderated": data["moderated"],
        }


ROLES = (("read", SpaceRole.READ), ("edit", SpaceRole.EDIT), ("admin", SpaceRole.ADMIN))


class SpaceRightsForm(forms.Form):
    """Everyone's access and one picker per role; each chip posts into `<role>_users`, `<role>_departments` or
    `<role>_groups` (departments count with their sub-departments)."""

    everyone_access = forms.ChoiceField(label=_("Every employee may"), choices=EveryoneAccess.choices)

    def __init__(self, *args, user, space: Space, **kwargs):
        initial = {"everyone_access": space.everyone_access}
        for prefix, _role in ROLES:
            initial[prefix] = []
        for grant in SpaceGrant.objects.filter(content_object=space).order_by("created_at", "id"):
            prefix = {SpaceRole.READ: "read", SpaceRole.EDIT: "edit", SpaceRole.ADMIN: "admin"}[grant.role]
            if grant.user_id:
                initial[prefix].append(("people", str(grant.user_id)))
            elif grant.department_id:
                initial[prefix].append(("departments", str(grant.department_id)))
            else:
                initial[prefix].append(("groups", str(grant.workgroup_id)))
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        from portal.groups.models import Workgroup
        from portal.people.models import Department

        labels = {
            "read": _("Who reads"),
            "edit": _("Who edits"),
            "admin": _("Who administers"),
        }
        for prefix, _role in ROLES:
            names = {
                "departments": f"{prefix}_departments",
                "groups": f"{prefix}_groups",
                "people": f"{prefix}_users",
            }
            self.fields[prefix] = forms.Field(
                label=labels[prefix],
                required=False,
                widget=ChipPicker(
                    sources=list(names), names=names, placeholder=_("A department, a group or a colleague…")
                ),
            )
            self.fields[f"{prefix}_departments"] = forms.ModelMultipleChoiceField(
                queryset=Department.objects.all(), required=False, widget=forms.MultipleHiddenInput
            )
            self.fields[f"{prefix}_groups"] = forms.ModelMultipleChoiceField(
                queryset=Workgroup.objects.all(), required=False, widget=forms.MultipleHiddenInput
            )
            self.fields[f"{prefix}_users"] = forms.ModelMultipleChoiceField(
                queryset=get_user_model().objects.filter(is_active=True),
                required=False,
                widget=forms.MultipleHiddenInput,
            )
        self.space = space
        style(self)
        bind_pickers(self, user)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        out = {"everyone_access": data["everyone_access"]}
        for prefix, _role in ROLES:
            out[{"read": "readers", "edit": "editors", "admin": "admins"}[prefix]] = {
                "users": list(data[f"{prefix}_users"]),
                "departments": list(data[f"{prefix}_departments"]),
                "groups": list(data[f"{prefix}_groups"]),
            }
        return out
