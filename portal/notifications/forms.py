"""Forms of notifications: the e-mail settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import notification_kinds


class NotificationSettingsForm(forms.Form):
    """Which kinds of notification also come by e-mail (the rest: on the portal only)."""

    email_kinds = forms.MultipleChoiceField(
        label=_("Also send by e-mail"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email_kinds"].choices = [(k.key, k.label) for k in notification_kinds()]
