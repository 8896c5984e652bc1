"""The mailbox form of CRM administrators: where the mail is, how to sign in, who gets the new leads."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ..choices import MailSecurity
from ..models import Mailbox

FIELDS = ("name", "host", "port", "security", "login", "folder", "responsible", "is_active")


class MailboxForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    host = forms.CharField(
        label=_("IMAP server"), max_length=255, help_text=_("For example imap.example.com")
    )
    port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, initial=993)
    security = forms.ChoiceField(label=_("Security"), choices=MailSecurity.choices, initial=MailSecurity.SSL)
    login = forms.CharField(label=_("Login"), max_length=255)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    folder = forms.CharField(label=_("Folder"), max_length=255, initial="INBOX")
    responsible = forms.ModelChoiceField(
        label=_("Responsible for new leads"), queryset=get_user_model().objects.none(), required=False
    )
    is_active = forms.BooleanField(label=_("Read this mailbox"), required=False, initial=True)

    def __init__(self, *args, mailbox: Mailbox | None = None, **kwargs):
        self.mailbox = mailbox
        if mailbox is not None:
            kwargs.setdefault("initial", {name: getattr(mailbox, name) for name in FIELDS})
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "id")
        self.fields["responsible"].queryset = users
        if mailbox is None:
            self.fields["password"].required = True
        else:
            self.fields["password"].help_text = _("Leave empty to keep the stored password.")
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def values(self) -> dict:
        """The cleaned settings, as the services take them (the password apart)."""
        return {name: self.cleaned_data[name] for name in FIELDS}
