"""Forms of the company pages. They check the shape of input; the rules live in the services.

A service's ValidationError is put back onto the form with `apply_service_errors`, so that the person
sees what is wrong field by field and nothing is saved.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import TIME_ZONE_CHOICES, GroupCreationPolicy
from .models import Company, Department, User

_INPUT_CLASS = {
    "checkbox": "form-check-input",
    "select": "form-select",
    "selectmultiple": "form-select",
}


def style_widget(widget: forms.Widget) -> None:
    css = _INPUT_CLASS.get(getattr(widget, "input_type", None) or "", None)
    if css is None:
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    classes = widget.attrs.get("class", "")
    if css not in classes.split():
        widget.attrs["class"] = f"{classes} {css}".strip()


class BootstrapMixin:
    """Bootstrap classes on every widget, and `is-invalid` on the fields that carry errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            style_widget(field.widget)

    def __getitem__(self, name):
        bound = super().__getitem__(name)
        if self.is_bound and self._errors is not None and name in self._errors:
            classes = bound.field.widget.attrs.get("class", "")
            if "is-invalid" not in classes.split():
                bound.field.widget.attrs["class"] = f"{classes} is-invalid".strip()
        return bound


def apply_service_errors(form: forms.Form, exc: ValidationError, field_map: dict | None = None) -> None:
    """Put a service's ValidationError onto `form`: per field when it names fields the form has,
    otherwise as errors of the whole form."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = field_map.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def department_label(department: Department) -> str:
    return "— " * (department.depth - 1) + department.name


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments in tree order, indented by depth."""

    def label_from_instance(self, obj):
        return department_label(obj)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        label = obj.full_name or obj.email
        if obj.position:
            label = f"{label} ({obj.position})"
        return label


# --- Registration and accounts ----------------------------------------------------------------------


class PasswordPairMixin:
    """Two password fields that must match; the strength rules run in the service."""

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned


class SetupForm(BootstrapMixin, PasswordPairMixin, forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    first_name = forms.CharField(label=_("Your first name"), max_length=100)
    last_name = forms.CharField(label=_("Your last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Your e-mail"), help_text=_("You sign in with this address."))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False))
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput(render_value=False))
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES, initial="UTC")

    field_map = {"password": "password1"}


class LoginForm(BootstrapMixin, AuthenticationForm):
    """Sign in with an e-mail address; a deactivated account gets a message saying so."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "inactive": _("This account has been deactivated. Ask an administrator if this is a mistake."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.label = _("E-mail")
        # An e-mail input of its own (phones show the address keyboard): setting a "type" attribute on
        # Django's text input would render a second `type` next to its own, and browsers keep the first.
        field.widget = forms.EmailInput(attrs={**field.widget.attrs, "autocomplete": "username"})

    def clean(self):
        # Addresses are stored in lower case; people type them any way.
        email = (self.cleaned_data.get("username") or "").strip().lower()
        password = self.cleaned_data.get("password")
        if email and password:
            self.user_cache = authenticate(self.request, username=email, password=password)
            if self.user_cache is None and getattr(self.request, "axes_locked_out", False):
                # Signing in is paused (portal.people.lockout): no password is checked, not even below.
                raise self.get_invalid_login_error()
            if self.user_cache is None:
                # The default backend refuses inactive accounts silently; say so when the password is right.
                user = get_user_model().objects.filter(email=email).first()
                if user is not None and not user.is_active and user.check_password(password):
                    raise ValidationError(self.error_messages["inactive"], code="inactive")
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class StyledPasswordChangeForm(BootstrapMixin, PasswordChangeForm):
    pass


class ApiTokenForm(BootstrapMixin, forms.Form):
    label = forms.CharField(
        label=_("What is it for?"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. reports script")}),
    )


class StyledPasswordResetForm(BootstrapMixin, PasswordResetForm):
    pass


class StyledSetPasswordForm(BootstrapMixin, SetPasswordForm):
    pass


# --- People -----------------------------------------------------------------------------------------


class ProfileForm(BootstrapMixin, forms.ModelForm):
    """The signed-in person's own profile. The photo is checked (size, type) by the service."""

    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
        help_text=_("JPEG, PNG, GIF or WebP."),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "phone",
            "birthday",
            "time_zone",
            "work_start",
            "work_end",
            "language",
            "photo",
        ]
        widgets = {
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "work_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "work_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def changes(self) -> dict:
        """The fields to hand to `person_update` (a photo only when one was uploaded or cleared)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "photo"}
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            data["photo"] = photo
        elif self.cleaned_data.get("remove_photo") and self.instance.photo:
            data["photo"] = ""
        return data

    def _post_clean(self):
        # Model validation happens in the service, which knows who may change what.
        pass


class PersonAdminForm(BootstrapMixin, forms.Form):
    position = forms.CharField(label=pgettext_lazy("job title", "Position"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"))


class PersonMoveForm(BootstrapMixin, forms.Form):
    department = DepartmentChoiceField(label=_("Move to"), queryset=Department.objects.none())

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments.order_by("path")


# --- Departments ------------------------------------------------------------------------------------


class DepartmentRenameForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)


class DepartmentHeadForm(BootstrapMixin, forms.Form):
    head = PersonChoiceField(
        label=_("Head"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— nobody —"),
        help_text=_("A head from another department moves into this one."),
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["head"].queryset = people


class DepartmentMoveForm(BootstrapMixin, forms.Form):
    parent = DepartmentChoiceField(label=_("Move under"), queryset=Department.objects.none())

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["parent"].queryset = departments.order_by("path")


class DepartmentCreateForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = DepartmentChoiceField(label=_("Part of"), queryset=Department.objects.none())

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["parent"].queryset = departments.order_by("path")


# --- Invitations ------------------------------------------------------------------------------------


class InviteForm(BootstrapMixin, forms.Form):
    emails = forms.CharField(
        label=_("E-mail addresses"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "anna@example.com, boris@example.com"}),
        help_text=_("One or many, separated by commas, spaces or new lines."),
    )
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    position = forms.CharField(
        label=pgettext_lazy("job title", "Position"),
        max_length=200,
        required=False,
        help_text=_("Name and position are used when you invite a single person."),
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments.order_by("path")


class InvitationAcceptForm(BootstrapMixin, PasswordPairMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput())
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput())

    field_map = {"password": "password1"}


# --- The company ------------------------------------------------------------------------------------


class CompanySettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "group_creation_policy", "default_time_zone"]
        labels = {"default_time_zone": _("Default time zone")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group_creation_policy"].choices = GroupCreationPolicy.choices

    def _post_clean(self):
        # The service validates and saves; the form only shapes the input.
        pass
